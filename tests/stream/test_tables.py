"""Merging tables: a changelog batch read in any order rebuilds the same table."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import faust
import orjson

from earlywarn.merge import merge_ledger
from earlywarn.stream.tables import make_table


def changelog(records: list[tuple[str, bytes]]) -> list[Any]:
    return [
        SimpleNamespace(key=k, value=v, message=SimpleNamespace(value=v, partition=i % 2))
        for i, (k, v) in enumerate(records)
    ]


def rebuild(records: list[tuple[str, bytes]], *, merge: Any) -> dict[str, bytes]:
    app = faust.App("test-tables", store="memory://", autodiscover=False)
    table = make_table(
        app, "alerts", partitions=2, merge=merge, is_global=False,
        default=None, key_type=str, value_type=bytes,
    )  # fmt: skip
    table.apply_changelog_batch(changelog(records))
    return {k: bytes(v) for k, v in table.data.items()}


def ledger(alert_id: str, severity: str, revision: int, expires: float) -> bytes:
    return orjson.dumps({"a": alert_id, "s": severity, "r": revision, "x": expires})


WRITES = [
    ("wangiri:+1", ledger("a1", "medium", 0, 100.0)),
    ("wangiri:+1", ledger("a1", "high", 1, 130.0)),
    ("wangiri:+1", ledger("a2", "medium", 0, 900.0)),
    ("mule:acc", ledger("m1", "high", 0, 50.0)),
    ("wangiri:+1", ledger("a1", "critical", 2, 140.0)),
]


def test_merging_table_rebuilds_the_same_table_in_any_order() -> None:
    expected = {"wangiri:+1": WRITES[2][1], "mule:acc": WRITES[3][1]}
    rnd = random.Random(5)
    for _ in range(20):
        shuffled = WRITES * 2
        rnd.shuffle(shuffled)
        assert rebuild(shuffled, merge=merge_ledger) == expected


def test_a_plain_table_keeps_whatever_came_last() -> None:
    """Without the merge the rebuilt table depends on the order: what the merge fixes."""
    in_order = rebuild(WRITES, merge=None)
    assert in_order["wangiri:+1"] == WRITES[4][1]  # the last write, not the latest alert
    assert rebuild(WRITES[::-1], merge=None)["wangiri:+1"] == WRITES[0][1]
