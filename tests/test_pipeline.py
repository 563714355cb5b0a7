"""The transport-free pipeline: a failing detector dead-letters one event, nothing else."""

from __future__ import annotations

from typing import Any

import orjson

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.metrics import Metrics
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.sample import sample_events
from earlywarn.scoring import Engine
from earlywarn.settings import Topics


class ExplodingEngine(Engine):
    def process_sms(self, ev: Any, state: Any) -> Any:
        raise RuntimeError("bug in a detector")


def test_processing_error_is_dead_lettered_and_the_rest_goes_on() -> None:
    metrics = Metrics()
    pipe = Pipeline(
        engine=ExplodingEngine(),
        router=Router(Topics(), Pseudonymiser({})),
        stores=Stores.in_memory(),
        metrics=metrics,
    )
    events = sample_events(seed=2, subscribers=30)
    outcomes = []
    for i, ev in enumerate(events):
        ev = dict(ev)
        topic = ev.pop("topic")
        outcomes.append((topic, pipe.handle(topic, orjson.dumps(ev), partition=0, offset=i)))
    sms = [o for t, o in outcomes if t == "telco.sms"]
    others = [o for t, o in outcomes if t != "telco.sms"]
    assert sms and all(o.deadletter and o.deadletter["reason"] == "processing_error" for o in sms)
    assert all(o.deadletter is None and o.event is not None for o in others)
    assert metrics.processing_errors.labels(topic="telco.sms")._value.get() == len(sms)
    assert metrics.deadletters.labels(
        topic="telco.sms", reason="processing_error"
    )._value.get() == len(sms)


def test_payments_are_forwarded_for_the_payee_side_and_state_is_bytes() -> None:
    stores = Stores.in_memory()
    pipe = Pipeline(engine=Engine(), router=Router(Topics(), Pseudonymiser({})), stores=stores)
    ev = next(e for e in sample_events(seed=2, subscribers=30) if e["topic"] == "payments.events")
    body = {k: v for k, v in ev.items() if k != "topic"}
    out = pipe.handle("payments.events", orjson.dumps(body))
    assert out.forward is not None and out.forward[0] == body["payee_account"]
    pipe.handle_credit(out.forward[1])
    assert isinstance(stores.debits.get(body["payer_account"]), bytes)  # type: ignore[attr-defined]
    assert isinstance(stores.credits.get(body["payee_account"]), bytes)  # type: ignore[attr-defined]
