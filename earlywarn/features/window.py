"""Bounded event-time sliding windows for per-entity streaming state.

Every per-entity state keeps its recent events in one :class:`EventWindow`: a list of
compact entries ``(time, flags, value, key, aux)`` sorted by event time. Entries older
than ``span_s`` before the entity's latest event time are evicted, and a hard ``cap`` on
the number of entries keeps memory bounded when one entity floods the stream: past the
cap, the oldest entries go first, so counts over the window saturate at ``cap``.

Keys (callees, recipients, payees ...) are stored as short integer digests from
:func:`key_id`, never as raw identifiers: the state stays small and holds no phone
numbers or account ids in clear.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, Self

Entry = tuple[float, int, float, int, int]
"""``(event_time, flags, value, key, aux)``: one event in a window."""

TIME: Final = 0
FLAGS: Final = 1
VALUE: Final = 2
KEY: Final = 3
AUX: Final = 4
KeyField = Literal[3, 4]


def key_id(value: str | None) -> int:
    """A stable 32-bit digest of an identifier; ``0`` means "no value".

    Parameters
    ----------
    value
        A phone number, account id, template hash, ... or ``None``.

    Examples
    --------
    >>> key_id(None)
    0
    >>> key_id("+66812345678") == key_id("+66812345678") != key_id("+66812345679")
    True
    """
    if not value:
        return 0
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") or 1


class EventWindow:
    """A time-sorted, capped list of entries over the last ``span_s`` seconds.

    Eviction is relative to the latest event time seen by this window, so results
    depend on event time only, never on wall-clock time. Late events are inserted in
    order; an event older than ``span_s`` before the latest one is dropped.

    Parameters
    ----------
    span_s
        Length of the window in seconds of event time.
    cap
        Hard limit on the number of entries kept.

    Examples
    --------
    >>> w = EventWindow(span_s=600.0, cap=3)
    >>> for t in (0.0, 100.0, 200.0, 300.0):
    ...     w.add(t, key=int(t))
    >>> len(w), w.max_time
    (3, 300.0)
    >>> w.add(1000.0)
    >>> [e[0] for e in w.entries]
    [1000.0]
    """

    __slots__ = ("cap", "entries", "span_s")

    def __init__(self, span_s: float, cap: int, entries: Iterable[Entry] = ()) -> None:
        if cap < 1:
            raise ValueError("cap must be at least 1")
        self.span_s = float(span_s)
        self.cap = int(cap)
        self.entries: list[Entry] = sorted(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventWindow):
            return NotImplemented
        return (self.span_s, self.cap, self.entries) == (other.span_s, other.cap, other.entries)

    def __repr__(self) -> str:
        return f"EventWindow(span_s={self.span_s}, cap={self.cap}, n={len(self.entries)})"

    @property
    def max_time(self) -> float:
        """Latest event time seen (``-inf`` when empty)."""
        return self.entries[-1][TIME] if self.entries else float("-inf")

    def add(
        self, t: float, *, flags: int = 0, value: float = 0.0, key: int = 0, aux: int = 0
    ) -> None:
        """Insert one event, then evict by time and by cap."""
        if t < self.max_time - self.span_s:
            return
        entry: Entry = (float(t), int(flags), float(value), int(key), int(aux))
        if not self.entries or entry >= self.entries[-1]:
            self.entries.append(entry)
        else:
            bisect.insort(self.entries, entry)
        horizon = self.max_time - self.span_s
        if self.entries[0][TIME] < horizon:
            cut = bisect.bisect_left(self.entries, (horizon,))
            del self.entries[:cut]
        if len(self.entries) > self.cap:
            del self.entries[: len(self.entries) - self.cap]

    def flag(self, key: int, flags: int, since: float) -> int:
        """Set ``flags`` on the entries of ``key`` from time ``since`` on; how many changed.

        >>> w = EventWindow(span_s=600.0, cap=8)
        >>> w.add(0.0, key=1); w.add(10.0, key=2); w.add(20.0, key=1)
        >>> w.flag(1, 4, since=5.0), [e[1] for e in w.entries]
        (1, [0, 0, 4])
        """
        changed = 0
        for i, e in enumerate(self.entries):
            if e[KEY] == key and e[TIME] >= since and e[FLAGS] | flags != e[FLAGS]:
                self.entries[i] = (e[0], e[1] | flags, e[2], e[3], e[4])
                changed += 1
        if changed:
            self.entries.sort()
        return changed

    def select(self, span_s: float, now: float | None = None) -> Sequence[Entry]:
        """Entries with ``now - span_s <= time <= now`` (``now`` defaults to :attr:`max_time`)."""
        if not self.entries:
            return ()
        end = self.max_time if now is None else now
        lo = bisect.bisect_left(self.entries, (end - span_s,))
        hi = bisect.bisect_right(self.entries, (end, float("inf")))
        return self.entries[lo:hi]

    def to_json(self) -> list[Entry]:
        """The entries themselves, for ``orjson`` to write as compact JSON arrays.

        ``span_s`` and ``cap`` come from the owner. Serialise the result at once: it is
        the live list.
        """
        return self.entries

    @classmethod
    def from_json(cls, obj: Any, *, span_s: float, cap: int) -> Self:
        """Rebuild a window from :meth:`to_json` output (as parsed by ``orjson``).

        :meth:`add` builds every entry with the same types, written sorted with floats
        as floats (``1.0``) and ints as ints, so they parse back with the same types
        and order and are taken as they are (checked on the first entry and the
        order); any other form (a hand-written state) is converted and sorted.
        """
        entries: list[Entry] = list(map(tuple, obj))
        if not entries or (_canonical(entries[0]) and entries == sorted(entries)):
            window = cls.__new__(cls)
            window.span_s, window.cap, window.entries = float(span_s), int(cap), entries
            return window
        converted = [(float(t), int(f), float(v), int(k), int(a)) for t, f, v, k, a in obj]
        return cls(span_s, cap, converted)


_TYPES: Final = (float, int, float, int, int)


def _canonical(entry: tuple[Any, ...]) -> bool:
    return len(entry) == 5 and tuple(map(type, entry)) == _TYPES


def distinct(entries: Sequence[Entry], field: KeyField = KEY) -> int:
    """Number of distinct non-zero ``field`` values (default: keys)."""
    return len({e[field] for e in entries if e[field]})


def flag_share(entries: Sequence[Entry], mask: int) -> float:
    """Share of entries with any of the ``mask`` bits set (``0.0`` when empty)."""
    if not entries:
        return 0.0
    return sum(1 for e in entries if e[1] & mask) / len(entries)


def value_sum(entries: Sequence[Entry], mask: int = 0) -> float:
    """Sum of values, of entries with any ``mask`` bit set when ``mask`` is non-zero."""
    return float(sum(e[2] for e in entries if not mask or e[1] & mask))


def value_mean(entries: Sequence[Entry]) -> float:
    """Mean value (``0.0`` when empty)."""
    return value_sum(entries) / len(entries) if entries else 0.0


def top_share(entries: Sequence[Entry], field: KeyField = AUX) -> float:
    """Share of entries carrying the most frequent non-zero ``field`` value."""
    if not entries:
        return 0.0
    counts: dict[int, int] = {}
    for e in entries:
        if e[field]:
            counts[e[field]] = counts.get(e[field], 0) + 1
    return max(counts.values(), default=0) / len(entries)


def remember(memory: list[int], item: int, cap: int) -> bool:
    """Record ``item`` in a bounded most-recently-used list; ``True`` if it was new.

    >>> m: list[int] = []
    >>> remember(m, 5, cap=2), remember(m, 6, cap=2), remember(m, 5, cap=2)
    (True, True, False)
    >>> remember(m, 7, cap=2), m
    (True, [5, 7])
    """
    if not item:
        return False
    if item in memory:
        memory.remove(item)
        memory.append(item)
        return False
    memory.append(item)
    if len(memory) > cap:
        del memory[: len(memory) - cap]
    return True


def push_bounded(items: list[str], item: str, cap: int) -> None:
    """Append ``item`` to ``items`` keeping only the last ``cap`` of them."""
    items.append(item)
    if len(items) > cap:
        del items[: len(items) - cap]
