"""Small kafka-python clients: feed contract events in, read alerts and dead letters out.

Used by the demo, the integration tests and the load driver. Not on the worker's path.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from earlywarn.security import KafkaSecurity

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

#: Message key of each input topic, per the contract.
KEY_FIELDS: dict[str, str] = {
    "telco.cdr": "caller",
    "telco.sms": "sender",
    "payments.events": "payer_account",
    "earlywarn.labels": "entity_id",
    "earlywarn.intel": "indicator",
}


def producer(
    bootstrap: str, *, security: KafkaSecurity | None = None, **config: Any
) -> KafkaProducer:
    """A producer with ``acks=all`` and a little linger for batching (TLS/SASL per ``security``)."""
    opts: dict[str, Any] = {"acks": "all", "linger_ms": 5, "retries": 5}
    opts.update((security or KafkaSecurity()).kafka_python())
    opts.update(config)
    return KafkaProducer(bootstrap_servers=bootstrap.split(","), **opts)


def produce_events(
    bootstrap: str,
    events: Iterable[dict[str, Any]],
    *,
    topic_map: dict[str, str] | None = None,
    on_sent: Callable[[int], None] | None = None,
    security: KafkaSecurity | None = None,
) -> int:
    """Send contract events (dicts with a ``"topic"`` field) keyed per the contract.

    The ``topic`` field is removed from the value. ``topic_map`` renames topics.
    Returns the number sent; raises if the broker did not acknowledge them all.
    """
    prod = producer(bootstrap, security=security)
    sent = 0
    try:
        for ev in events:
            ev = dict(ev)
            topic = ev.pop("topic")
            key = ev.get(KEY_FIELDS.get(topic, ""))
            name = (topic_map or {}).get(topic, topic)
            prod.send(
                name,
                key=str(key).encode() if key is not None else None,
                value=orjson.dumps(ev),
            )
            sent += 1
            if on_sent is not None:
                on_sent(sent)
        prod.flush(timeout=60)
    finally:
        prod.close(timeout=10)
    return sent


def produce_raw(
    bootstrap: str,
    topic: str,
    values: Iterable[tuple[bytes | None, bytes]],
    *,
    security: KafkaSecurity | None = None,
) -> int:
    """Send raw (key, value) pairs, e.g. malformed messages for dead-letter tests."""
    prod = producer(bootstrap, security=security)
    n = 0
    try:
        for key, value in values:
            prod.send(topic, key=key, value=value)
            n += 1
        prod.flush(timeout=60)
    finally:
        prod.close(timeout=10)
    return n


class TopicReader:
    """Read JSON records from whole topics, from the beginning, without a consumer group."""

    def __init__(
        self, bootstrap: str, topics: Iterable[str], *, security: KafkaSecurity | None = None
    ) -> None:
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            **(security or KafkaSecurity()).kafka_python(),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=50,  # BROKER.md #6: must be >= 1 ms
            consumer_timeout_ms=200,
        )
        self.topics = list(topics)
        self._assigned: set[TopicPartition] = set()

    def _assign(self) -> None:
        tps = set()
        for topic in self.topics:
            for partition in self.consumer.partitions_for_topic(topic) or ():
                tps.add(TopicPartition(topic, partition))
        if tps != self._assigned:
            new = tps - self._assigned
            self.consumer.assign(list(tps))
            if new:
                self.consumer.seek_to_beginning(*new)
            self._assigned = tps

    def poll(self, timeout_s: float = 0.5) -> list[tuple[str, dict[str, Any]]]:
        """Records that arrived since the last call, as ``(topic, value)``."""
        self._assign()
        if not self._assigned:
            time.sleep(min(timeout_s, 0.1))  # topics not created yet: nothing to wait on
            return []
        out: list[tuple[str, dict[str, Any]]] = []
        batches = self.consumer.poll(timeout_ms=int(timeout_s * 1000))
        for tp, records in batches.items():
            out.extend((tp.topic, orjson.loads(r.value)) for r in records)
        return out

    def read_until(
        self,
        done: Callable[[list[tuple[str, dict[str, Any]]]], bool],
        *,
        timeout_s: float = 60.0,
    ) -> list[tuple[str, dict[str, Any]]]:
        """Poll until ``done(all_records_so_far)`` or the deadline; return what was read."""
        seen: list[tuple[str, dict[str, Any]]] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            seen.extend(self.poll())
            if done(seen):
                break
        return seen

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        while True:
            yield from self.poll()

    def close(self) -> None:
        self.consumer.close()
