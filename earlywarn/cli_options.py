"""Command-line options several ``earlywarn`` commands share, and the settings they make.

``--broker`` and the Kafka security flags (each also an ``EARLYWARN_<NAME>`` variable),
and :func:`_settings`, which builds :class:`~earlywarn.settings.Settings` from parsed
arguments and the environment.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from earlywarn.settings import Settings


def _broker_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--broker",
        default=None,
        help="kafka://host:port[;host:port] (env EARLYWARN_BROKER; default kafka://127.0.0.1:9092)",
    )


_SECURITY_FLAGS = (
    "security_protocol", "ssl_cafile", "ssl_certfile", "ssl_keyfile",
    "sasl_mechanism", "sasl_username", "sasl_password_file",
)  # fmt: skip


def _security_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Kafka security (each also EARLYWARN_<NAME>)")
    g.add_argument("--security-protocol", default=None, help="PLAINTEXT, SSL, SASL_SSL, ...")
    g.add_argument("--ssl-cafile", type=Path, default=None, help="CA bundle of the brokers")
    g.add_argument("--ssl-certfile", type=Path, default=None, help="client certificate (mTLS)")
    g.add_argument("--ssl-keyfile", type=Path, default=None, help="client key (mTLS)")
    g.add_argument("--sasl-mechanism", default=None, help="PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
    g.add_argument("--sasl-username", default=None)
    g.add_argument(
        "--sasl-password-file",
        type=Path,
        default=None,
        help="file holding the SASL password (or env EARLYWARN_SASL_PASSWORD)",
    )


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    embedded = getattr(args, "embedded", None)
    for name in _SECURITY_FLAGS:
        extra.setdefault(name, getattr(args, name, None))
    extra.setdefault("routing_file", getattr(args, "routing", None))
    return Settings.from_env(
        broker=getattr(args, "broker", None),
        embedded=embedded,
        partitions=getattr(args, "partitions", None),
        data_dir=getattr(args, "data_dir", None),
        web_port=getattr(args, "web_port", None),
        keys_file=getattr(args, "keys", None),
        models_dir=getattr(args, "models", None)
        if not isinstance(getattr(args, "models", None), str)
        else None,
        app_id=getattr(args, "app_id", None),
        fetch_wait_ms=getattr(args, "fetch_wait_ms", None),
        linger_ms=getattr(args, "linger_ms", None),
        **extra,
    )
