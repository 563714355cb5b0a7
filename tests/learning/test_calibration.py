"""Calibration curves: alert scores that say how often such an alert is right."""

from __future__ import annotations

import io
import json
import random
import shutil
from pathlib import Path

import orjson
import pytest

from earlywarn.alerts import Pseudonymiser
from earlywarn.learning.artifact import load_artifact
from earlywarn.learning.calibration import calibrate, fit_curve
from earlywarn.replay import Replay
from earlywarn.scoring import Engine

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_a_curve_follows_the_share_of_right_alerts() -> None:
    """Entities whose chance of being right is their score: the curve gives it back."""
    rng = random.Random(3)
    rows = []
    for _ in range(6000):
        s = rng.random()
        rows.append((round(s, 3), rng.random() < s))
    curve = fit_curve(rows)
    assert curve is not None
    ys = [y for _, y in curve]
    assert ys == sorted(ys) and ys[0] > 0.0 and ys[-1] < 1.0
    for s in (0.2, 0.5, 0.8):
        assert calibrate(s, curve) == pytest.approx(s, abs=0.08)


def test_a_few_right_alerts_never_make_a_certainty() -> None:
    all_right = [(0.9 + i / 1000, True) for i in range(12)]
    assert fit_curve(all_right) == [[0.9, 0.9286], [0.911, 0.9286]]  # (12 + 1) / (12 + 2)
    assert fit_curve(all_right[:9]) is None  # under MIN_RIGHT
    # wrong alerts weigh their weight: one wrong entity for a deployment 10 times the run
    weighted = [(0.95, False, 10.0), *all_right]
    assert calibrate(0.95, fit_curve(weighted)) == pytest.approx(13 / 24, abs=1e-3)


def _tiny(tmp: Path) -> Path:
    from earlywarn.cli import main

    sim = tmp / "sim"
    args = ["simulate", "--out", str(sim), "--seed", "5", "--subscribers", "1000"]
    assert main([*args, "--days", "0.6", "--no-progress"]) == 0
    return sim


def _alerts(engine: Engine, sim: Path) -> list[dict[str, object]]:
    out = io.StringIO()
    Replay(pseudonymiser=Pseudonymiser({}), engine=engine).run(
        [sim / "events.jsonl"], out=out, presorted=True
    )
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_models_calibrate_changes_scores_not_alerts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from earlywarn.cli import main

    sim = _tiny(tmp_path)
    models = tmp_path / "models"
    shutil.copytree(MODELS / "v5-sim", models / "v5-sim")
    assert main(["models", "calibrate", "v5-sim", "--dir", str(models), "--from", str(sim)]) == 0
    base, cal = load_artifact(models / "v5-sim"), load_artifact(models / "v5-sim-cal")
    assert cal["thresholds"] == base["thresholds"] and not base["calibration"]
    curves = cal["calibration"]
    assert "mule/mule" in curves and "simbox-device/simbox" in curves
    assert "| mule/mule |" in (models / "v5-sim-cal" / "MODEL_CARD.md").read_text()
    # two runs replayed in two processes pool their alerted entities, in --from order
    two = ["--from", str(sim), "--from", str(sim), "--jobs", "2", "--version", "twice"]
    assert main(["models", "calibrate", "v5-sim", "--dir", str(models), *two]) == 0
    doubled = load_artifact(models / "twice")["calibration_entities"]
    assert doubled == {k: [2 * n, 2 * r] for k, (n, r) in cal["calibration_entities"].items()}
    capsys.readouterr()
    assert main(["models", "list", "--dir", str(models)]) == 0
    assert "v5-sim-cal  trained" in (listed := capsys.readouterr().out)
    assert "calibrated from v5-sim" in listed

    plain = _alerts(Engine.from_artifact(models / "v5-sim"), sim)
    calibrated = _alerts(Engine.from_artifact(models / "v5-sim-cal"), sim)
    assert [a["alert_id"] for a in calibrated] == [a["alert_id"] for a in plain]
    changed = 0
    for p, c in zip(plain, calibrated, strict=True):
        assert "raw_score" not in p and p["detector"] == c["detector"]
        curve = curves.get(f"{c['detector']}/{c['typology']}")
        if curve is None:
            assert c["score"] == p["score"] and "raw_score" not in c
            continue
        assert c["raw_score"] == p["score"]
        raw = float(p["score"])  # rounded to 4 places: the curve between its neighbours
        lo, hi = calibrate(raw - 5e-5, curve), calibrate(raw + 5e-5, curve)
        assert lo - 1e-4 <= float(c["score"]) <= hi + 1e-4
        changed += c["score"] != p["score"]
    assert changed > 0


def test_models_calibrate_refuses_what_it_cannot_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from earlywarn.cli import main

    models = tmp_path / "models"
    shutil.copytree(MODELS / "v5-sim", models / "v5-sim")
    held = tmp_path / "held"
    held.mkdir()
    truth = {"version": 1, "source": "t", "start_time": "2026-11-23T00:00:00Z"}
    truth |= {"end_time": "2026-11-23T01:00:00Z", "meta": {"seed": 99}, "campaigns": []}
    (held / "truth.json").write_text(json.dumps({**truth, "decoys": []}))
    args = ["models", "calibrate", "v5-sim", "--dir", str(models), "--from"]
    assert main([*args, str(held)]) == 2
    assert "held out" in capsys.readouterr().err
    assert main([*args, str(tmp_path / "nowhere")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main([*args, str(held), "--version", "v5-sim"]) == 2  # never over the base
    assert "must differ" in capsys.readouterr().err
    assert sorted(p.name for p in models.iterdir()) == ["v5-sim"]  # nothing written
