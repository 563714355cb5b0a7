"""Label-model thresholds chosen on simulator data, stored in the artifact (issue 4)."""

from __future__ import annotations

import random
from pathlib import Path

from earlywarn.contract.events import CallEvent
from earlywarn.detectors import Finding
from earlywarn.learning.artifact import load_artifact, save_artifact
from earlywarn.learning.cli import HELD_OUT_SEEDS
from earlywarn.learning.supervised import NONE, LabelModel
from earlywarn.learning.thresholds import (
    OFF,
    ScoreLog,
    choose_thresholds,
    labelled,
    model_thresholds,
    truth_judge,
)
from earlywarn.scoring import Engine
from loadtest.truth import Campaign, Decoy, GroundTruth

FEATURES = ("calls_24h", "distinct_callees_1h")


def _trained() -> LabelModel:
    # thresholds, not class gates, are what these tests are about
    model = LabelModel("cdr", FEATURES, min_positives=5, gates={})
    rng = random.Random(3)
    for _ in range(80):
        model.learn([200 + rng.random() * 50, 40 + rng.random() * 5], "simbox")
        model.learn([rng.random() * 10, rng.random() * 3], NONE)
    return model


def test_a_class_threshold_from_the_artifact_overrides_the_default() -> None:
    model = _trained()
    busy = [210.0, 42.0]
    assert model.find(busy) is not None
    p = model.scores(busy)["simbox"]
    model.thresholds = {"simbox": round(p + 0.001, 4)}
    assert model.find(busy) is None
    model.thresholds = {"simbox": round(p - 0.001, 4)}
    found = model.find(busy)
    assert (
        found is not None
        and found[1].reasons[0].threshold_or_baseline == model.thresholds["simbox"]
    )


def test_engine_applies_artifact_class_thresholds_to_its_label_models() -> None:
    art = {"version": "t", "supervised_thresholds": {"sup-cdr": {"simbox": OFF}}}
    engine = Engine(anomaly=False, artifact=art)
    assert engine.label_models["cdr"].class_threshold("simbox") == OFF
    assert engine.label_models["cdr"].class_threshold("wangiri") == 0.8  # default
    assert engine.label_models["payments"].class_threshold("mule") == 0.8


def test_a_checkpointed_model_keeps_its_weights_but_takes_the_new_artifacts_thresholds(
    tmp_path: Path,
) -> None:
    engine = Engine(anomaly=False)
    engine.label_models["cdr"] = _trained()
    engine.checkpoint(tmp_path / "ck")
    art = load_artifact(tmp_path / "ck")
    art["supervised_thresholds"] = {"sup-cdr": {"simbox": 0.99}}
    save_artifact(tmp_path / "ck", art)
    warm = Engine.from_artifact(tmp_path / "ck", anomaly=False)
    assert warm.label_models["cdr"].counts["simbox"] == 80
    assert warm.label_models["cdr"].class_threshold("simbox") == 0.99


def test_choose_thresholds_keeps_the_lowest_threshold_at_the_target_precision() -> None:
    pairs = [(0.95, True), (0.9, True), (0.85, False), (0.8, True), (0.7, False), (0.6, False)]
    # 0.8 keeps 3 of 4 (0.75); 0.9 keeps 2 of 2; set midway down to the next score
    assert choose_thresholds({"k": pairs}, 0.9) == {"k": 0.875}
    assert choose_thresholds({"k": pairs}, 0.75) == {"k": 0.75}
    assert choose_thresholds({"k": [(0.5, False)]}, 0.9) == {}


def test_truth_judge_follows_the_evaluator() -> None:
    c = Campaign("c1", "impersonation", 0, 1)
    c.add("msisdn", "+661", "scammer", ("imei", "3531"))
    c.add("account", "BK:1", "victim")
    c.add("msisdn", "+662", "target")
    truth = GroundTruth("t", 0, 1, campaigns=[c], decoys=[Decoy("d", "call_centre")])
    judge = truth_judge(truth)
    assert judge["+661"] == judge["3531"] == {"impersonation", "wangiri", "anomaly"}
    assert judge["BK:1"] == {"victim_in_progress", "anomaly"}
    assert judge["+662"] is None
    log = ScoreLog()
    log("sup-cdr", "impersonation", "+661", 0.9)  # right typology: positive
    log("sup-cdr", "simbox", "+661", 0.95)  # a scam entity of another typology: not judged
    log("sup-cdr", "simbox", "+669", 0.97)  # anyone else: negative
    log("sup-cdr", "simbox", "+662", 0.99)  # a target: not judged
    assert labelled(log, judge, 5.0) == {
        ("sup-cdr", "impersonation"): [(0.9, True, 1.0)],
        ("sup-cdr", "simbox"): [(0.97, False, 5.0)],
    }


def test_a_smaller_training_population_weighs_its_negatives_up() -> None:
    # 9 positives from 0.9, one negative at 0.85: precision 0.9 from 0.85 at 10k...
    rows = [(0.9 + 0.01 * i, True, 1.0) for i in range(9)] + [(0.85, False, 1.0)]
    assert choose_thresholds({"k": rows}, 0.9) == {"k": 0.85}
    # ...but five such negatives at 50k: only above the negative's score
    heavy = [(s, p, 5.0 if not p else w) for s, p, w in rows]
    assert choose_thresholds({"k": heavy}, 0.9) == {"k": 0.875}


def test_a_class_that_never_reaches_the_precision_is_switched_off() -> None:
    scores = {
        ("sup-cdr", "simbox"): [(0.99, False), (0.97, True), (0.9, False)],
        ("sup-payments", "mule"): [(0.97, True), (0.95, True), (0.9, False)],
        ("mule", "mule"): [(0.9, True), (0.1, False)],
    }
    out = model_thresholds(scores, 0.9, ["sup-cdr", "sup-payments"], min_positives=1)
    assert out == {"sup-cdr": {"simbox": OFF}, "sup-payments": {"mule": 0.925}}


def test_a_class_with_a_handful_of_positives_is_switched_off() -> None:
    # two positive entities above every negative: perfect precision, and no evidence
    two = [(0.3, True), (0.25, True)] + [(0.01 * i, False, 5.0) for i in range(20)]
    ten = [(0.9 - 0.01 * i, True) for i in range(10)] + [(0.2, False, 5.0)]
    scores = {("sup-payments", "pig_butchering"): two, ("sup-payments", "mule"): ten}
    out = model_thresholds(scores, 0.9, ["sup-payments"])
    assert out == {"sup-payments": {"mule": 0.505, "pig_butchering": OFF}}


def test_the_held_out_seed_is_not_trained_on() -> None:
    assert 99 in HELD_OUT_SEEDS


class _Always:
    """An anomaly model that finds every event anomalous with score 0.95."""

    name, typology, ttl_s, version = "hst-cdr", "anomaly", 3600.0, "1"

    def score_learn(self, x: object) -> tuple[float, Finding]:
        return 0.9, Finding(0.95, (), "monitor")

    def severity(self, score: float) -> str:
        return "low"


def _anomalies(artifact: dict[str, object]) -> tuple[int, ScoreLog]:
    engine = Engine(supervised=False, artifact=artifact)
    engine.anomaly_models["cdr"] = _Always()  # type: ignore[assignment]
    log = ScoreLog()
    engine.observe = log
    ev = CallEvent("c1", 1_790_000_000.0, "TH-AIS", "+66900000001", "+66900000002", False, 0.0)
    _, found = engine.process_call(ev, None)
    return sum(d.typology == "anomaly" for d in found), log


def test_an_anomaly_model_alerts_only_above_the_artifacts_threshold() -> None:
    raised, log = _anomalies({"version": "a"})
    assert raised == 1 and log.best[("hst-cdr", "anomaly", "+66900000001")] == 0.95
    assert _anomalies({"version": "b", "thresholds": {"hst-cdr": 0.95}})[0] == 1
    silenced, log = _anomalies({"version": "c", "thresholds": {"hst-cdr": OFF}})
    assert silenced == 0 and log.best[("hst-cdr", "anomaly", "+66900000001")] == 0.95


def test_a_threshold_clears_every_decoy_seen_in_training() -> None:
    log = ScoreLog()
    for i in range(20):
        log("sup-cdr", "simbox", f"+66{i}", 0.7 + 0.01 * i)  # positives 0.70 .. 0.89
    log("sup-cdr", "simbox", "CC1", 0.81)  # a call centre
    judge = {f"+66{i}": frozenset({"simbox"}) for i in range(20)}
    plain = labelled(log, judge)
    assert choose_thresholds(plain, 0.9) == {("sup-cdr", "simbox"): 0.7}  # 20 of 21
    with_decoys = labelled(log, judge, decoys=frozenset({"CC1"}))
    assert choose_thresholds(with_decoys, 0.9) == {("sup-cdr", "simbox"): 0.815}
