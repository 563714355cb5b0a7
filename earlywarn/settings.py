"""One settings object for every command: broker, topics, state, keys, ports.

Every field has a default that runs the demo on the embedded broker; each can be set by
keyword or from the environment (``EARLYWARN_<FIELD>``, e.g. ``EARLYWARN_BROKER``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_BROKER = "kafka://127.0.0.1:9092"


@dataclass(frozen=True, kw_only=True)
class Topics:
    """Topic names (contract defaults)."""

    cdr: str = "telco.cdr"
    sms: str = "telco.sms"
    payments: str = "payments.events"
    labels: str = "earlywarn.labels"
    intel: str = "earlywarn.intel"
    alerts_operators: str = "earlywarn.alerts.operators"
    alerts_regulators_prefix: str = "earlywarn.alerts.regulators."
    deadletter: str = "earlywarn.deadletter"
    payments_by_payee: str = "earlywarn.payments.by-payee"

    def kinds(self) -> dict[str, str]:
        """Map input topic names to the decoder's input kinds."""
        return {
            self.cdr: "cdr",
            self.sms: "sms",
            self.payments: "payments",
            self.labels: "labels",
            self.intel: "intel",
        }

    def regulator(self, country: str) -> str:
        return f"{self.alerts_regulators_prefix}{country}"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Settings of one earlywarn deployment.

    Parameters
    ----------
    broker
        ``kafka://host:port[;host:port]``. Env ``EARLYWARN_BROKER``.
    embedded
        Whether the broker is the embedded Tansu broker, which turns on its client-side
        workarounds (short group session timeout, exact changelog recovery). ``None``
        (default) asks the broker: Tansu reports a ``tansu`` cluster id. Real Kafka never
        gets the workarounds.
    app_id
        Consumer group and Faust application id.
    partitions
        Partition count of every topic the app creates (inputs must be co-partitioned).
    data_dir
        Faust table stores and local files.
    web_port
        Worker web port; serves ``/metrics``.
    models_dir
        Versioned model artifacts (``LATEST`` names the promoted one). A worker warm-starts
        from its own last checkpoint (``data_dir/checkpoint``) if there is one, else from
        the promoted artifact, else cold. ``None``: always cold.
    keys_file
        Pseudonymisation keys (JSON ``{"CC": {"key_id": ..., "key": hex}}``).
        Env ``EARLYWARN_KEYS_FILE``; keys may also come from ``EARLYWARN_KEYS`` (same JSON).
    """

    broker: str = DEFAULT_BROKER
    embedded: bool | None = None
    app_id: str = "earlywarn"
    partitions: int = 4
    data_dir: Path = Path("var/earlywarn")
    web_port: int = 6066
    keys_file: Path | None = None
    store: str = "memory://"
    topics: Topics = field(default_factory=Topics)
    max_message_bytes: int = 64 * 1024
    models_dir: Path | None = Path("models")
    checkpoint_interval_s: float = 300.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``EARLYWARN_*`` variables, then ``overrides`` (not None)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"EARLYWARN_{f.name.upper()}")
            if raw is None or f.name == "topics":
                continue
            values[f.name] = _coerce(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def evolve(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def bootstrap(self) -> str:
        """``host:port`` list for kafka-python / aiokafka."""
        return broker_to_bootstrap(self.broker)


def broker_to_bootstrap(url: str) -> str:
    """``kafka://h1:9092;h2:9092`` → ``h1:9092,h2:9092``.

    >>> broker_to_bootstrap("kafka://127.0.0.1:9092")
    '127.0.0.1:9092'
    """
    hosts = []
    for part in url.replace(",", ";").split(";"):
        part = part.strip()
        if "://" in part:
            part = part.split("://", 1)[1]
        if part:
            hosts.append(part)
    return ",".join(hosts)


def _coerce(name: str, raw: str) -> Any:
    if name in ("embedded",):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if name in ("partitions", "web_port", "max_message_bytes"):
        return int(raw)
    if name == "checkpoint_interval_s":
        return float(raw)
    if name in ("data_dir", "keys_file", "models_dir"):
        return Path(raw)
    return raw
