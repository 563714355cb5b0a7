"""Shared intel out: critical alerts and confirmed labels publish pseudonymised indicators."""

from __future__ import annotations

from typing import Any

import orjson
from alert_helpers import CALLER, alert, keys

from earlywarn.alerts import IntelPublisher, Router
from earlywarn.contract import decode
from earlywarn.pipeline import Outcome, Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics

WANGIRI = "+2348031230000"


def pipe(publisher: IntelPublisher | None = None) -> Pipeline:
    p = keys()
    return Pipeline(
        engine=Engine(anomaly=False, supervised=False),
        router=Router(Topics(), p, intel=publisher),
        stores=Stores.in_memory(),
    )


def call(i: int, caller: str = WANGIRI) -> bytes:
    return orjson.dumps(
        {
            "event_id": f"w{i}",
            "event_time": f"2026-11-23T06:{i // 6:02d}:{(i % 6) * 10:02d}Z",
            "operator": "NG-MTN",
            "caller": caller,
            "callee": f"+668123{i:05d}",
            "answered": False,
            "duration_s": 0,
        }
    )


def run(p: Pipeline, raw: bytes) -> list[Outcome]:
    out = [p.handle("telco.cdr", raw, now=0.0)]
    stack = list(out[0].forwards)
    while stack:
        done = p.handle_internal(stack[0].kind, stack.pop(0).raw, now=0.0)
        out.append(done)
        stack.extend(done.forwards)
    return out


def campaign(p: Pipeline, n: int = 40) -> tuple[int | None, list[tuple[str, dict[str, Any]]]]:
    """Feed ``n`` one-ring calls; the index of the first alert and every indicator."""
    first, intel = None, []
    for i in range(n):
        for o in run(p, call(i)):
            if o.alerts and first is None:
                first = i
            intel.extend(o.intel)
    return first, intel


def test_only_critical_alerts_publish_and_never_intel_driven_ones() -> None:
    pub = IntelPublisher(keys())
    assert pub.from_alert(alert(severity="high")) is None
    key, value = pub.from_alert(alert(severity="critical", score=0.97)) or ("", {})
    assert key == value["indicator"] == keys().intel_pseudonym(CALLER)
    assert CALLER not in orjson.dumps(value).decode()
    event = decode("earlywarn.intel", orjson.dumps(value))  # a valid contract record
    assert event.pseudonymised and event.confidence == 0.97  # type: ignore[union-attr]
    assert pub.from_alert(alert(severity="critical"), detector="intel") is None
    assert IntelPublisher(keys(intel=False)).from_alert(alert(severity="critical")) is None
    assert IntelPublisher(keys(), min_severity="off").from_alert(alert(severity="critical")) is None


def test_a_confirmed_scam_label_publishes_an_indicator() -> None:
    p = pipe()
    label = {
        "entity_type": "msisdn",
        "entity_id": CALLER,
        "label": "scam",
        "typology": "wangiri",
        "source": "TH-ASC",
        "reported_time": "2026-11-23T06:00:00Z",
    }
    out = p.handle("earlywarn.labels", orjson.dumps(label), now=0.0)
    assert [k for k, _ in out.intel] == [keys().intel_pseudonym(CALLER)]
    legit = p.handle("earlywarn.labels", orjson.dumps({**label, "label": "legit"}), now=0.0)
    assert legit.intel == []


def test_a_partner_with_the_indicator_flags_the_caller_on_its_first_call() -> None:
    a = pipe()
    first_a, intel = campaign(a)
    assert first_a is not None and intel, "the campaign should reach critical and publish"
    b = pipe()
    assert b.engine.pseudonym is not None  # set from the shared intel key
    for _key, value in intel:
        b.handle("earlywarn.intel", orjson.dumps(value), now=0.0)
    first_b, echoed = campaign(b)
    assert first_b is not None and first_b < first_a
    assert first_b == 0
    assert echoed == []  # alerts learned from intel are not published again
