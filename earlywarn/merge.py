"""Order-independent merges for the two tables that every partition writes to.

Most tables are written only by the agent of the partition that owns the key, so their
changelog replays one writer's history in order. Two are not: the ``watchlist`` (a
global table: any partition flags an entity, and intel arrives on its own topic) and the
``alerts`` ledger (an entity's alerts come from its own state or from a linked one on
another partition). Their changelogs interleave writers, and a worker rebuilding them
would keep whichever record it happened to apply last. Instead each record is merged with
the one in the table by a commutative, associative and idempotent rule, live and on
recovery (:mod:`earlywarn.stream.tables`), so the same writes in any order, applied any
number of times, give the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from earlywarn.contract import severity_rank

#: ``merge(old, new) -> stored``: both raw JSON bytes; ``old`` is ``None`` for a new key.
Merge = Callable[[bytes | None, bytes], bytes]


def join_watch(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The watchlist entry covering both: the higher confidence, the later expiry.

    The typology and source country come from the more confident entry.

    >>> a = {"s": 0.9, "y": "wangiri", "x": 100.0, "c": "TH"}
    >>> b = {"s": 0.6, "y": "mule", "x": 500.0, "c": "MY"}
    >>> join_watch(a, b) == join_watch(b, a) == {"s": 0.9, "y": "wangiri", "x": 500.0, "c": "TH"}
    True
    """
    top = max(old, new, key=_watch_order)
    return {**top, "s": max(float(old["s"]), float(new["s"])), "x": max(old["x"], new["x"])}


def _watch_order(entry: dict[str, Any]) -> tuple[float, str, str, float]:
    return (float(entry["s"]), str(entry.get("y")), str(entry.get("c")), float(entry["x"]))


def merge_watch(old: bytes | None, new: bytes) -> bytes:
    """:func:`join_watch` over raw entries (``old`` itself when it already covers ``new``)."""
    if old is None:
        return new
    merged = join_watch(orjson.loads(old), orjson.loads(new))
    out = orjson.dumps(merged)
    return old if out == old else out


def ledger_order(record: dict[str, Any]) -> tuple[float, int, int, str]:
    """Which of two ledger records is the later: expiry, revision, severity, then id."""
    return (
        float(record["x"]),
        int(record["r"]),
        severity_rank(str(record["s"])),
        str(record["a"]),
    )


def merge_ledger(old: bytes | None, new: bytes) -> bytes:
    """The later of two alert-ledger records (:mod:`earlywarn.alerts.lifecycle`).

    >>> a = b'{"a":"id1","s":"medium","r":0,"x":100.0}'
    >>> b = b'{"a":"id1","s":"high","r":1,"x":160.0}'
    >>> merge_ledger(a, b) == merge_ledger(b, a) == b
    True
    """
    if old is None:
        return new
    return new if ledger_order(orjson.loads(new)) > ledger_order(orjson.loads(old)) else old


#: The merge of each table that needs one, by table name.
MERGES: dict[str, Merge] = {"watchlist": merge_watch, "alerts": merge_ledger}
