"""Late events: a payment older than its payer's newest one is still judged, not dropped."""

from __future__ import annotations

import orjson

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics


def _payment(event_id: str, time: str) -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "event_time": time,
            "institution": "TH-BANK-A",
            "payer_account": "TH-BANK-A:1",
            "payee_account": "TH-BANK-B:2",
            "amount": 500.0,
            "currency": "THB",
            "rail": "bank_transfer",
            "payer_msisdn": "+66812345678",
            "payee_msisdn": "+66812345679",
        }
    )


def test_a_payment_three_weeks_late_is_processed_on_the_msisdn_hop() -> None:
    pipe = Pipeline(
        engine=Engine(), router=Router(Topics(), Pseudonymiser({})), stores=Stores.in_memory()
    )
    dead = []
    for event_id, time in (("p1", "2026-11-23T06:00:00Z"), ("p2", "2026-11-01T06:00:00Z")):
        out = pipe.handle("payments.events", _payment(event_id, time))
        assert out.deadletter is None
        stack = list(out.forwards)
        while stack:
            done = pipe.handle_internal(stack[0].kind, stack.pop(0).raw)
            if done.deadletter is not None:
                dead.append((event_id, done.deadletter["source_topic"]))
            stack.extend(done.forwards)
    assert dead == []
