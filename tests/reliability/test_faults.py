"""Fault tests at CI size: each runs a seeded stream, injects its fault, and checks that
every event was scored at least once (every input offset committed; the workers' event
counters add up to at least the input) and that every alert the replay raises is on the
operators topic, once per alert_id after dedup.

CI runs the built-in sample (about 1k events, a Wangiri campaign and a mule; see
``loadtest.chaos.reference.events_for``); ``make chaos`` runs every scenario on the
simulator's traffic at full size and prints the figures (``loadtest/chaos/run.py``). The
slow-reader/RSS scenario and the worker-level checkpoint restart run in ``make chaos`` or
here with ``EARLYWARN_FULL_RELIABILITY=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loadtest.chaos import scenarios
from loadtest.chaos.harness import Figures
from loadtest.chaos.leaks import key_material, leaks
from loadtest.chaos.reference import raw_identifiers

pytestmark = pytest.mark.integration
EVENTS = 1_000
full_only = pytest.mark.skipif(
    not os.environ.get("EARLYWARN_FULL_RELIABILITY"),
    reason="runs in make chaos (or set EARLYWARN_FULL_RELIABILITY=1)",
)


def scored_at_least_once(figs: Figures) -> None:
    assert figs.committed, figs.notes.get("uncommitted")
    assert figs.events_scored >= figs.events_in


def every_expected_alert(figs: Figures) -> None:
    assert figs.alerts_expected > 0
    assert figs.missing == 0, figs.notes.get("missing_by_typology")
    assert figs.alerts_seen == figs.alerts_expected


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> scenarios.Result:
    return scenarios.freeze_broker(tmp_path_factory.mktemp("freeze"), EVENTS, freeze_s=5.0)


def test_broker_frozen_mid_run_workers_reconnect_without_restart(
    frozen: scenarios.Result,
) -> None:
    figs = frozen.figures
    scored_at_least_once(figs)
    every_expected_alert(figs)
    assert figs.notes["worker_still_first_process"]
    assert figs.recovery_s and figs.recovery_s[0] < 60


def test_no_raw_identifier_or_key_in_logs_metrics_or_regulator_topics(
    frozen: scenarios.Result,
) -> None:
    raws = raw_identifiers(frozen.reference.events)
    assert len(raws) > 200  # phone numbers, accounts and cell ids of the input
    assert frozen.outputs.regulators, "expected regulator copies"
    haystacks = {
        "worker log": "\n".join(frozen.worker_logs),
        "metrics": frozen.metrics_text,
        "regulator topics": b"\n".join(frozen.outputs.regulator_raw).decode(),
    }
    assert leaks(raws, haystacks) == {}
    keys = key_material(frozen.keys_file_text)
    assert keys and all(len(k) == 64 for k in keys)  # the worker was given a keys file
    assert leaks(keys, haystacks) == {}
    # The operators topic is where raw identifiers belong: the search does find them.
    operators = "\n".join(str(a) for a in frozen.outputs.operators)
    assert leaks(raws, {"operators": operators})


def test_durable_broker_killed_and_restarted_loses_nothing(tmp_path: Path) -> None:
    figs = scenarios.restart_broker(tmp_path, EVENTS).figures
    scored_at_least_once(figs)
    every_expected_alert(figs)
    assert figs.notes["worker_restarts"] == 0


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> scenarios.Result:
    return scenarios.kill_worker(tmp_path_factory.mktemp("kill"), EVENTS, kills=2)


def test_worker_killed_mid_run_every_event_is_scored_at_least_once(
    killed: scenarios.Result,
) -> None:
    figs = killed.figures
    scored_at_least_once(figs)
    assert len(figs.recovery_s) == 2
    if figs.events_scored - figs.events_in > 50:
        # Events since the last commit came again; their state changes had reached the
        # changelogs, so the restarted worker skipped them instead of applying them twice.
        assert figs.notes["redelivered_skipped"] > 0


def test_worker_killed_mid_run_every_expected_alert_is_raised(killed: scenarios.Result) -> None:
    every_expected_alert(killed.figures)


@pytest.fixture(scope="module")
def rebalanced(tmp_path_factory: pytest.TempPathFactory) -> scenarios.Result:
    return scenarios.join_leave(tmp_path_factory.mktemp("join"), EVENTS)


def test_second_worker_joins_and_leaves_table_state_intact(
    rebalanced: scenarios.Result,
) -> None:
    figs = rebalanced.figures
    # Every input offset committed. (The event counters are only a lower bound here: the
    # leaving worker scores a few more events after its last scrape, before it stops.)
    assert figs.committed, figs.notes.get("uncommitted")
    assert len(figs.recovery_s) == 2
    # What the rebalances left in the changelogs is what the live worker holds: a worker
    # with an empty data dir rebuilds exactly the same tables.
    assert figs.notes["recovered_tables_equal_live"], figs.notes["recovered_tables_differ"]


def test_second_worker_joins_and_leaves_every_expected_alert_is_raised(
    rebalanced: scenarios.Result,
) -> None:
    every_expected_alert(rebalanced.figures)


@full_only
def test_slow_alert_reader_and_paused_broker_keep_worker_memory_bounded(tmp_path: Path) -> None:
    result = scenarios.backpressure(tmp_path, EVENTS, freeze_s=5.0)
    figs = result.figures
    scored_at_least_once(figs)
    every_expected_alert(figs)
    notes = figs.notes
    assert notes["rss_samples"] > 10
    # Faust's producer buffer is bounded (send_soon waits when it is full): the worker
    # grows by much less than its idle size while the broker is paused with a backlog.
    assert notes["rss_peak_mb"] < notes["rss_idle_mb"] + 150


@full_only
def test_checkpointed_models_give_the_same_scores_after_a_restart(tmp_path: Path) -> None:
    figs = scenarios.checkpoint_restart(tmp_path, EVENTS).figures
    scored_at_least_once(figs)
    every_expected_alert(figs)
    # Alerts raised after the restart with the replay's ids carry the replay's scores.
    assert figs.notes["second_half_common"] > 0
    assert figs.notes["second_half_same_score"] == figs.notes["second_half_common"]
