"""A bounded in-process cache of live per-entity states, checked against the store's bytes.

Decoding a state's compact JSON (and rebuilding its windows) on every event costs more
than most detectors. The :class:`~earlywarn.pipeline.Pipeline` still writes every
state's bytes to its store on every event, so changelogs and at-least-once recovery are
exactly as without a cache; it only keeps, beside the bytes it wrote, the live object
they came from. A cached object is used only while the store still holds those very
bytes: a state rewritten by another path (changelog recovery after a rebalance, another
worker, a test) no longer matches and is decoded afresh, and a deleted one is gone.

Off by default (``Pipeline(cache_size=0)``): on the benchmark traffic (many entities
seen a few times each) on a shared 2-core machine, a 10,000-state cache made the core
slower, not faster (best of 5 runs over 6,000 events: 342 against 216-235 us per event;
73 % hits). Working on old objects scattered through the heap, plus the garbage
collector walking them, cost more than decoding the JSON saved. Try it where entities
are hot and memory is not shared.

States are canonical under their JSON round trip (``to_json`` of a reloaded state gives
the same bytes; ``tests/test_statecache.py`` checks it on simulated traffic), so a cached
object behaves as the decoded one would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import orjson

S = TypeVar("S")


def compact(raw: bytes) -> bytes:
    """``raw`` in a bytes object of its own size.

    ``orjson.dumps`` (3.13) returns bytes that keep its whole output buffer: a 280-byte
    state held 4 KB. Stored values live as long as their entity, so they are copied.

    >>> import sys
    >>> raw = orjson.dumps({"a": 1})
    >>> compact(raw) == raw and sys.getsizeof(compact(raw)) < 64
    True
    """
    return memoryview(raw).tobytes()


class Store(Protocol):
    def get(self, key: str, /) -> Any: ...

    def __setitem__(self, key: str, value: bytes, /) -> None: ...


class StateCache:
    """Live states by ``(store, key)``, least recently used evicted past ``size``.

    Parameters
    ----------
    size
        Most states kept (``0``: no cache, every load decodes).

    Examples
    --------
    >>> from earlywarn.features import SenderState
    >>> cache, store, state = StateCache(2), {}, SenderState()
    >>> cache.save(store, "+66812345678", state)
    >>> cache.load(store, "+66812345678", SenderState.from_json) is state
    True
    >>> cache.save(store, "+66812345678", state)
    >>> store["+66812345678"] = store["+66812345678"] + b" "  # written by another path
    >>> cache.load(store, "+66812345678", SenderState.from_json) is state
    False
    """

    __slots__ = ("_live", "hits", "misses", "size")

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._live: dict[tuple[int, str], tuple[bytes, Any]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._live)

    def clear(self) -> None:
        """Forget every live state (the stores keep their bytes)."""
        self._live.clear()

    def load(self, store: Store, key: str, cls: Callable[[Any], S]) -> S | None:
        """The state of ``key`` to update, then :meth:`save`; ``None`` if there is none.

        The cached object is handed over and forgotten until it is saved again, so a
        step that fails half-way leaves no half-updated object behind.
        """
        raw = store.get(key)
        hit = self._live.pop((id(store), key), None)
        if raw is None:
            return None
        if hit is not None and (hit[0] is raw or hit[0] == raw):
            self.hits += 1
            return hit[1]  # type: ignore[no-any-return]
        self.misses += 1
        return cls(orjson.loads(raw))

    def peek(self, store: Store, key: str, cls: Callable[[Any], S]) -> S | None:
        """The state of ``key`` to read only (it must not be changed)."""
        raw = store.get(key)
        if raw is None:
            return None
        hit = self._live.get((id(store), key))
        if hit is not None and (hit[0] is raw or hit[0] == raw):
            self.hits += 1
            return hit[1]  # type: ignore[no-any-return]
        self.misses += 1
        return cls(orjson.loads(raw))

    def save(self, store: Store, key: str, state: Any) -> None:
        """Write ``state``'s bytes to ``store`` and keep the live object beside them."""
        raw = compact(orjson.dumps(state.to_json()))
        store[key] = raw
        if self.size <= 0:
            return
        live = self._live
        live[(id(store), key)] = (raw, state)
        if len(live) > self.size:
            del live[next(iter(live))]
