"""The published alert JSON Schema is the generated one, and real alerts validate."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from earlywarn.alerts import load_keys, write_dev_keys
from earlywarn.cli import main
from earlywarn.contract.schema import alert_schema
from earlywarn.replay import Replay
from earlywarn.sample import sample_events

PUBLISHED = Path(__file__).parents[2] / "docs" / "alert.schema.json"


def test_committed_schema_equals_the_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert json.loads(PUBLISHED.read_text()) == alert_schema(), (
        "docs/alert.schema.json is stale: run `earlywarn schema alert --out docs/alert.schema.json`"
    )
    assert main(["schema", "alert"]) == 0
    assert json.loads(capsys.readouterr().out) == alert_schema()
    jsonschema.Draft202012Validator.check_schema(alert_schema())


def test_operator_and_regulator_alerts_of_a_replay_validate(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    write_dev_keys(keys, ("TH", "NG", "MY", "SG"))
    events = tmp_path / "sample.jsonl"
    events.write_text("\n".join(json.dumps(e) for e in sample_events(seed=11)) + "\n")
    out, reg = io.StringIO(), tmp_path / "reg"
    Replay(pseudonymiser=load_keys(keys), models_dir=None).run([events], out=out, regulator_dir=reg)
    alerts = [json.loads(line) for line in out.getvalue().splitlines()]
    regulator = [json.loads(x) for p in reg.glob("*.jsonl") for x in p.read_text().splitlines()]
    assert alerts and regulator
    validator = jsonschema.Draft202012Validator(
        alert_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for a in alerts + regulator:
        errors = [e.message for e in validator.iter_errors(a)]
        assert not errors, (a["typology"], errors)
    broken = {**alerts[0], "severity": "urgent"}
    assert not validator.is_valid(broken)
