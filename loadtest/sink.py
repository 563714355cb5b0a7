"""Where simulated events go: JSONL files, or Kafka topics at a target rate with bursts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from earlywarn.contract.events import TOPIC_CDR, TOPIC_LABELS, TOPIC_PAYMENTS, TOPIC_SMS
from loadtest.emit import Emitted

#: Message key field per topic (contract).
KEY_FIELD: dict[str, str] = {
    TOPIC_CDR: "caller",
    TOPIC_SMS: "sender",
    TOPIC_PAYMENTS: "payer_account",
    TOPIC_LABELS: "entity_id",
}


def jsonl_line(topic: str, payload: dict[str, Any]) -> bytes:
    """One JSONL line: the contract object with a leading ``"topic"`` field.

    Examples
    --------
    >>> jsonl_line("telco.sms", {"a": 1})
    b'{"topic":"telco.sms","a":1}\\n'
    """
    return b'{"topic":"' + topic.encode() + b'",' + orjson.dumps(payload)[1:] + b"\n"


class Sink(Protocol):
    """Receives the merged event stream."""

    def write(self, topic: str, payload: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class FileSink:
    """JSONL output: one merged ``events.jsonl``, or one ``<topic>.jsonl`` per topic."""

    def __init__(self, out_dir: Path, split_topics: bool = False) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir, self.split = out_dir, split_topics
        self._files: dict[str, IO[bytes]] = {}

    def _file(self, topic: str) -> IO[bytes]:
        name = f"{topic}.jsonl" if self.split else "events.jsonl"
        f = self._files.get(name)
        if f is None:
            f = self._files[name] = (self.out_dir / name).open("wb", buffering=1 << 20)
        return f

    def write(self, topic: str, payload: dict[str, Any]) -> None:
        self._file(topic).write(jsonl_line(topic, payload))

    def close(self) -> None:
        for f in self._files.values():
            f.close()


class Producer(Protocol):
    """The part of :class:`kafka.KafkaProducer` the sink uses."""

    def send(self, topic: str, value: bytes, key: bytes) -> Any: ...

    def flush(self) -> None: ...


@dataclass
class Pacer:
    """Paces sends at ``rate`` events/s, ``burst_factor`` times faster for
    ``burst_seconds`` out of every ``burst_every`` seconds.
    """

    rate: float
    burst_factor: float = 1.0
    burst_every: float = 60.0
    burst_seconds: float = 5.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _t0: float | None = field(default=None, init=False)
    _due: float = field(default=0.0, init=False)

    def current_rate(self, elapsed: float) -> float:
        """The target rate ``elapsed`` seconds after the first event."""
        in_burst = self.burst_factor != 1.0 and elapsed % self.burst_every < self.burst_seconds
        return self.rate * (self.burst_factor if in_burst else 1.0)

    def wait(self) -> None:
        """Block until the next event is due."""
        now = self.clock()
        if self._t0 is None:
            self._t0 = self._due = now
        self._due += 1.0 / self.current_rate(self._due - self._t0)
        ahead = self._due - now
        if ahead > 0.002:
            self.sleep(ahead)


class KafkaSink:
    """Contract messages (without the ``topic`` field) keyed per the contract."""

    def __init__(
        self,
        producer: Producer,
        pacer: Pacer | None = None,
        topic_names: dict[str, str] | None = None,
    ) -> None:
        self.producer, self.pacer = producer, pacer
        self.names = topic_names or {}

    def write(self, topic: str, payload: dict[str, Any]) -> None:
        if self.pacer is not None:
            self.pacer.wait()
        key = str(payload[KEY_FIELD[topic]]).encode()
        self.producer.send(self.names.get(topic, topic), value=orjson.dumps(payload), key=key)

    def close(self) -> None:
        self.producer.flush()


def drain(
    events: Iterable[Emitted],
    sink: Sink,
    counts: dict[str, int],
    progress: Callable[[int], None] | None = None,
    every: int = 20_000,
) -> int:
    """Write every event to ``sink``, counting per topic; returns the number written."""
    n = 0
    for _, _, _, topic, payload in events:
        sink.write(topic, payload)
        counts[topic] = counts.get(topic, 0) + 1
        n += 1
        if progress is not None and n % every == 0:
            progress(every)
    if progress is not None:
        progress(n % every)
    return n
