"""Before a worker starts: know the broker, and make sure every topic exists."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping

from earlywarn.security import KafkaSecurity
from earlywarn.settings import Settings

log = logging.getLogger(__name__)


def cluster_id(
    bootstrap: str, *, timeout_s: float = 10.0, security: KafkaSecurity | None = None
) -> str:
    """The broker's cluster id (Tansu reports ``tansu_cluster`` unless told otherwise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap.split(","),
        client_id="earlywarn-bootstrap",
        request_timeout_ms=int(timeout_s * 1000),
        **(security or KafkaSecurity()).kafka_python(),
    )
    try:
        return str(admin.describe_cluster().get("cluster_id") or "")
    finally:
        admin.close()


def resolve_embedded(settings: Settings) -> Settings:
    """Settings with ``embedded`` decided: as given, or asked of the broker."""
    if settings.embedded is not None:
        return settings
    cid = cluster_id(settings.bootstrap, security=settings.security)
    embedded = cid.startswith("tansu")
    log.info("broker cluster id %r: %s", cid, "embedded Tansu" if embedded else "Kafka")
    return settings.evolve(embedded=embedded)


def ensure_topics(settings: Settings, countries: frozenset[str]) -> Mapping[str, int]:
    """Create the input, alert and dead-letter topics that are missing (idempotent).

    Operator topics named by the routing rules are created too.
    """
    from earlywarn.alerts.routing import load_rules
    from earlywarn.broker import create_topics

    t, n = settings.topics, settings.partitions
    rules = load_rules(settings.routing_file)
    names = [*t.kinds(), t.alerts_operators, t.deadletter, *rules.operator_topics.values()]
    names += [t.regulator(cc) for cc in sorted(countries)]
    wanted = {name: n for name in names}
    create_topics(settings.bootstrap, wanted, security=settings.security)
    return wanted
