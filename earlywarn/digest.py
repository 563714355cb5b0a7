"""Digests of state stores, to compare two workers' (or a worker's and a replay's) state.

A stream worker's states also hold delivery marks (where each was last updated from,
:meth:`earlywarn.features.state.EntityState.mark`), which differ between workers and
are absent in a replay; the digest leaves them out, so it compares what was learnt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson


def without_marks(value: bytes) -> bytes:
    """A state's bytes with its delivery marks (``"o"``) taken out.

    >>> without_marks(b'{"a":{},"o":{"cdr0":65536},"w":[]}')
    b'{"a":{},"w":[]}'
    >>> without_marks(b'{"a":1}')
    b'{"a":1}'
    """
    if b'"o":' not in value:
        return value
    obj = orjson.loads(value)
    if isinstance(obj, dict):
        obj.pop("o", None)
    return orjson.dumps(obj)


def digest(items: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    """Key count and SHA-256 over sorted ``(key, bytes)`` items; ``None`` values skipped.

    >>> digest([("b", b"2"), ("a", b"1")]) == digest([("a", b"1"), ("b", b"2")])
    True
    >>> digest([("a", b'{"o":{"cdr0":1},"x":1}')]) == digest([("a", b'{"x":1}')])
    True
    """
    rows = sorted((str(k), without_marks(bytes(v))) for k, v in items if v is not None)
    sha = hashlib.sha256()
    for key, value in rows:
        sha.update(key.encode() + b"\0" + value + b"\0")
    return {"keys": len(rows), "digest": sha.hexdigest()}


def digests(stores: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """:func:`digest` of every store (anything with ``items()``), by name."""
    return {name: digest(store.items()) for name, store in stores.items()}
