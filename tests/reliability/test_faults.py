"""Fault tests at CI size: each runs a seeded stream, injects its fault, and checks that
every event was scored at least once (every input offset committed; the workers' event
counters add up to at least the input) and that every alert the replay raises is on the
operators topic, once per alert_id after dedup. ``make chaos`` runs the same scenarios at
full size and prints the figures (loadtest/chaos/run.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtest.chaos import scenarios
from loadtest.chaos.harness import Figures

pytestmark = pytest.mark.integration
EVENTS = 2_300  # one simulated day of 100 subscribers, every campaign typology


def check_at_least_once(figs: Figures) -> None:
    assert figs.committed, "input offsets not all committed"
    assert figs.events_scored >= figs.events_in
    assert figs.alerts_expected > 0
    assert figs.missing == 0, figs.notes.get("missing_by_typology")
    assert figs.alerts_seen == figs.alerts_expected


def test_broker_frozen_mid_run_workers_reconnect_without_restart(tmp_path: Path) -> None:
    result = scenarios.freeze_broker(tmp_path, EVENTS, freeze_s=5.0)
    figs = result.figures
    check_at_least_once(figs)
    assert figs.notes["worker_still_first_process"]
    assert figs.recovery_s and figs.recovery_s[0] < 60


def test_durable_broker_killed_and_restarted_loses_nothing(tmp_path: Path) -> None:
    result = scenarios.restart_broker(tmp_path, EVENTS)
    figs = result.figures
    check_at_least_once(figs)
    assert figs.notes["worker_restarts"] == 0


def test_second_worker_joins_and_leaves_table_state_intact(tmp_path: Path) -> None:
    result = scenarios.join_leave(tmp_path, EVENTS)
    figs = result.figures
    check_at_least_once(figs)
    assert figs.notes["recovered_tables_equal_live"], figs.notes["recovered_tables_differ"]
    # Callers are keyed by the input topic's key alone, so their state is the replay's.
    assert "callers" in figs.notes["tables_equal_replay"]


def test_slow_alert_reader_and_paused_broker_keep_worker_memory_bounded(tmp_path: Path) -> None:
    result = scenarios.backpressure(tmp_path, EVENTS, freeze_s=5.0)
    figs = result.figures
    check_at_least_once(figs)
    notes = figs.notes
    assert notes["rss_samples"] > 10
    # The producer buffer is bounded (Faust's send_soon blocks when full): the worker grows
    # by well under its idle size while the broker is paused with a backlog.
    assert notes["rss_peak_mb"] < notes["rss_idle_mb"] + 150


def test_checkpointed_models_give_the_same_scores_after_a_restart(tmp_path: Path) -> None:
    result = scenarios.checkpoint_restart(tmp_path, EVENTS)
    figs = result.figures
    check_at_least_once(figs)
    assert figs.notes["second_half_alerts"] > 0
    assert figs.notes["second_half_same_score"] == figs.notes["second_half_alerts"]
