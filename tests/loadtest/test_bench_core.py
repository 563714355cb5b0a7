"""The core benchmark's best-of-N figures (what it counts, not how fast it runs)."""

import json

import pytest

from loadtest.bench import core
from loadtest.bench.traffic import scenario_messages


def test_core_best_keeps_every_run_and_counts_the_same_work() -> None:
    messages = scenario_messages(400, subscribers=2_000)
    best = core.core_best(messages, runs=2)
    assert set(best) == {"cdr", "sms", "payments", "mixed"}
    assert (
        best["mixed"]["events"]
        == len(messages)
        == sum(best[ch]["events"] for ch in ("cdr", "sms", "payments"))
    )
    for row in best.values():
        assert row["runs"] == 2 and len(row["runs_events_per_cpu_s"]) == 2
        assert row["events_per_cpu_s"] == max(row["runs_events_per_cpu_s"])
    # the same traffic raises the same internal records on every run
    assert (
        best["mixed"]["internal_records"]
        == core.core_throughput(messages)["mixed"]["internal_records"]
    )


def test_memory_entry_point_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    core.main(["200"])
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["200"]
    assert row["entities"] == 200 and row["state_bytes_per_entity"] > 0
