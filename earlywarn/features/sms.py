"""Streaming features of an SMS sender (E.164 number or alphanumeric sender id)."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from earlywarn.contract.events import SmsEvent
from earlywarn.features.state import EntityState, age
from earlywarn.features.window import (
    AUX,
    EventWindow,
    distinct,
    flag_share,
    key_id,
    remember,
    top_share,
)

HAS_URL = 1
INTERNATIONAL = 2

SMS_FEATURES: tuple[str, ...] = (
    "msgs_10m",
    "msgs_1h",
    "distinct_recipients_10m",
    "distinct_recipients_1h",
    "url_share_10m",
    "url_share_1h",
    "distinct_templates_1h",
    "top_template_share_1h",
    "intl_share_1h",
    "segments_mean_1h",
    "alphanumeric",
    "sender_age_s",
)
"""Names returned by :meth:`SenderState.features`, in order."""


class SenderState(EntityState):
    """Per-sender state over the last 10 minutes and hour of event time.

    Templates are the operator's fuzzy hashes of the normalised body; the share of the
    most frequent template is taken over all messages of the hour.

    Examples
    --------
    >>> s = SenderState()
    >>> for i in range(4):
    ...     s.update(SmsEvent(f"e{i}", 10.0 * i, "OP", "BANK-TH", f"+6681000000{i}",
    ...                       has_url=i > 0, sender_is_alphanumeric=True,
    ...                       template_hash="h1" if i else "h2"))
    >>> f = s.features()
    >>> f["msgs_10m"], f["url_share_10m"], f["distinct_templates_1h"], f["top_template_share_1h"]
    (4.0, 0.75, 2.0, 0.75)
    >>> SenderState.from_json(s.to_json()) == s
    True

    A number (not a sender id) also remembers whom it has texted, most recent last:

    >>> p = SenderState()
    >>> p.update(SmsEvent("e9", 50.0, "OP", "+66810000009", "+66810000001", has_url=False))
    >>> p.known == [key_id("+66810000001")], s.known
    (True, [])
    """

    short_span_s: ClassVar[float] = 600.0
    span_s: ClassVar[float] = 3600.0
    cap: ClassVar[int] = 256
    #: Recipients a number remembers having texted (the social circle; as for calls).
    known_cap: ClassVar[int] = 24
    #: Devices (IMEIs) remembered per number, as for calls.
    device_cap: ClassVar[int] = 16
    #: Recipients of a number's first chat messages awaiting its second (see
    #: :attr:`chatted`).
    chatted_cap: ClassVar[int] = 8

    def __init__(self) -> None:
        super().__init__()
        self.window = EventWindow(self.span_s, self.cap)
        self.alphanumeric = False
        #: ``key_id`` of the recipients a number texted, most recent last (bounded).
        self.known: list[int] = []
        #: ``key_id`` of the devices a number texted from, most recent last (bounded).
        self.imeis: list[int] = []
        #: ``key_id`` of the people a number sent a first chat message (no link) that was
        #: passed on to them, until its second one: a groomer keeps talking.
        self.chatted: list[int] = []

    @property
    def max_time(self) -> float:
        """Latest event time seen."""
        return self.window.max_time

    def update(self, ev: SmsEvent) -> None:
        """Add one message sent by this sender."""
        flags = HAS_URL if ev.has_url else 0
        if ev.sender_country and ev.recipient_country and ev.sender_country != ev.recipient_country:
            flags |= INTERNATIONAL
        self.window.add(
            ev.event_time,
            flags=flags,
            value=float(ev.segments),
            key=key_id(ev.recipient),
            aux=key_id(ev.template_hash),
        )
        self.alphanumeric = self.alphanumeric or ev.sender_is_alphanumeric
        if not ev.sender_is_alphanumeric:
            remember(self.known, key_id(ev.recipient), self.known_cap)
            remember(self.imeis, key_id(ev.sender_imei), self.device_cap)
        self._observe(ev.event_id, ev.event_time)

    def features(self, now: float | None = None) -> dict[str, float]:
        """Current features (names in :data:`SMS_FEATURES`), as of ``now`` or the latest event."""
        end = self.max_time if now is None else now
        short = self.window.select(self.short_span_s, end)
        hour = self.window.select(self.span_s, end)
        return {
            "msgs_10m": float(len(short)),
            "msgs_1h": float(len(hour)),
            "distinct_recipients_10m": float(distinct(short)),
            "distinct_recipients_1h": float(distinct(hour)),
            "url_share_10m": flag_share(short, HAS_URL),
            "url_share_1h": flag_share(hour, HAS_URL),
            "distinct_templates_1h": float(distinct(hour, AUX)),
            "top_template_share_1h": top_share(hour, AUX),
            "intl_share_1h": flag_share(hour, INTERNATIONAL),
            "segments_mean_1h": sum(e[2] for e in hour) / len(hour) if hour else 0.0,
            "alphanumeric": 1.0 if self.alphanumeric else 0.0,
            "sender_age_s": age(self.first_seen, end) if self.window.entries else 0.0,
        }

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        out = {**self._common_json(), "w": self.window.to_json(), "x": int(self.alphanumeric)}
        if self.known:
            out["k"] = self.known
        if self.imeis:
            out["d"] = self.imeis
        if self.chatted:
            out["c"] = self.chatted
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output."""
        state = cls()
        state._load_common(obj)
        state.window = EventWindow.from_json(obj["w"], span_s=cls.span_s, cap=cls.cap)
        state.alphanumeric = bool(obj["x"])
        state.known = [int(k) for k in obj.get("k", ())]
        state.imeis = [int(k) for k in obj.get("d", ())]
        state.chatted = [int(k) for k in obj.get("c", ())]
        return state
