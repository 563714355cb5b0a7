"""Kafka sink keys and pacing, with a fake producer and a fake clock (no sleeping)."""

from __future__ import annotations

from typing import Any

import orjson

from loadtest.sink import KafkaSink, Pacer


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.flushed = False

    def send(self, topic: str, value: bytes, key: bytes) -> Any:
        self.sent.append((topic, key, value))

    def flush(self) -> None:
        self.flushed = True


def test_kafka_sink_keys_per_contract_and_strips_topic() -> None:
    producer = FakeProducer()
    sink = KafkaSink(producer)
    sink.write("telco.cdr", {"caller": "+66812345678", "x": 1})
    sink.write("payments.events", {"payer_account": "A1"})
    sink.write("earlywarn.labels", {"entity_id": "E"})
    sink.close()
    assert [(t, k) for t, k, _ in producer.sent] == [
        ("telco.cdr", b"+66812345678"),
        ("payments.events", b"A1"),
        ("earlywarn.labels", b"E"),
    ]
    assert orjson.loads(producer.sent[0][2]) == {"caller": "+66812345678", "x": 1}
    assert producer.flushed


def test_pacer_holds_rate_and_bursts() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    pacer = Pacer(
        100.0,
        burst_factor=4.0,
        burst_every=10.0,
        burst_seconds=2.0,
        clock=lambda: now[0],
        sleep=sleep,
    )
    for _ in range(2000):
        pacer.wait()
    # 2 s of burst at 400/s (800 events), 8 s at 100/s (800), then 400 more in 1 s of burst.
    assert 10.9 < now[0] < 11.1
    assert pacer.current_rate(1.0) == 400.0
    assert pacer.current_rate(5.0) == 100.0
