"""The watchlist and alert-ledger merges give the same table for any order of the same writes."""

from __future__ import annotations

import random
from functools import reduce

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from earlywarn.merge import merge_ledger, merge_watch

watch_entries = st.builds(
    lambda s, x, y, c: orjson.dumps({"s": s, "y": y, "x": x, "c": c}),
    st.sampled_from([0.3, 0.5, 0.9, 1.0]),
    st.sampled_from([100.0, 200.0, 5e9]),
    st.sampled_from(["wangiri", "mule", "smishing"]),
    st.sampled_from(["TH", "MY"]),
)
ledger_records = st.builds(
    lambda a, s, r, x: orjson.dumps({"a": a, "s": s, "r": r, "x": x}),
    st.sampled_from(["id1", "id2", "id3"]),
    st.sampled_from(["low", "medium", "high", "critical"]),
    st.integers(0, 3),
    st.sampled_from([100.0, 160.0, 900.0]),
)


def fold(merge, records):  # type: ignore[no-untyped-def]
    return reduce(lambda old, new: merge(old, new), records, None)


@settings(max_examples=300, deadline=None)
@given(st.lists(watch_entries, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_watchlist_merge_is_order_free_and_idempotent(
    records: list[bytes], rnd: random.Random
) -> None:
    shuffled = [*records, *rnd.sample(records, len(records))]  # every write again, any order
    rnd.shuffle(shuffled)
    assert orjson.loads(fold(merge_watch, records)) == orjson.loads(fold(merge_watch, shuffled))


@settings(max_examples=300, deadline=None)
@given(st.lists(ledger_records, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_ledger_merge_is_order_free_and_idempotent(
    records: list[bytes], rnd: random.Random
) -> None:
    shuffled = [*records, *records]
    rnd.shuffle(shuffled)
    assert fold(merge_ledger, records) == fold(merge_ledger, shuffled)


def test_watch_join_keeps_the_strongest_score_and_the_latest_expiry() -> None:
    strong = orjson.dumps({"s": 0.9, "y": "wangiri", "x": 100.0, "c": "TH"})
    lasting = orjson.dumps({"s": 0.5, "y": "mule", "x": 900.0, "c": "MY"})
    assert orjson.loads(merge_watch(strong, lasting)) == {
        "s": 0.9, "y": "wangiri", "x": 900.0, "c": "TH"
    }  # fmt: skip
    assert merge_watch(strong, strong) is strong  # no change: no changelog write


def test_the_later_ledger_record_wins() -> None:
    old = orjson.dumps({"a": "id1", "s": "high", "r": 2, "x": 100.0})
    new = orjson.dumps({"a": "id2", "s": "low", "r": 0, "x": 500.0})
    assert merge_ledger(old, new) == new and merge_ledger(new, old) == new
