"""At-least-once delivery: redelivered messages change no state twice and raise nothing new.

A small in-process driver plays the worker's part (marks per topic partition, origin marks
on re-keyed records, state writes after the outputs) so that crashes can be placed
exactly; ``tests/reliability`` does the same with real workers, a real broker and
``kill -9``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.digest import digests
from earlywarn.metrics import Metrics
from earlywarn.pipeline import MARK_STRIDE, Outcome, Pipeline, Stores
from earlywarn.sample import sample_events
from earlywarn.scoring import Engine
from earlywarn.settings import Topics

TOPICS = Topics()
KINDS = TOPICS.kinds()


def messages() -> list[tuple[str, bytes]]:
    out = []
    for ev in sample_events(seed=2, subscribers=40):
        body = {k: v for k, v in ev.items() if k != "topic"}
        out.append((str(ev["topic"]), orjson.dumps(body)))
    return out


@dataclass
class Driver:
    """One partition per topic; re-keyed records handled depth first, as replay does."""

    metrics: Metrics = field(default_factory=Metrics)
    pipe: Pipeline = field(init=False)
    offsets: dict[str, int] = field(default_factory=dict)
    alerts: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pipe = Pipeline(
            engine=Engine(anomaly=False),
            router=Router(TOPICS, Pseudonymiser({})),
            stores=Stores.in_memory(),
            metrics=self.metrics,
            defer_writes=True,
        )

    def input(self, offset: int, topic: str, raw: bytes, *, apply: bool = True) -> Outcome:
        source = f"{KINDS[topic]}0"
        out = self.pipe.handle(
            topic, raw, partition=0, offset=offset, mark=(source, offset * MARK_STRIDE)
        )
        self.publish(out, source, offset, apply=apply)
        return out

    def publish(self, out: Outcome, source: str, offset: int, *, apply: bool = True) -> None:
        self.alerts.extend((a.alert_id, a.severity, a.revision) for a in out.alerts)
        for i, fwd in enumerate(out.forwards):
            self.internal(fwd.kind, fwd.raw, (source, offset * MARK_STRIDE + i))
        if apply:
            self.pipe.apply(out)

    def internal(self, kind: str, raw: bytes, origin: tuple[str, int]) -> None:
        own = self.offsets.get(kind, 0)  # the record's own offset on its internal topic
        self.offsets[kind] = own + 1
        out = self.pipe.handle_internal(kind, raw, mark=origin)
        self.publish(out, f"{kind}0", own)

    def state(self) -> dict[str, Any]:
        stores = self.pipe.stores
        names = ("callers", "senders", "debits", "credits", "imeis", "domains", "subscribers")
        return digests({n: getattr(stores, n) for n in (*names, "hotspots", "watchlist")})


def redelivered(metrics: Metrics) -> float:
    return sum(
        s.value
        for m in metrics.redelivered.collect()
        for s in m.samples
        if s.name.endswith("_total")
    )


def clean_run(msgs: list[tuple[str, bytes]]) -> Driver:
    d = Driver()
    for i, (topic, raw) in enumerate(msgs):
        d.input(i, topic, raw)
    return d


def test_the_sample_raises_alerts_and_links_entities() -> None:
    d = clean_run(messages())
    assert {a[0] for a in d.alerts}, (
        "the sample must raise alerts for the checks below to mean much"
    )
    assert sum(d.offsets.values()) > 100  # re-keyed records flowed
    assert redelivered(d.metrics) == 0


@pytest.mark.parametrize("crash_every", [97, 250])
def test_replaying_since_the_last_commit_changes_nothing(crash_every: int) -> None:
    """Each "crash" redelivers everything since the last commit, as a kill -9 does."""
    msgs = messages()
    clean = clean_run(msgs)
    d = Driver()
    committed = 0
    for i, (topic, raw) in enumerate(msgs):
        d.input(i, topic, raw)
        if i % crash_every == crash_every - 1:
            for j in range(committed, i + 1):  # redelivered from the last commit
                out = d.input(j, *msgs[j])
                assert out.redelivered and not out.alerts and not out.forwards
            committed = i - 10
    assert d.state() == clean.state()
    assert sorted(set(d.alerts)) == sorted(set(clean.alerts))
    assert len(d.alerts) == len(clean.alerts)  # nothing raised twice
    assert redelivered(d.metrics) > 0


def test_a_crash_before_the_state_write_redelivers_outputs_not_state() -> None:
    """Outputs went out, the state write did not: the message is processed again, its
    re-keyed records are skipped where they landed, and the alerts come again unchanged."""
    msgs = messages()
    clean = clean_run(msgs)
    d = Driver()
    lost = 0
    for i, (topic, raw) in enumerate(msgs):
        if i % 50 == 7:
            first = d.input(i, topic, raw, apply=False)  # crash before the state write
            again = d.input(i, topic, raw)
            assert not again.redelivered
            assert [a.alert_id for a in again.alerts] == [a.alert_id for a in first.alerts]
            lost += 1
        else:
            d.input(i, topic, raw)
    assert lost > 5
    assert d.state() == clean.state()
    assert sorted(set(d.alerts)) == sorted(set(clean.alerts))
    assert redelivered(d.metrics) > 0  # the second copies of the re-keyed records


def test_duplicate_rekeyed_records_with_new_offsets_are_skipped() -> None:
    """An upstream redelivery re-produces re-keyed records at new offsets of their topic."""
    msgs = messages()
    clean = clean_run(msgs)
    d = Driver()
    for i, (topic, raw) in enumerate(msgs):
        out = d.input(i, topic, raw)
        for k, fwd in enumerate(out.forwards):  # every record produced a second time
            d.internal(fwd.kind, fwd.raw, (f"{KINDS[topic]}0", i * MARK_STRIDE + k))
    assert d.state() == clean.state()
    assert sorted(set(d.alerts)) == sorted(set(clean.alerts))


def test_without_marks_a_redelivery_is_applied_again() -> None:
    """Replay passes no marks: the check is what makes the difference above."""
    msgs = messages()
    stores = Stores.in_memory()
    pipe = Pipeline(
        engine=Engine(anomaly=False), router=Router(TOPICS, Pseudonymiser({})), stores=stores
    )
    caller = next(orjson.loads(raw)["caller"] for topic, raw in msgs if topic == TOPICS.cdr)
    calls = [
        raw for topic, raw in msgs if topic == TOPICS.cdr and orjson.loads(raw)["caller"] == caller
    ]
    for raw in calls:
        pipe.handle(TOPICS.cdr, raw)
    once = stores.callers.get(caller)
    pipe.handle(TOPICS.cdr, calls[-1])
    assert stores.callers.get(caller) != once


def test_deferred_writes_wait_for_apply() -> None:
    stores = Stores.in_memory()
    pipe = Pipeline(
        engine=Engine(anomaly=False),
        router=Router(TOPICS, Pseudonymiser({})),
        stores=stores,
        defer_writes=True,
    )
    topic, raw = next(m for m in messages() if m[0] == TOPICS.cdr)
    out = pipe.handle(topic, raw, mark=("cdr0", 0))
    caller = orjson.loads(raw)["caller"]
    assert stores.callers.get(caller) is None and len(out.writes) == 1
    pipe.apply(out)
    assert stores.callers.get(caller) is not None and not out.writes
    assert b'"o":{"cdr0":0}' in stores.callers.get(caller)
