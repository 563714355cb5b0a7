"""The offset-dedup fix, on a real Faust consumer (no broker needed: nothing connects)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import faust
import pytest
from faust.transport.consumer import Consumer
from faust.types import TP

from earlywarn.stream import offsets


@pytest.fixture
def consumer() -> Iterator[Any]:
    original = Consumer._new_offset
    # Start from Faust's own method even when a worker in this session installed the fix.
    Consumer._new_offset = getattr(original, "__wrapped__", original)  # type: ignore[method-assign]
    try:
        yield faust.App("offsets-test", broker="kafka://127.0.0.1:1").consumer
    finally:
        Consumer._new_offset = original  # type: ignore[method-assign]


def regained(consumer: Any) -> TP:
    """A partition as a worker holds it after regaining it in a rebalance: it scored
    291-420 after the first seek, the second seek set the read offset back to 290, and
    record 421 arrived as a gap over 291-421 (Faust adds the record's own offset too)."""
    tp = TP("telco.cdr", 0)
    consumer._committed_offset[tp] = 291
    consumer._acked[tp] = list(range(291, 422))
    consumer._acked_index[tp] = set(range(291, 422))
    consumer._gap[tp].addi(291, 422)
    return tp


def test_unpatched_faust_commits_one_record_past_the_duplicate(consumer: Any) -> None:
    # What the fix is for: the merged gap doubles every offset ([291, 291, 292, 292,
    # ...]), so the first consecutive run is one record long and so is each commit.
    tp = regained(consumer)
    assert consumer._new_offset(tp) == 292
    assert consumer._new_offset(tp) == 293


def test_patched_consumer_commits_everything_scored(consumer: Any) -> None:
    assert offsets.install_offset_dedup()
    assert not offsets.install_offset_dedup()  # idempotent
    tp = regained(consumer)
    assert consumer._new_offset(tp) == 422
    assert consumer._acked[tp] == []
    assert not consumer._gap[tp]


def test_a_real_hole_in_the_log_is_still_skipped_and_unscored_records_still_hold_back(
    consumer: Any,
) -> None:
    offsets.install_offset_dedup()
    tp = TP("payments.events", 1)
    consumer._committed_offset[tp] = 10
    consumer._acked[tp] = [10, 11, 14, 15, 17]  # 12-13 is a hole; 16 is not scored yet
    consumer._gap[tp].addi(12, 14)
    assert consumer._new_offset(tp) == 16
    assert consumer._acked[tp] == [17]
