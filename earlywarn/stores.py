"""Where the pipeline keeps per-entity state, and how it knows a message is applied.

:class:`Stores` are key-value stores of bytes (Faust tables in a worker, dicts in
replay). A stream worker delivers at least once, so each state remembers the position of
the last message applied to it per source (:data:`Mark`); :class:`Redelivered` marks a
message to skip. :class:`Held` holds a message's writes back until its outputs are sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from earlywarn.alerts.lifecycle import BoundedStore


class StateStore(Protocol):
    """What the pipeline needs of a table: get and set bytes by key."""

    def get(self, key: str, /) -> Any: ...

    def __setitem__(self, key: str, value: bytes, /) -> None: ...


#: Where a message sits in its source: ``(source, position)``. The stream passes the
#: topic partition (``"cdr0"``) and ``offset * MARK_STRIDE``; a re-keyed record carries
#: its origin's, plus the index of the record among those the origin produced.
Mark = tuple[str, int]
#: Positions per offset: room for the index of each record one message re-keys.
MARK_STRIDE = 1 << 16


class Redelivered(Exception):
    """The message's state change is already applied (at-least-once redelivery)."""


def _store() -> StateStore:
    out: dict[str, bytes] = {}
    return out


@dataclass(slots=True)
class Stores:
    """Per-entity state stores.

    ``callers``, ``senders``, ``debits``, ``credits`` are co-partitioned by caller /
    sender / account (labels, keyed by ``entity_id``, read them on the same partition);
    ``imeis``, ``domains``, ``subscribers`` (by msisdn) and ``hotspots`` (by place) are
    keyed by their internal topics' keys. ``watchlist`` holds shared intel and the
    entities earlywarn alerted on, looked up by any partition: in a worker it must be a
    *global* table.
    """

    callers: StateStore
    senders: StateStore
    debits: StateStore
    credits: StateStore
    imeis: StateStore = field(default_factory=_store)
    domains: StateStore = field(default_factory=_store)
    subscribers: StateStore = field(default_factory=_store)
    hotspots: StateStore = field(default_factory=_store)
    watchlist: StateStore = field(default_factory=_store)
    #: Last alert per (typology, entity), for the update stream (:mod:`earlywarn.alerts.lifecycle`).
    alerts: StateStore = field(default_factory=BoundedStore)

    @classmethod
    def in_memory(cls) -> Stores:
        return cls(callers={}, senders={}, debits={}, credits={})


class Held:
    """A store whose writes are held back in ``writes`` (and read back from there)."""

    def __init__(self, store: StateStore, writes: list[tuple[StateStore, str, Any]]) -> None:
        self.store, self.writes = store, writes

    def get(self, key: str, /) -> Any:
        for store, k, value in reversed(self.writes):
            if store is self.store and k == key:
                return value
        return self.store.get(key)

    def __setitem__(self, key: str, value: bytes, /) -> None:
        self.writes.append((self.store, key, value))
