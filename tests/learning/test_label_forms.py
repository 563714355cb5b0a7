"""Label-model forms: a linear model by default, a forest where one is configured."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import orjson
import pytest

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.features import DebitState
from earlywarn.features.payments import ACCOUNT_FEATURES
from earlywarn.learning.supervised import NONE, LabelModel
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.scoring.models import HOUR_OF_DAY, PAYEE
from earlywarn.settings import Topics

FEATURES = ("amount", HOUR_OF_DAY)


def _night_and_day(form: str) -> LabelModel:
    """Victims pay at 2-4 am, ordinary payers at any other hour, the same amounts."""
    rng = random.Random(5)
    m = LabelModel("payments", FEATURES, min_positives=10, form=form, gates={})
    for _ in range(400):
        amount = 100.0 + 900.0 * rng.random()
        m.learn([amount, float(rng.choice((2, 3, 4)))], "victim_in_progress")
        m.learn([amount, float(rng.choice([h for h in range(24) if h not in (2, 3, 4)]))], NONE)
    return m


def test_a_forest_learns_an_hour_of_day_a_linear_model_cannot() -> None:
    forest, linear = _night_and_day("forest"), _night_and_day("linear")
    midnight, night, morning = [500.0, 0.0], [500.0, 3.0], [500.0, 9.0]
    assert forest.find(night) is not None and forest.find(night)[0] == "victim_in_progress"  # type: ignore[index]
    assert forest.find(midnight) is None and forest.find(morning) is None
    p = forest.scores(night)["victim_in_progress"]
    assert p > 0.8 > 0.2 > forest.scores(morning)["victim_in_progress"]
    # a logistic curve over the hour cannot put 3 am above both midnight and 9 am
    lin = [linear.scores(v)["victim_in_progress"] for v in (midnight, night, morning)]
    assert not (lin[1] > lin[0] and lin[1] > lin[2])
    assert forest.version == "3-forest" and linear.version == "3"


def test_a_forest_survives_a_pickle_round_trip() -> None:
    m = _night_and_day("forest")
    restored = pickle.loads(pickle.dumps(m))
    for v in ([500.0, 3.0], [500.0, 15.0], [120.0, 4.0]):
        assert restored.proba(v) == m.proba(v)
    assert restored.form == "forest"


def test_an_unknown_form_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown label-model form 'tree'"):
        LabelModel("payments", FEATURES, form="tree")
    with pytest.raises(ValueError, match="unknown models: fax"):
        Engine(anomaly=False, label_forms={"fax": "forest"})


def test_forms_come_from_the_artifact_and_settings_override_it() -> None:
    art = {"label_forms": {"payments": "forest"}}
    engine = Engine(anomaly=False, artifact=art)
    forms = {k: m.form for k, m in engine.label_models.items()}
    assert forms == {"cdr": "linear", "sms": "linear", "payments": "forest", PAYEE: "linear"}
    assert engine.label_models["payments"].features == (*ACCOUNT_FEATURES, HOUR_OF_DAY)
    assert engine.label_models[PAYEE].features == ACCOUNT_FEATURES  # linear: no clock
    assert engine.model_version["sup-payments"] == "3-forest"
    over = Engine(anomaly=False, artifact=art, label_forms={"payments": "linear", PAYEE: "forest"})
    assert over.label_models["payments"].form == "linear"
    assert over.label_models[PAYEE].form == "forest"


def test_a_checkpointed_model_of_another_form_is_not_warm_started(tmp_path: Path) -> None:
    engine = Engine(anomaly=False)
    engine.label_models["payments"].learn([1.0] * 19, "mule")
    engine.label_models["cdr"].learn([1.0] * 5, "wangiri")
    engine.checkpoint(tmp_path / "v1")
    same = Engine.from_artifact(tmp_path / "v1", anomaly=False)
    assert same.label_models["payments"].counts["mule"] == 1
    switched = Engine.from_artifact(
        tmp_path / "v1", anomaly=False, label_forms={"payments": "forest"}
    )
    assert switched.label_models["payments"].form == "forest"
    assert switched.label_models["payments"].positives == 0  # a fresh forest, not the old line
    assert switched.label_models["cdr"].counts["wangiri"] == 1  # unchanged forms carry on
    switched.checkpoint(tmp_path / "v2")
    again = Engine.from_artifact(tmp_path / "v2", anomaly=False)
    assert again.label_forms == {"payments": "forest"}
    assert again.label_models["payments"].form == "forest"


def test_a_payment_keeps_its_hour_of_day_with_its_vector() -> None:
    pipe = Pipeline(
        engine=Engine(anomaly=False, label_forms={"payments": "forest"}),
        router=Router(Topics(), Pseudonymiser({})),
        stores=Stores.in_memory(),
    )
    body: dict[str, object] = {"event_id": "p1", "event_time": "2026-11-23T03:40:00+07:00"}
    body |= {"institution": "TH-KBANK", "payer_account": "TH-KBANK:A"}
    body |= {"payee_account": "TH-KBANK:B", "amount": 500, "currency": "THB"}
    pipe.handle("payments.events", orjson.dumps({**body, "rail": "bank_transfer"}), now=0.0)
    state = pipe.cache.peek(pipe.stores.debits, "TH-KBANK:A", DebitState.from_json)
    assert state is not None and len(state.vectors) == 1
    _t, *vector = state.vectors[0]
    assert len(vector) == len(ACCOUNT_FEATURES) + 1
    assert vector[-1] == 20.0  # 03:40 in Bangkok is 20:40 UTC


def test_models_train_records_the_forms_workers_then_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from earlywarn.cli import main

    args = ["models", "train", "--dir", str(tmp_path), "--version", "f1", "--seed", "5"]
    args += ["--subscribers", "200", "--days", "0.2", "--label-form", "payments=forest"]
    assert main(args) == 0
    card = (tmp_path / "f1" / "MODEL_CARD.md").read_text()
    assert "- payments: forest" in card
    assert main(["models", "list", "--dir", str(tmp_path)]) == 0
    assert "f1  trained" in (listed := capsys.readouterr().out)
    assert "label models: payments=forest" in listed
    engine = Engine.from_artifact(tmp_path / "f1", anomaly=False)
    assert engine.label_models["payments"].form == "forest"
    assert engine.label_models[PAYEE].form == "linear"
    for bad, why in (("payments=tree", "unknown label-model form"), ("forest", "MODEL=FORM")):
        assert main(["models", "train", "--dir", str(tmp_path), "--label-form", bad]) == 2
        assert why in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f1"]  # nothing written for those
