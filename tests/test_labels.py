"""Late labels through the transport-free pipeline: what they teach and what they mark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.features import CreditState, DebitState
from earlywarn.learning.supervised import NONE, sampled
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.scoring.models import PAYEE
from earlywarn.settings import Topics

MULE, VICTIM = "TH-KBANK:MULE", "TH-KBANK:VICTIM"


def _pipe() -> Pipeline:
    return Pipeline(
        engine=Engine(anomaly=False),
        router=Router(Topics(), Pseudonymiser({})),
        stores=Stores.in_memory(),
    )


def _pay(pipe: Pipeline, event_id: str, minute: int, payer: str, payee: str) -> None:
    body = {
        "event_id": event_id,
        "event_time": f"2026-11-23T06:{minute:02d}:00Z",
        "institution": "TH-KBANK",
        "payer_account": payer,
        "payee_account": payee,
        "amount": 500,
        "currency": "THB",
        "rail": "bank_transfer",
    }
    out = pipe.handle("payments.events", orjson.dumps(body), now=0.0)
    for fwd in out.forwards:  # the payee side
        pipe.handle_internal(fwd.kind, fwd.raw, now=0.0)


def _label(pipe: Pipeline, account: str, label: str) -> None:
    body: dict[str, Any] = {
        "entity_type": "account",
        "entity_id": account,
        "label": label,
        "source": "TH-ASC",
        "reported_time": "2026-11-23T07:00:00Z",
    }
    pipe.handle("earlywarn.labels", orjson.dumps(body), now=0.0)


def _state(pipe: Pipeline, side: str, account: str) -> DebitState | CreditState | None:
    if side == "debit":
        return pipe.cache.peek(pipe.stores.debits, account, DebitState.from_json)
    return pipe.cache.peek(pipe.stores.credits, account, CreditState.from_json)


def _sampled_ids(n: int) -> list[str]:
    """Event ids the label models take as a sample of ordinary traffic."""
    return [i for i in (f"p{k}" for k in range(10_000)) if sampled(i, 200)][:n]


def test_a_mule_label_teaches_what_the_account_collected_and_what_it_sent_on() -> None:
    pipe = _pipe()
    _pay(pipe, "a1", 0, "TH-KBANK:A", MULE)
    _pay(pipe, "a2", 1, MULE, "TH-KBANK:B")
    _label(pipe, MULE, "mule")
    models = pipe.engine.label_models
    assert models["payments"].counts["mule"] == 1  # what it sent on
    assert models[PAYEE].counts["mule"] == 1  # what it collected, in a model of its own
    for side in ("debit", "credit"):
        state = _state(pipe, side, MULE)
        assert state is not None and state.confirmed
    assert not _state(pipe, "debit", "TH-KBANK:A").confirmed  # type: ignore[union-attr]


def test_a_victim_label_teaches_only_what_the_victim_paid() -> None:
    pipe = _pipe()
    _pay(pipe, "a1", 0, "TH-KBANK:SALARY", VICTIM)
    _pay(pipe, "a2", 1, VICTIM, MULE)
    _label(pipe, VICTIM, "victim")
    assert pipe.engine.label_models["payments"].counts["victim_in_progress"] == 1
    assert pipe.engine.label_models[PAYEE].positives == 0
    assert _state(pipe, "debit", VICTIM).confirmed  # type: ignore[union-attr]
    assert not _state(pipe, "credit", VICTIM).confirmed  # type: ignore[union-attr]


def test_a_legit_label_teaches_none_and_marks_nothing() -> None:
    pipe = _pipe()
    _pay(pipe, "a1", 0, "TH-KBANK:A", "TH-KBANK:B")
    _label(pipe, "TH-KBANK:B", "legit")
    assert pipe.engine.label_models[PAYEE].counts[NONE] == 1
    assert not _state(pipe, "credit", "TH-KBANK:B").confirmed  # type: ignore[union-attr]


def test_a_confirmed_mule_is_no_longer_a_sample_of_ordinary_traffic() -> None:
    """Positive-unlabelled learning: ordinary traffic stands in for "none", known
    scams must not. On AMLSim, where 9 % of transfers involve a laundering account, the
    mule class's PR-AUC fell from 0.52 to 0.14 when they did."""
    pipe = _pipe()
    _pay(pipe, "a1", 0, "TH-KBANK:A", MULE)
    _pay(pipe, "a2", 1, MULE, "TH-KBANK:B")
    _label(pipe, MULE, "mule")
    payer, payee = (pipe.engine.label_models[k].counts for k in ("payments", PAYEE))
    first, second = _sampled_ids(2)
    before = payer[NONE], payee[NONE]
    _pay(pipe, first, 2, "TH-KBANK:C", MULE)  # the mule's side is skipped, the payer's isn't
    _pay(pipe, second, 3, MULE, "TH-KBANK:D")  # and the other way round
    assert (payer[NONE], payee[NONE]) == (before[0] + 1, before[1] + 1)


def test_the_payee_model_raises_nothing_until_an_artifact_chose_its_thresholds() -> None:
    for artifact in (None, {"supervised_thresholds": {"sup-payments": {"mule": 0.8}}}):
        engine = Engine(anomaly=False, artifact=artifact)
        assert engine.label_models[PAYEE].name == "sup-payee"
        assert engine.label_models[PAYEE].class_threshold("mule") > 1.0
        assert engine.label_models["payments"].class_threshold("mule") == 0.8
    chosen = {"sup-payee": {"mule": 0.9}}
    trained = Engine(anomaly=False, artifact={"supervised_thresholds": chosen})
    assert trained.label_models[PAYEE].class_threshold("mule") == 0.9
    assert trained.label_models[PAYEE].class_threshold("victim_in_progress") == 0.8


def test_a_checkpoint_from_before_the_payee_model_warm_starts_with_a_fresh_one(
    tmp_path: Path,
) -> None:
    engine = Engine(anomaly=False)
    engine.label_models["payments"].learn([1.0] * 18, "mule")
    del engine.label_models[PAYEE]  # what a worker of the previous version checkpointed
    engine.checkpoint(tmp_path / "v1")
    warm = Engine.from_artifact(tmp_path / "v1", anomaly=False)
    assert warm.label_models["payments"].counts["mule"] == 1
    assert warm.label_models[PAYEE].name == "sup-payee"


def test_the_victim_class_warns_only_at_a_push_payment_to_someone_new() -> None:
    """What victims paid teaches the class, bills and shops too, but a victim in
    progress is talked into a transfer to someone new: not a card payment, a cash
    withdrawal, a payee paid before, nor a crypto deposit (ordinary people buy crypto;
    a deposit is judged by its growth and by who groomed the payer)."""
    pipe = _pipe()
    _pay(pipe, "a1", 0, "TH-KBANK:SALARY", VICTIM)
    _pay(pipe, "a2", 1, VICTIM, MULE)
    _label(pipe, VICTIM, "victim")
    lm = pipe.engine.label_models["payments"]
    lm.min_positives, lm.thresholds = 1, {"victim_in_progress": 0.01}

    def warned(i: int, rail: str, payer: int = 0, payee: int = 0) -> bool:
        body = {"event_id": f"b{i}", "event_time": f"2026-11-23T08:{i:02d}:00Z"}
        body |= {"institution": "TH-KBANK", "payer_account": f"TH-KBANK:P{payer or i}"}
        body |= {"payee_account": f"TH-KBANK:Q{payee or i}", "amount": 500, "currency": "THB"}
        out = pipe.handle("payments.events", orjson.dumps({**body, "rail": rail}), now=0.0)
        return any(a.typology == "victim_in_progress" for a in out.alerts)

    assert warned(1, "bank_transfer")
    assert warned(2, "mobile_money")
    assert not warned(3, "crypto_onramp")
    assert not warned(4, "card")
    assert not warned(5, "cash_out")
    assert not warned(6, "bank_transfer", payer=3, payee=3)  # P3 paid Q3 before
    assert warned(7, "bank_transfer", payer=3)  # and Q7 never


def test_labels_judge_the_alerts_raised_before_them() -> None:
    """A label on an alerted entity confirms or refutes its alerts; one on an entity
    never alerted is a miss. Counted in the pipeline's metrics."""
    from earlywarn.metrics import Metrics
    from loadtest.simulate import ScenarioConfig, build_scenario

    cfg = ScenarioConfig(seed=3, subscribers=400, days=0.5, typologies=("wangiri",))
    metrics = Metrics()
    pipe = Pipeline(
        engine=Engine(anomaly=False),
        router=Router(Topics(), Pseudonymiser({})),
        stores=Stores.in_memory(),
        metrics=metrics,
    )
    alerted: set[str] = set()
    for ev in build_scenario(cfg).events():
        topic = ev[3]
        if topic == "earlywarn.labels":
            continue  # the labels below are the test's
        out = pipe.handle(topic, orjson.dumps(ev[4]))
        alerted |= {a.entity_id for a in out.alerts if a.typology == "wangiri"}
    assert alerted
    number = sorted(alerted)[0]

    def label(entity: str, value: str) -> list[tuple[str, str]]:
        body = {"entity_type": "msisdn", "entity_id": entity, "label": value, "source": "ASC"}
        body |= {"reported_time": "2026-11-25T00:00:00Z", "typology": "wangiri"}
        return pipe.handle("earlywarn.labels", orjson.dumps(body), now=0.0).feedback

    assert label(number, "scam") == [("wangiri", "confirmed")]
    assert label(number, "legit") == [("wangiri", "refuted")]
    assert label("+66899999999", "scam") == [("wangiri", "missed")]
    assert label("+66899999998", "legit") == []

    def count(outcome: str) -> float | None:
        return metrics.registry.get_sample_value(
            "earlywarn_alert_feedback_total", {"typology": "wangiri", "outcome": outcome}
        )

    assert (count("confirmed"), count("refuted"), count("missed")) == (1.0, 1.0, 1.0)
