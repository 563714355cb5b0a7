"""One settings object for every command: broker, topics, state, keys, ports.

Every field has a default that runs the demo on the embedded broker; each can be set by
keyword or from the environment (``EARLYWARN_<FIELD>``, e.g. ``EARLYWARN_BROKER``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from earlywarn.security import KafkaSecurity, read_secret

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
    #: Prefix of the internal re-keyed topics (two deployments sharing one cluster).
    internal_prefix: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Topics:
        """Topic names from ``EARLYWARN_TOPICS_<FIELD>`` variables (e.g. ``..._CDR``)."""
        values = {
            f.name: env[f"EARLYWARN_TOPICS_{f.name.upper()}"]
            for f in fields(cls)
            if f"EARLYWARN_TOPICS_{f.name.upper()}" in env
        }
        return cls(**values)

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

    def internal(self, name: str) -> str:
        """Name of an internal re-keyed topic in this deployment."""
        return f"{self.internal_prefix}{name}"


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
    fetch_wait_ms
        Longest a worker's fetch waits for data. ``None``: 10 ms on the embedded broker,
        which otherwise holds fetches far longer than Kafka (see
        :mod:`earlywarn.stream.tuning`), and the client default elsewhere. A durable
        embedded broker (``s3://`` storage) needs 250 or more: it answers nothing to a
        fetch whose wait ends before its storage read does. Env
        ``EARLYWARN_FETCH_WAIT_MS``.
    linger_ms
        How long the producer holds a batch for more records before sending it: longer
        sends fewer, larger requests (less CPU per event), shorter sends alerts sooner.
        Env ``EARLYWARN_LINGER_MS``.
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
        A jurisdiction may also list ``previous`` keys with an overlap end, and the reserved
        entry ``INTEL`` holds the key shared with intel partners (see
        :mod:`earlywarn.alerts.pseudonymise`).
    routing_file
        Alert routing rules (TOML, :mod:`earlywarn.alerts.routing`). ``None``: every
        typology of every severity to every jurisdiction concerned. Env
        ``EARLYWARN_ROUTING_FILE``.
    intel_min_severity
        Alerts of at least this severity publish a pseudonymised indicator to the intel
        topic (confirmed scam labels always do). ``"off"``: never.
    intel_country
        ``source_country`` of the indicators this deployment publishes; by default the
        first jurisdiction of the alert.
    security_protocol, ssl_cafile, ssl_certfile, ssl_keyfile
        Kafka TLS: ``PLAINTEXT`` (default), ``SSL``, ``SASL_PLAINTEXT`` or ``SASL_SSL``, the
        CA bundle, and a client certificate for mutual TLS.
    sasl_mechanism, sasl_username, sasl_password_file
        Kafka SASL (``PLAIN``, ``SCRAM-SHA-256``, ``SCRAM-SHA-512``). The password comes
        from the file, or from ``EARLYWARN_SASL_PASSWORD``; it is never held here.
    """

    broker: str = DEFAULT_BROKER
    embedded: bool | None = None
    fetch_wait_ms: int | None = None
    linger_ms: float = 5.0
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
    routing_file: Path | None = None
    intel_min_severity: str = "critical"
    intel_country: str | None = None
    security_protocol: str = "PLAINTEXT"
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password_file: Path | None = None

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
        if "topics" not in overrides:
            values["topics"] = Topics.from_env(env)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def evolve(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def bootstrap(self) -> str:
        """``host:port`` list for kafka-python / aiokafka."""
        return broker_to_bootstrap(self.broker)

    @property
    def security(self) -> KafkaSecurity:
        """TLS/SASL options for every Kafka client (password read from its file now)."""
        return KafkaSecurity(
            protocol=self.security_protocol.upper(),
            cafile=self.ssl_cafile,
            certfile=self.ssl_certfile,
            keyfile=self.ssl_keyfile,
            sasl_mechanism=self.sasl_mechanism.upper() if self.sasl_mechanism else None,
            sasl_username=self.sasl_username,
            sasl_password=read_secret(
                self.sasl_password_file, os.environ.get("EARLYWARN_SASL_PASSWORD")
            ),
        )


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
    if name in ("partitions", "web_port", "max_message_bytes", "fetch_wait_ms"):
        return int(raw)
    if name in ("checkpoint_interval_s", "linger_ms"):
        return float(raw)
    if name in ("data_dir", "keys_file", "models_dir", "routing_file") or name.endswith("file"):
        return Path(raw)
    return raw
