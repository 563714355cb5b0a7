"""Streaming features of a calling number (A-number) from call detail records."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from earlywarn.contract.events import CallEvent
from earlywarn.features.state import EntityState, age
from earlywarn.features.window import (
    EventWindow,
    distinct,
    flag_share,
    key_id,
    remember,
    value_mean,
)

ANSWERED = 1
SHORT = 2
INTERNATIONAL = 4
ROAMING = 8
NEW_CALLEE = 16
HOME = 32
LONG = 64

CALL_FEATURES: tuple[str, ...] = (
    "calls_10m",
    "calls_1h",
    "distinct_callees_10m",
    "distinct_callees_1h",
    "answer_rate_10m",
    "mean_duration_10m",
    "short_share_10m",
    "short_share_1h",
    "intl_share_10m",
    "intl_share_1h",
    "roaming_share_1h",
    "caller_age_s",
    "distinct_cells",
    "distinct_imeis",
    "new_callee_share_1h",
    "long_answered_1h",
    "calls_24h",
    "answered_24h",
    "mean_answered_s_24h",
    "active_hours_24h",
    "home_share_1h",
    "imei_changed_s",
    "new_callee_share_24h",
    "answer_rate_24h",
)
"""Names returned by :meth:`CallerState.features`, in order."""


class CallerState(EntityState):
    """Per-caller state over the last 10 minutes and hour of event time.

    A call is *short* when it was not answered or lasted less than ``short_call_s``
    seconds ("one-ring"); it is *international* when both countries are known and the
    callee's differs from the caller's. Cells and IMEIs are counted over the entity's
    lifetime, up to ``device_cap`` distinct values each.

    Examples
    --------
    >>> s = CallerState()
    >>> for i in range(3):
    ...     s.update(CallEvent(f"e{i}", 60.0 * i, "OP", "+66800000001", f"+2327000000{i}",
    ...                        answered=False, duration_s=0.0,
    ...                        caller_country="TH", callee_country="SL"))
    >>> f = s.features()
    >>> f["calls_10m"], f["distinct_callees_10m"], f["short_share_10m"], f["intl_share_10m"]
    (3.0, 3.0, 1.0, 1.0)
    >>> CallerState.from_json(s.to_json()) == s
    True
    """

    short_call_s: ClassVar[float] = 5.0
    short_span_s: ClassVar[float] = 600.0
    span_s: ClassVar[float] = 3600.0
    cap: ClassVar[int] = 256
    device_cap: ClassVar[int] = 16
    #: Callees remembered to tell a first contact from a repeat (the social circle).
    known_cap: ClassVar[int] = 24
    #: An answered call at least this long is a *long* (persuasion-length) call.
    long_call_s: ClassVar[float] = 120.0
    #: Recent answered first-contact calls of at least :attr:`talked_min_s` kept (callee
    #: numbers), for when the caller is flagged later: its earlier victims are told (see
    #: :meth:`talked_to`). A minute, not :attr:`long_call_s`: a fake officer's first call
    #: may be short, and the persuading is done in the calls back (tuning seeds 11-13:
    #: the three impersonation victims never warned had first calls of 93-111 s).
    talked_min_s: ClassVar[float] = 60.0
    talked_cap: ClassVar[int] = 8
    talked_span_s: ClassVar[float] = 8 * 3600.0

    def __init__(self) -> None:
        super().__init__()
        self.window = EventWindow(self.span_s, self.cap)
        self.cells: list[int] = []
        self.imeis: list[int] = []
        self.known: list[int] = []
        #: Hourly buckets over the last 24 h:
        #: ``[hour, calls, answered, answered_seconds, calls_to_first_contacts]``.
        self.hours: list[list[float]] = []
        #: Event time of the latest switch to a device this number never used before.
        self.imei_changed: float | None = None
        #: ``[time, callee]`` of recent answered calls to first contacts (raw numbers:
        #: the caller's flag must reach them), oldest first.
        self.talked: list[list[Any]] = []

    @property
    def max_time(self) -> float:
        """Latest event time seen."""
        return self.window.max_time

    def update(self, ev: CallEvent) -> None:
        """Add one call made by this caller."""
        flags = 0
        if ev.answered:
            flags |= ANSWERED
        if not ev.answered or ev.duration_s < self.short_call_s:
            flags |= SHORT
        if ev.caller_country and ev.callee_country and ev.caller_country != ev.callee_country:
            flags |= INTERNATIONAL
        if ev.caller_roaming:
            flags |= ROAMING
        elif ev.cell_id and ev.caller_roaming is not None:
            flags |= HOME
        if ev.answered and ev.duration_s >= self.long_call_s:
            flags |= LONG
        callee = key_id(ev.callee)
        if remember(self.known, callee, self.known_cap):
            flags |= NEW_CALLEE
            if ev.answered and ev.duration_s >= self.talked_min_s:
                self._talked(ev.event_time, ev.callee)
        self.window.add(ev.event_time, flags=flags, value=ev.duration_s, key=callee)
        remember(self.cells, key_id(ev.cell_id), self.device_cap)
        imei = key_id(ev.caller_imei)
        if imei and self.imeis and imei not in self.imeis and ev.event_time >= self.max_time - 1:
            self.imei_changed = float(ev.event_time)
        remember(self.imeis, imei, self.device_cap)
        self._bucket(ev, bool(flags & NEW_CALLEE))
        self._observe(ev.event_id, ev.event_time)

    def _talked(self, t: float, callee: str) -> None:
        horizon = max(t, self.max_time) - self.talked_span_s
        rows = [r for r in self.talked if r[0] >= horizon]
        rows.append([float(t), callee])
        rows.sort(key=lambda r: float(r[0]))
        self.talked = rows[-self.talked_cap :]

    def talked_to(self, end: float) -> list[tuple[float, str]]:
        """Recent answered first-contact calls ``(time, callee)`` up to ``end``."""
        horizon = end - self.talked_span_s
        return [(float(r[0]), str(r[1])) for r in self.talked if horizon <= r[0] <= end]

    def _bucket(self, ev: CallEvent, new_callee: bool) -> None:
        hour = float(ev.event_time // 3600.0)
        if self.hours and self.hours[-1][0] == hour:
            b = self.hours[-1]
        elif not self.hours or self.hours[-1][0] < hour:
            b = [hour, 0.0, 0.0, 0.0, 0.0]
            self.hours.append(b)
            while self.hours[0][0] <= hour - 24:
                del self.hours[0]
        else:  # late event: count it in the newest bucket, the window is approximate
            b = self.hours[-1]
        b[1] += 1
        b[4] += new_callee
        if ev.answered:
            b[2] += 1
            b[3] += ev.duration_s

    def buckets(self, end: float) -> list[list[float]]:
        """Hourly buckets of the 24 h up to ``end``."""
        hour = end // 3600.0
        return [b for b in self.hours if hour - 24 < b[0] <= hour]

    def features(self, now: float | None = None) -> dict[str, float]:
        """Current features (names in :data:`CALL_FEATURES`), as of ``now`` or the latest event."""
        end = self.max_time if now is None else now
        short = self.window.select(self.short_span_s, end)
        hour = self.window.select(self.span_s, end)
        day = self.buckets(end)
        calls = float(sum(b[1] for b in day))
        answered = float(sum(b[2] for b in day))
        return {
            "calls_10m": float(len(short)),
            "calls_1h": float(len(hour)),
            "distinct_callees_10m": float(distinct(short)),
            "distinct_callees_1h": float(distinct(hour)),
            "answer_rate_10m": flag_share(short, ANSWERED),
            "mean_duration_10m": value_mean(short),
            "short_share_10m": flag_share(short, SHORT),
            "short_share_1h": flag_share(hour, SHORT),
            "intl_share_10m": flag_share(short, INTERNATIONAL),
            "intl_share_1h": flag_share(hour, INTERNATIONAL),
            "roaming_share_1h": flag_share(hour, ROAMING),
            "caller_age_s": age(self.first_seen, end) if self.window.entries else 0.0,
            "distinct_cells": float(len(self.cells)),
            "distinct_imeis": float(len(self.imeis)),
            "new_callee_share_1h": flag_share(hour, NEW_CALLEE),
            "long_answered_1h": float(sum(1 for e in hour if e[1] & LONG)),
            "calls_24h": calls,
            "answered_24h": answered,
            "mean_answered_s_24h": sum(b[3] for b in day) / answered if answered else 0.0,
            "active_hours_24h": float(len(day)),
            "home_share_1h": flag_share(hour, HOME),
            "imei_changed_s": end - self.imei_changed if self.imei_changed is not None else -1.0,
            "new_callee_share_24h": sum(b[4] for b in day) / calls if calls else 0.0,
            "answer_rate_24h": answered / calls if calls else 0.0,
        }

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        return {
            **self._common_json(),
            "w": self.window.to_json(),
            "c": self.cells,
            "i": self.imeis,
            "k": self.known,
            "h": self.hours,
            "x": self.imei_changed,
            **({"l": self.talked} if self.talked else {}),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output."""
        state = cls()
        state._load_common(obj)
        state.window = EventWindow.from_json(obj["w"], span_s=cls.span_s, cap=cls.cap)
        state.cells = [int(c) for c in obj["c"]]
        state.imeis = [int(i) for i in obj["i"]]
        state.known = [int(k) for k in obj.get("k", ())]
        # buckets written before first-contact counts existed have four values
        state.hours = [[float(v) for v in (*b, 0.0)[:5]] for b in obj.get("h", ())]
        x = obj.get("x")
        state.imei_changed = None if x is None else float(x)
        state.talked = [[float(r[0]), str(r[1])] for r in obj.get("l", ())]
        return state
