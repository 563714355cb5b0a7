"""Explicit, idempotent topic creation.

This broker auto-creates an unknown topic with a default partition count on first produce,
so earlywarn creates its topics up front with the partition counts it wants.
"""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.broker.errors import EmbeddedBrokerError
from earlywarn.security import KafkaSecurity

__all__ = ["create_topics"]

_TOPIC_ALREADY_EXISTS = 36  # Kafka error code


def create_topics(
    bootstrap: str,
    topics: Mapping[str, int],
    replication: int = 1,
    *,
    timeout_ms: int = 10_000,
    security: KafkaSecurity | None = None,
) -> list[str]:
    """Create topics if they don't exist yet (idempotent).

    Parameters
    ----------
    bootstrap : str
        Bootstrap address, ``"host:port"``.
    topics : Mapping[str, int]
        Topic name to partition count.
    replication : int, default 1
        Replication factor.
    timeout_ms : int, default 10000
        How long to wait for the broker to create the topics and show them in metadata.
    security : KafkaSecurity, optional
        TLS/SASL options of the connection; plaintext by default.

    Returns
    -------
    list of str
        Names of the topics that this call created (existing ones are left as they are).

    Raises
    ------
    EmbeddedBrokerError
        If the broker rejects a topic for any reason other than "already exists".
    """
    if not topics:
        return []
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="earlywarn-admin",
        request_timeout_ms=timeout_ms,
        **(security or KafkaSecurity()).kafka_python(),
    )
    try:
        existing = set(admin.list_topics())
        wanted = {
            name: {"num_partitions": parts, "replication_factor": replication}
            for name, parts in topics.items()
            if name not in existing
        }
        if not wanted:
            return []
        result = admin.create_topics(wanted, timeout_ms=timeout_ms, raise_errors=False)
        created: list[str] = []
        failed: list[str] = []
        for t in result["topics"]:
            code = t["error_code"]
            if code == 0:
                created.append(t["name"])
            elif code != _TOPIC_ALREADY_EXISTS:
                failed.append(f"{t['name']}: error {code} {t.get('error_message') or ''}".strip())
        if failed:
            raise EmbeddedBrokerError("Could not create topics: " + "; ".join(failed))
        admin.wait_for_topics(created, timeout_ms=timeout_ms)
        return created
    finally:
        admin.close()
