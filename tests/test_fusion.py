"""Cross-channel fusion, shared intel, labels and artifacts through the transport-free pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.pipeline import Outcome, Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics

T = "2026-11-23T06:{:02d}:{:02d}Z"


def _pipe(engine: Engine | None = None) -> Pipeline:
    return Pipeline(
        engine=engine or Engine(anomaly=False),
        router=Router(Topics(), Pseudonymiser({})),
        stores=Stores.in_memory(),
    )


def _run(pipe: Pipeline, topic: str, body: dict[str, Any]) -> list[Outcome]:
    """One message and, like replay, every forward it raises, depth first."""
    out = [pipe.handle(topic, orjson.dumps(body), now=0.0)]
    stack = list(reversed(out[0].forwards))
    while stack:
        f = stack.pop()
        done = pipe.handle_internal(f.kind, f.raw, now=0.0)
        out.append(done)
        stack.extend(reversed(done.forwards))
    return out


def _alerts(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    return [(a.typology, a.entity_id) for o in outcomes for a in o.alerts]


def _call(i: int, caller: str, callee: str, imei: str | None = None, m: int = 0) -> dict[str, Any]:
    return {
        "event_id": f"c{i}",
        "event_time": T.format(m + i // 60, i % 60),
        "operator": "TH-AIS",
        "caller": caller,
        "callee": callee,
        "answered": False,
        "duration_s": 0,
        **({"caller_imei": imei, "cell_id": "C1"} if imei else {}),
    }


def test_sims_sharing_one_device_raise_simbox_on_the_device_and_each_sim() -> None:
    pipe = _pipe()
    found: list[tuple[str, str]] = []
    for i in range(8):
        found += _alerts(
            _run(
                pipe,
                "telco.cdr",
                _call(i, f"+6681234560{i}", f"+6689999000{i}", imei="356741085048204"),
            )
        )
    assert ("simbox", "356741085048204") in found
    sims = {e for t, e in found if t == "simbox" and e.startswith("+66")}
    assert len(sims) >= 4 and len(found) == len(set(found))


def test_payment_after_a_wangiri_contact_is_a_victim_in_progress_on_the_first_transfer() -> None:
    pipe = _pipe()
    scammer, victim = "+23276000001", "+66811111111"
    for i in range(30):  # a one-ring burst makes the number risky
        _run(pipe, "telco.cdr", {**_call(i, scammer, f"+668100{i:05d}"), "answered": False})
    call = {**_call(40, scammer, victim), "answered": True, "duration_s": 30}
    _run(pipe, "telco.cdr", call)
    pay = {
        "event_id": "p1",
        "event_time": T.format(20, 0),
        "institution": "TH-KBANK",
        "payer_account": "TH-KBANK:1",
        "payee_account": "TH-KBANK:MULE",
        "amount": 500,
        "currency": "THB",
        "rail": "bank_transfer",
        "payer_msisdn": victim,
    }
    alerts = [a for o in _run(pipe, "payments.events", pay) for a in o.alerts]
    vip = [a for a in alerts if a.typology == "victim_in_progress"]
    assert vip and vip[0].entity_id == "TH-KBANK:1"
    assert vip[0].recommended_action == "hold_payment" and vip[0].model_version
    # a second transfer to the same payee is no longer to a first-time payee
    again = _run(pipe, "payments.events", {**pay, "event_id": "p2", "event_time": T.format(21, 0)})
    assert not [a for o in again for a in o.alerts if a.typology == "victim_in_progress"]


def test_shared_intel_matches_until_it_expires() -> None:
    pipe = _pipe()
    intel = {
        "indicator_type": "msisdn",
        "indicator": "+66812345600",
        "pseudonymised": False,
        "confidence": 0.9,
        "source_country": "MY",
        "typology": "impersonation",
        "expires_time": "2026-11-23T06:30:00Z",
    }
    pipe.handle("earlywarn.intel", orjson.dumps(intel))
    hit = _alerts(_run(pipe, "telco.cdr", _call(1, "+66812345600", "+66899990001")))
    assert ("impersonation", "+66812345600") in hit
    late = _alerts(_run(pipe, "telco.cdr", _call(2, "+66812345600", "+66899990002", m=40)))
    assert late == []


def test_labels_train_the_channel_model_from_kept_vectors(tmp_path: Path) -> None:
    engine = Engine(anomaly=False)
    pipe = _pipe(engine)
    _run(pipe, "telco.cdr", _call(1, "+66812345601", "+66899990001"))
    label = {
        "entity_type": "msisdn",
        "entity_id": "+66812345601",
        "label": "scam",
        "typology": "wangiri",
        "source": "TH-ASC",
        "reported_time": "2026-11-25T00:00:00Z",
    }
    pipe.handle("earlywarn.labels", orjson.dumps(label))
    assert engine.label_models["cdr"].counts["wangiri"] == 1
    engine.checkpoint(tmp_path / "v1")
    warm = Engine.from_artifact(tmp_path / "v1", anomaly=False)
    assert warm.label_models["cdr"].counts["wangiri"] == 1
    assert warm.model_version["artifact"] == engine.artifact_version
