"""PaySim and AMLSim adapters on a few hundred rows of the shared samples."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
from loadtest_helpers import data_dir

from earlywarn.contract import PaymentEvent, decode
from loadtest.adapters.amlsim import adapt_amlsim
from loadtest.adapters.paysim import RAILS, adapt_paysim
from loadtest.cli import main
from loadtest.truth import GroundTruth


def _events(path: Path) -> list[tuple[dict[str, object], PaymentEvent]]:
    out = []
    for line in path.read_bytes().splitlines():
        event = decode("payments.events", line)
        assert isinstance(event, PaymentEvent)
        out.append((orjson.loads(line), event))
    return out


def test_paysim(tmp_path: Path) -> None:
    csv_path = data_dir("paysim_sample") / "paysim_sample.csv"
    truth = adapt_paysim(csv_path, tmp_path, limit=600)
    with csv_path.open(newline="") as f:
        rows = [r for _, r in zip(range(600), csv.DictReader(f), strict=False)]
    events = _events(tmp_path / "events.jsonl")
    assert len(events) == truth.event_counts["payments.events"] == 600 - truth.meta["skipped_rows"]
    times = [e.event_time for _, e in events]
    assert times == sorted(times)
    by_id = {obj["event_id"]: e for obj, e in events}
    for i, row in enumerate(rows):
        e = by_id[f"paysim-{i}"]
        assert e.rail == RAILS[row["type"]]
        assert e.amount == round(float(row["amount"]), 2)
        if row["type"] == "CASH_IN":  # money flows from the agent into the customer's wallet
            assert (e.payer_account, e.payee_account) == (row["nameDest"], row["nameOrig"])
        else:
            assert (e.payer_account, e.payee_account) == (row["nameOrig"], row["nameDest"])
    frauds = [r for r in rows if float(r["isFraud"]) == 1]
    assert frauds, "the sample's first rows hold frauds"
    victims = {e.entity_id for c in truth.campaigns for e in c.entities if e.role == "victim"}
    mules = {e.entity_id for c in truth.campaigns for e in c.entities if e.role == "mule"}
    assert victims == {r["nameOrig"] for r in frauds}
    assert mules == {r["nameDest"] for r in frauds if r["type"] == "TRANSFER"}
    assert {c.typology for c in truth.campaigns} == {"account_takeover"}
    assert GroundTruth.load(tmp_path / "truth.json").to_dict() == truth.to_dict()


def test_amlsim(tmp_path: Path) -> None:
    folder = data_dir("amlsim_fanin")
    truth = adapt_amlsim(folder, tmp_path, limit=3000)
    events = _events(tmp_path / "events.jsonl")
    assert len(events) == 3000
    assert all(e.rail == "bank_transfer" for _, e in events)
    times = [e.event_time for _, e in events]
    assert times == sorted(times)
    with (folder / "nodes.csv").open(newline="") as f:
        flagged = {f"AML-{r['nodeid']}" for r in csv.DictReader(f) if r["isFraud"] == "1"}
    present = {a for _, e in events for a in (e.payer_account, e.payee_account)}
    labelled = {e.entity_id for c in truth.campaigns for e in c.entities}
    assert labelled == flagged & present
    assert all(c.typology == "mule" for c in truth.campaigns)
    assert all(e.role == "mule" for c in truth.campaigns for e in c.entities)


def test_adapt_cli(tmp_path: Path) -> None:
    csv_path = data_dir("paysim_sample") / "paysim_sample.csv"
    code = main(
        [
            "adapt",
            "paysim",
            str(csv_path),
            "--out",
            str(tmp_path),
            "--limit",
            "200",
            "--currency",
            "PHP",
        ]
    )
    assert code == 0
    first = orjson.loads((tmp_path / "events.jsonl").read_bytes().splitlines()[0])
    assert first["currency"] == "PHP" and first["topic"] == "payments.events"
