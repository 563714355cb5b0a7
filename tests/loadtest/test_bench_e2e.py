"""The end-to-end bench's judgements, on lag series and timings whose answers are known."""

from __future__ import annotations

import doctest

import pytest

from loadtest.bench import e2e


def test_bounded_accepts_a_lag_that_settles() -> None:
    assert e2e.bounded([0, 900, 300, 200, 250, 100], rate=500)
    assert e2e.bounded([], rate=500)


def test_bounded_rejects_a_lag_that_grows_or_is_too_deep() -> None:
    assert not e2e.bounded([0, 100, 400, 700, 900, 1100], rate=500)  # ends 1 s above start
    assert not e2e.bounded([0, 0, 0, 1200, 1100, 900], rate=500)  # deeper than 2 s of input


def test_latency_quantiles_match_alerts_to_their_events() -> None:
    sent = {f"e{i}": 100.0 for i in range(1000)}
    arrived = [(f"e{i}", 100.0 + (i + 1) / 1000) for i in range(1000)] + [("other", 1.0)]
    q = e2e.latency_quantiles(sent, arrived)
    assert q["samples"] == 1000
    assert q["p50_ms"] == pytest.approx(501.0)
    assert q["p99_ms"] == pytest.approx(991.0)
    assert q["p999_ms"] == pytest.approx(1000.0)
    assert e2e.latency_quantiles(sent, []) == {"samples": 0}


def test_docstring_examples() -> None:
    assert doctest.testmod(e2e).failed == 0
