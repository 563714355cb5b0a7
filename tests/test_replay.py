"""`earlywarn replay`: the pipeline over files, in event-time order, never stopped by bad lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest

from earlywarn.alerts import Pseudonymiser, write_dev_keys
from earlywarn.cli import main
from earlywarn.replay import Replay, read_lines
from earlywarn.sample import MULE_ACCOUNT, WANGIRI_CALLER, sample_events


def write_sample(path: Path, seed: int = 3) -> list[dict[str, object]]:
    events = sample_events(seed=seed, subscribers=200)
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    return events


def test_replay_raises_the_sample_campaigns_and_is_deterministic(tmp_path: Path) -> None:
    path = tmp_path / "sample.jsonl"
    write_sample(path)
    outs = []
    for _ in range(2):
        out = io.StringIO()
        summary = Replay(pseudonymiser=Pseudonymiser({})).run([path], out=out)
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
    alerts = [json.loads(line) for line in outs[0].splitlines()]
    assert {(a["typology"], a["entity_id"]) for a in alerts} >= {
        ("wangiri", WANGIRI_CALLER),
        ("mule", MULE_ACCOUNT),
    }
    assert summary.alerts == len(alerts)
    assert not summary.invalid_by_reason


def test_files_are_merged_in_event_time_order(tmp_path: Path) -> None:
    events = sample_events(seed=4, subscribers=50)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_bytes(b"\n".join(orjson.dumps(e) for e in events[1::2]))
    b.write_bytes(b"\n".join(orjson.dumps(e) for e in reversed(events[::2])))  # unsorted file
    times = [line.time for line in read_lines([a, b])]
    assert times == sorted(times) and len(times) == len(events)
    merged = [line.time for line in read_lines([a, a], presorted=True)]
    assert merged == sorted(merged)


def test_invalid_lines_are_counted_by_reason_and_never_stop_the_run(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    events = write_sample(path, seed=5)
    with path.open("ab") as fh:
        fh.write(b"not json at all\n")
        fh.write(b'{"no": "topic"}\n')
        fh.write(
            b'{"topic": "telco.cdr", "event_id": "x", "event_time": "soon", "operator": "o",'
            b' "caller": "+66812345678", "callee": "+66812345679", "answered": true,'
            b' "duration_s": 3}\n'
        )
        fh.write(b'{"topic": "telco.cdr", "event_id": "y"}\n')
        fh.write(b'{"topic": "nowhere", "event_time": "2026-11-23T01:00:00Z"}\n')
    dead = io.StringIO()
    summary = Replay(pseudonymiser=Pseudonymiser({})).run(
        [path], out=io.StringIO(), deadletter_out=dead
    )
    assert summary.invalid_by_reason == {
        "not_json": 1,
        "no_topic": 1,
        "bad_time": 1,
        "missing_field": 1,
        "unknown_topic": 1,
    }
    assert sum(summary.events_by_topic.values()) >= len(events)
    assert len(dead.getvalue().splitlines()) == 3  # the ones with a topic reach the decoder


def test_cli_writes_operator_and_per_jurisdiction_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sample.jsonl"
    events = write_sample(path, seed=6)
    keys = tmp_path / "keys.json"
    write_dev_keys(keys, ("TH", "MY", "NG"))
    out, reg = tmp_path / "alerts.jsonl", tmp_path / "reg"
    code = main(["replay", str(path), "--out", str(out), "--regulator-out", str(reg),
                 "--keys", str(keys)])  # fmt: skip
    assert code == 0
    assert "alerts:" in capsys.readouterr().err
    operator = [json.loads(line) for line in out.read_text().splitlines()]
    assert operator and all(not a["pseudonymised"] for a in operator)
    files = sorted(p.name for p in reg.iterdir())
    assert "earlywarn.alerts.regulators.TH.jsonl" in files
    raws = {str(e.get(f)) for e in events for f in ("caller", "callee", "payer_account",
            "payee_account", "payer_msisdn", "event_id") if e.get(f)}  # fmt: skip
    for name in files:
        text = (reg / name).read_text()
        assert text and not [r for r in raws if r in text]
