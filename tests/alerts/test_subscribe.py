"""``earlywarn alerts tail|export`` on a real broker: each alert once, in its latest revision."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alert_helpers import T0, alert

from earlywarn.alerts.subscribe import parse_time
from earlywarn.broker import EmbeddedBroker
from earlywarn.cli import main
from earlywarn.contract.alert import iso
from earlywarn.stream.client import produce_raw

pytestmark = pytest.mark.integration


def stream() -> list[dict[str, Any]]:
    """Three alerts; one escalates twice, and two records are delivered twice."""
    a0 = alert(severity="medium", score=0.75).evolve(created_time=T0).to_dict()
    a1 = {**a0, "severity": "high", "revision": 1, "previous_severity": "medium"}
    a2 = {**a0, "severity": "critical", "revision": 2, "previous_severity": "high"}
    b = alert(entity_id="+2348011111111", typology="simbox", detector="simbox")
    b_dict = b.evolve(created_time=T0 + 3600, severity="low").to_dict()
    c_dict = alert(entity_id="+2348022222222").evolve(created_time=T0 + 7200).to_dict()
    return [a0, b_dict, a1, a1, c_dict, a0, a2, b_dict]


def publish(broker: EmbeddedBroker, topic: str, records: list[dict[str, Any]]) -> None:
    values = [(r["entity_id"].encode(), json.dumps(r).encode()) for r in records]
    produce_raw(broker.bootstrap, topic, [*values, (None, b"not json")])


def test_export_writes_each_alert_once_at_its_highest_revision(
    broker: EmbeddedBroker,
    make_topic: Callable[..., str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = make_topic("alerts", partitions=2)
    publish(broker, topic, stream())
    out = tmp_path / "alerts.csv"
    args = ["alerts", "export", "--broker", broker.url, "--topic", topic, "--timeout", "60"]
    assert main([*args, "--format", "csv", "--out", str(out)]) == 0
    assert "exported 3 alerts, 1 unreadable records skipped" in capsys.readouterr().err
    rows = list(csv.DictReader(out.open()))
    assert [(r["typology"], r["severity"], r["revision"]) for r in rows] == [
        ("wangiri", "critical", "2"),
        ("simbox", "low", "0"),
        ("wangiri", "high", "0"),
    ]
    assert rows[0]["previous_severity"] == "high" and rows[0]["jurisdictions"] == "NG;TH"
    assert rows[1]["detector"] == "simbox" and rows[1]["raw_score"] == ""  # not calibrated

    # A period, JSONL, and filters.
    jsonl = tmp_path / "alerts.jsonl"
    since, until = iso(T0 + 1800), iso(T0 + 7200)
    assert main([*args, "--since", since, "--until", until, "--out", str(jsonl)]) == 0
    assert [json.loads(x)["typology"] for x in jsonl.read_text().splitlines()] == ["simbox"]
    assert main([*args, "--severity", "high", "--format", "jsonl", "--out", str(jsonl)]) == 0
    assert len(jsonl.read_text().splitlines()) == 2
    assert main([*args, "--since", "yesterday-ish"]) == 2
    assert "not a time" in capsys.readouterr().err


def test_tail_shows_each_alert_once_and_escalations_as_updates(
    broker: EmbeddedBroker, make_topic: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    topic = make_topic("alerts", partitions=1)
    publish(broker, topic, stream())
    base = ["alerts", "tail", "--broker", broker.url, "--topic", topic, "--from-beginning"]
    # Per partition order: a0, b, a1, a1 (dup), c, a0 (dup), a2, b (dup) -> 5 shown.
    assert main([*base, "--json", "--limit", "5"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["typology"], x["revision"]) for x in lines] == [
        ("wangiri", 0),
        ("simbox", 0),
        ("wangiri", 1),
        ("wangiri", 0),
        ("wangiri", 2),
    ]
    assert main([*base, "--severity", "critical", "--limit", "1"]) == 0
    text = capsys.readouterr().out
    assert "CRITICAL" in text and "update r2 from high" in text and "rang 40 numbers" in text


def test_relative_times() -> None:
    assert parse_time("30m", now=7200.0) == 5400.0
    assert parse_time("2026-11-23T06:00:00+07:00") == T0 - 7 * 3600
