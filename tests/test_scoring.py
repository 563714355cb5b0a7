import json
from collections.abc import Iterable

import orjson
from detectors.scenarios import (
    call_centre,
    merchant,
    mule,
    normal_caller,
    payroll,
    wangiri_burst,
)

from earlywarn.contract.alert import severity_rank
from earlywarn.contract.events import CallEvent, PaymentEvent
from earlywarn.detectors import Detection
from earlywarn.features import CallerState, CreditState, DebitState
from earlywarn.learning import ChannelAnomaly
from earlywarn.scoring import Engine


def run_calls(
    engine: Engine, events: Iterable[CallEvent], *, via_json: bool = False
) -> list[Detection]:
    states: dict[str, CallerState] = {}
    out: list[Detection] = []
    for ev in events:
        state = states.get(ev.caller)
        if via_json and state is not None:
            state = CallerState.from_json(json.loads(json.dumps(state.to_json())))
        states[ev.caller], found = engine.process_call(ev, state)
        out += found
    return out


def run_payments(engine: Engine, events: Iterable[PaymentEvent]) -> list[Detection]:
    """Feed the payer side and the payee side, as the two stream agents would."""
    debits: dict[str, DebitState] = {}
    credits: dict[str, CreditState] = {}
    out: list[Detection] = []
    for ev in events:
        payer, payee = ev.payer_account, ev.payee_account
        debits[payer], found = engine.process_debit(ev, debits.get(payer), credits.get(payer))
        out += found
        credits[payee], found = engine.process_credit(ev, credits.get(payee), debits.get(payee))
        out += found
    return out


def test_wangiri_through_engine() -> None:
    engine = Engine(anomaly=False)
    burst = wangiri_burst()
    found = run_calls(engine, burst)
    assert found and {d.typology for d in found} == {"wangiri"}
    ranks = [severity_rank(d.severity) for d in found]
    assert ranks == sorted(set(ranks)), "one detection per window unless severity rises"
    first = found[0]
    assert first.entity_type == "msisdn" and first.entity_id == burst[0].caller
    assert first.recommended_action == "block_number"
    assert first.jurisdictions == ("SL", "TH") and first.reporter == "TH-AIS"
    assert first.channel == "cdr" and first.detector == "wangiri"
    ids = {e.event_id for e in burst}
    assert 0 < len(first.evidence_event_ids) <= 20 and set(first.evidence_event_ids) <= ids
    assert first.event_id in first.evidence_event_ids
    assert first.window_start == engine.window_start(first.event_time)
    assert first.window_start % 3600.0 == 0.0
    assert {"wangiri": "1", "mule": "1", "artifact": "builtin"}.items() <= dict(
        first.model_version
    ).items()


def test_dedup_window_allows_a_new_alert_later() -> None:
    engine = Engine(anomaly=False, dedup_window_s=600.0)
    later = [
        CallEvent(
            e.event_id + "b",
            e.event_time + 1800.0,
            e.operator,
            e.caller,
            e.callee + "9",
            e.answered,
            e.duration_s,
            "TH",
            "SL",
        )
        for e in wangiri_burst()
    ]
    found = run_calls(engine, wangiri_burst() + later)
    windows = sorted({d.window_start for d in found})
    assert len(windows) >= 2
    assert len(found) <= 3 * len(windows)


def test_decoys_raise_nothing() -> None:
    engine = Engine(anomaly=False)
    assert run_calls(engine, call_centre() + normal_caller()) == []
    assert run_payments(engine, payroll() + merchant()) == []


def test_mule_fires_whichever_side_comes_first() -> None:
    events = mule()
    credits_first = sorted(events, key=lambda e: (e.payer_account == "MULE1", e.event_time))
    debits_first = sorted(events, key=lambda e: (e.payee_account == "MULE1", e.event_time))
    for order in (events, credits_first, debits_first):
        found = [d for d in run_payments(Engine(anomaly=False), order) if d.typology == "mule"]
        assert found, "mule not detected"
        d = found[-1]
        assert d.entity_type == "account" and d.entity_id == "MULE1"
        assert d.severity in ("high", "critical") and d.recommended_action == "freeze_account"
        assert d.jurisdictions in (("KH", "TH"), ("TH",)) and d.reporter == "TH-BANK"
        assert len(d.evidence_event_ids) <= 20
        assert len(found) <= 4


def _mixed_traffic() -> list[CallEvent]:
    events: list[CallEvent] = []
    for k in range(60):
        events += normal_caller(seed=k, caller=f"+6681{k:07d}")
    events += wangiri_burst(seed=9)
    return sorted(events, key=lambda e: (e.event_time, e.event_id))


def _engine_with_warm_anomaly() -> Engine:
    engine = Engine(seed=3)
    engine.anomaly_models["cdr"] = ChannelAnomaly("cdr", seed=3, warmup=100)
    return engine


def test_engine_is_deterministic_and_state_json_is_transparent() -> None:
    events = _mixed_traffic()
    a = run_calls(_engine_with_warm_anomaly(), events)
    b = run_calls(_engine_with_warm_anomaly(), events, via_json=True)
    assert a and a == b
    assert "hst-cdr" in a[0].model_version


def test_anomaly_does_not_flood_normal_traffic() -> None:
    engine = _engine_with_warm_anomaly()
    events: list[CallEvent] = []
    for k in range(150):
        events += normal_caller(seed=1000 + k, caller=f"+6682{k:07d}")
    events.sort(key=lambda e: (e.event_time, e.event_id))
    found = run_calls(engine, events)
    assert engine.anomaly_models["cdr"].n_learned == len(events)
    assert len(found) <= len(events) // 200


def test_payment_anomaly_learns_only_on_the_debit_side() -> None:
    engine = Engine()
    events = payroll()
    run_payments(engine, events)  # every event goes through both sides
    assert engine.anomaly_models["payments"].n_learned == len(events)


def test_a_short_lived_alert_of_another_typology_never_hides_a_mule_flag() -> None:
    """A collector that also pays as someone's victim keeps its 72 h mule flag."""
    from typing import Any

    import orjson

    from earlywarn.detectors import Detection
    from earlywarn.features.ids import watch_id
    from earlywarn.scoring.payments import PAYEE_TYPOLOGIES
    from earlywarn.scoring.watch import after, watch_risk

    engine = Engine(anomaly=False, supervised=False)
    table: dict[str, dict[str, Any]] = {}
    engine.lookup = table.get

    def detect(detector: str, typology: str, score: float, t: float, ttl_h: float) -> None:
        d = Detection(
            detector, typology, "account", "TH-KBANK:C1", score, "high", (), "monitor",
            "e1", t, (), t, ttl_h * 3600.0, ("TH",), "TH-KBANK", "payments", {},
        )  # fmt: skip
        after(engine, [d], None, "payments")
        for fwd in engine.take_forwards():
            if fwd.kind == "watch":  # the pipeline keeps the strongest unexpired entry
                new = orjson.loads(fwd.raw)
                old = table.get(new["_k"])
                if old is None or old["s"] < new["s"] or old["x"] < new["x"]:
                    table[new["_k"]] = new

    detect("mule", "mule", 0.8, 0.0, 72.0)
    detect("victim-in-progress", "victim_in_progress", 1.0, 60.0, 6.0)
    ten_hours = 10 * 3600.0
    assert watch_risk(engine, watch_id("TH-KBANK:C1"), ten_hours, PAYEE_TYPOLOGIES) == 0.8
    detect("mule-layer", "mule", 0.9, 120.0, 72.0)  # a layer flag is no payee risk
    assert watch_risk(engine, watch_id("TH-KBANK:C1"), ten_hours, PAYEE_TYPOLOGIES) == 0.8


def test_a_deferred_victim_finding_alerts_on_the_account_with_its_reasons() -> None:
    """A finding whose entity type is the event's own (``""``, as the label models give)
    comes back from the payer's number as an alert on the account, reasons intact."""
    import orjson

    from earlywarn.contract.alert import Explanation
    from earlywarn.detectors import Finding
    from earlywarn.features import key_id
    from earlywarn.features.victims import SubscriberState
    from earlywarn.scoring.checks import defer, process_check
    from earlywarn.scoring.forward import Linked

    engine = Engine(anomaly=False, supervised=False)
    why = Explanation("sup-payments", 0.91, 0.88, "looks like victim_in_progress")
    f = Finding(0.91, (why,), "monitor")
    hit = ("sup-payments", "victim_in_progress", "", f, "medium", 3600.0, "")
    paid = Linked("p1", 100.0, "payments")
    numbers = ("+66811111161", "+66811111162")
    defer(engine, hit, account="TH-KBANK:A", numbers=numbers, paid=paid, reporter="TH-KBANK",
          jurisdictions=("TH",))  # fmt: skip
    (fwd,) = engine.take_forwards()
    assert (fwd.kind, fwd.key) == ("msisdn", "+66811111161")
    payload = orjson.loads(fwd.raw)
    found = process_check(engine, SubscriberState(), payload, numbers[0], lambda: [])
    assert [(d.entity_type, d.entity_id, d.typology) for d in found] == [
        ("account", "TH-KBANK:A", "victim_in_progress")
    ]
    assert found[0].reasons == (why,) and found[0].event_id == "p1"
    # the same finding for a payer who texted the payee's number is dropped
    texted = [key_id(numbers[1])]
    assert process_check(engine, SubscriberState(), payload, numbers[0], lambda: texted) == []


def test_the_payments_drift_monitor_sees_only_the_anomaly_model_scores() -> None:
    """Its anomaly model scores the payer side; the payee side's detector risk, on another
    scale, is not mixed in (it was, once per payment)."""
    from earlywarn.alerts import Pseudonymiser, Router
    from earlywarn.pipeline import Pipeline, Stores
    from earlywarn.settings import Topics

    engine = Engine()
    pipe = Pipeline(
        engine=engine, router=Router(Topics(), Pseudonymiser({})), stores=Stores.in_memory()
    )
    for i in range(3):
        body = {
            "event_id": f"p{i}",
            "event_time": f"2026-11-23T06:0{i}:00Z",
            "institution": "TH-KBANK",
            "payer_account": f"TH-KBANK:A{i}",
            "payee_account": "TH-KBANK:B",
            "amount": 500,
            "currency": "THB",
            "rail": "bank_transfer",
        }
        out = pipe.handle("payments.events", orjson.dumps(body), now=0.0)
        for fwd in out.forwards:
            pipe.handle_internal(fwd.kind, fwd.raw, now=0.0)
    assert engine.drift.detectors["payments"].width == 3
