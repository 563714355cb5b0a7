"""Cross-entity state, kept under a re-keyed entity: a device, a URL domain, a place.

Call and SMS events are keyed by the caller/sender and payments by the payer, so what
links entities across keys (SIMs sharing one IMEI, senders sharing one domain, alerts in
one cell) lives in states keyed by the linking entity; victims and the accounts they pay
are in :mod:`~earlywarn.features.victims`. The pipeline re-keys the events onto them
(``Outcome.forwards``), so each state stays partition-local. Keys inside the states are
:func:`key_id` digests, never raw ids.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from earlywarn.features.state import EntityState, WindowedState, age
from earlywarn.features.window import KEY, EventWindow, distinct, flag_share, key_id, remember

HOUR = 3600.0
DAY = 24 * HOUR


class ImeiState(EntityState):
    """A device: which numbers (SIMs) used it, over the last 24 h.

    Many SIMs in one device is the signature of a SIM-box gateway.

    Examples
    --------
    >>> s = ImeiState()
    >>> for i in range(5):
    ...     s.update(60.0 * i, f"+6681000000{i}", f"e{i}")
    >>> s.features()["sims_24h"], s.features()["sims_10m"]
    (5.0, 5.0)
    >>> ImeiState.from_json(s.to_json()) == s
    True
    """

    span_s: ClassVar[float] = DAY
    cap: ClassVar[int] = 128
    #: Numbers already alerted on through this device (digests), bounded.
    flagged_cap: ClassVar[int] = 64

    def __init__(self) -> None:
        super().__init__()
        self.window = EventWindow(self.span_s, self.cap)
        self.flagged: list[int] = []

    def update(self, t: float, msisdn: str, event_id: str) -> None:
        """One call or SMS made from this device by ``msisdn``."""
        self.window.add(t, key=key_id(msisdn))
        self._observe(event_id, t)

    def features(self) -> dict[str, float]:
        """``sims_10m``, ``sims_24h``, ``events_24h``, ``imei_age_s``."""
        end = self.window.max_time
        day = self.window.select(DAY, end)
        return {
            "sims_10m": float(distinct(self.window.select(600.0, end))),
            "sims_24h": float(distinct(day)),
            "events_24h": float(len(day)),
            "imei_age_s": age(self.first_seen, end) if self.window.entries else 0.0,
        }

    def flag(self, msisdn: str) -> bool:
        """Remember ``msisdn`` as alerted through this device; ``True`` the first time."""
        return remember(self.flagged, key_id(msisdn), self.flagged_cap)

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        return {**self._common_json(), "w": self.window.to_json(), "f": self.flagged}

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output."""
        state = cls()
        state._load_common(obj)
        state.window = EventWindow.from_json(obj["w"], span_s=cls.span_s, cap=cls.cap)
        state.flagged = [int(k) for k in obj["f"]]
        return state


class DomainState(WindowedState):
    """A URL domain seen in SMS: its senders, recipients and age.

    Examples
    --------
    >>> s = DomainState()
    >>> for i in range(30):
    ...     s.update(10.0 * i, "SCB-Alert", f"+6681000{i:04d}", f"e{i}")
    >>> f = s.features()
    >>> f["domain_msgs_1h"], f["domain_recipients_1h"], f["domain_senders_1h"]
    (30.0, 30.0, 1.0)
    """

    span_s: ClassVar[float] = HOUR
    cap: ClassVar[int] = 256
    #: Distinct recent senders kept by id (a flagged domain flags its bulk senders).
    senders_cap: ClassVar[int] = 8

    def __init__(self) -> None:
        super().__init__()
        #: The latest distinct senders (raw ids: an alert must name them), oldest first.
        self.senders: list[str] = []

    def update(
        self, t: float, sender: str, recipient: str, event_id: str, suspect: bool = False
    ) -> None:
        """One SMS carrying a URL of this domain; ``suspect`` if its sender scored as smishing."""
        self.window.add(t, flags=int(suspect), key=key_id(recipient), aux=key_id(sender))
        self._observe(event_id, t)
        if sender in self.senders:
            self.senders.remove(sender)
        self.senders.append(sender)
        del self.senders[: max(0, len(self.senders) - self.senders_cap)]

    def bulk_senders(self, min_msgs: int = 3) -> list[str]:
        """Kept senders with at least ``min_msgs`` messages of this domain in the last hour."""
        hour = self.window.select(HOUR, self.window.max_time)
        counts: dict[int, int] = {}
        for e in hour:
            counts[e[4]] = counts.get(e[4], 0) + 1
        return [s for s in self.senders if counts.get(key_id(s), 0) >= min_msgs]

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        return {**super().to_json(), "n": self.senders}

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output (older states had no senders)."""
        state = super().from_json(obj)
        state.senders = [str(s) for s in obj.get("n", ())]
        return state

    def features(self) -> dict[str, float]:
        """Volume, reach, distinct senders and age of the domain."""
        end = self.window.max_time
        hour = self.window.select(HOUR, end)
        return {
            "domain_msgs_1h": float(len(hour)),
            "domain_recipients_1h": float(distinct(hour)),
            "domain_senders_1h": float(distinct(hour, 4)),
            "suspect_share_1h": flag_share(hour, 1),
            "domain_age_s": age(self.first_seen, end) if self.window.entries else 0.0,
        }


class HotspotState(WindowedState):
    """Alerts raised around one place (a cell) or one route (a country pair), last 6 h.

    Examples
    --------
    >>> s = HotspotState()
    >>> for i in range(4):
    ...     s.update(60.0 * i, f"+6681000000{i}", "simbox")
    >>> s.features()["alerted_entities_6h"]
    4.0
    """

    span_s: ClassVar[float] = 6 * HOUR
    cap: ClassVar[int] = 128

    def update(self, t: float, entity: str, typology: str) -> None:
        """One alert on ``entity`` raised in this cell or on this route."""
        self.window.add(t, key=key_id(entity), aux=key_id(typology))
        self.first_seen = min(self.first_seen, t)

    def features(self) -> dict[str, float]:
        """``alerted_entities_6h`` and ``typologies_6h``."""
        entries = self.window.select(self.span_s)
        return {
            "alerted_entities_6h": float(distinct(entries)),
            "typologies_6h": float(distinct(entries, 4)),
        }


class RingState(WindowedState):
    """One-ring calls on one international route (origin country > callee country), 10 min.

    A ring is a short or unanswered call from a foreign number first seen less than a
    day ago. A Wangiri campaign rotates its numbers so each one rings only a few people,
    but all of them ring from the same origin within minutes.

    Examples
    --------
    >>> s = RingState()
    >>> for i in range(6):
    ...     s.update(30.0 * i, f"+21650000{i % 3}", f"e{i}")
    >>> f = s.features("+216500000")
    >>> f["route_rings_10m"], f["route_ring_numbers_10m"], f["caller_rings_10m"]
    (6.0, 3.0, 2.0)
    >>> RingState.from_json(s.to_json()) == s
    True
    """

    span_s: ClassVar[float] = 600.0
    cap: ClassVar[int] = 128

    def update(self, t: float, caller: str, event_id: str) -> None:
        """One ring from ``caller`` on this route."""
        self.window.add(t, key=key_id(caller))
        self._observe(event_id, t)

    def features(self, caller: str) -> dict[str, float]:
        """``route_rings_10m``, ``route_ring_numbers_10m`` and ``caller_rings_10m``."""
        entries = self.window.select(self.span_s)
        me = key_id(caller)
        return {
            "route_rings_10m": float(len(entries)),
            "route_ring_numbers_10m": float(distinct(entries)),
            "caller_rings_10m": float(sum(1 for e in entries if e[KEY] == me)),
        }
