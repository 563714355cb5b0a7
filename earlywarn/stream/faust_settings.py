"""The Faust app settings a worker is built with, from :class:`earlywarn.settings.Settings`."""

from __future__ import annotations

from typing import Any

from earlywarn.settings import Settings


def faust_config(settings: Settings) -> dict[str, Any]:
    """Faust settings for ``settings``; embedded-broker tuning only when it is embedded."""
    conf: dict[str, Any] = {
        "broker": settings.broker,
        "store": settings.store,
        "datadir": str(settings.data_dir),
        "web_port": settings.web_port,
        "web_host": "127.0.0.1",
        "web_bind": "0.0.0.0",
        "topic_partitions": settings.partitions,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "producer_acks": -1,
        "consumer_auto_offset_reset": "earliest",
        "autodiscover": False,
        "table_standby_replicas": 0,
        "stream_wait_empty": True,
        # Batch the many small records (changelogs, forwards, alerts) into fewer produce
        # requests: with no linger each one was its own request and socket write.
        "producer_linger": settings.linger_ms / 1000.0,
        "logging_config": None,
    }
    credentials = settings.security.faust_credentials()
    if credentials is not None:
        conf["broker_credentials"] = credentials
    if settings.embedded:
        # BROKER.md #1: group joins take about half the session timeout.
        conf.update(broker_session_timeout=6.0, broker_heartbeat_interval=1.0)
    return conf
