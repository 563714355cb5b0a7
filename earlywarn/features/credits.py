"""Streaming features of a payment account as payee: who paid it, how much, how fast.

The payee-keyed repartition stream updates :class:`CreditState`; the payer side is
:class:`~earlywarn.features.payments.DebitState`, and
:func:`~earlywarn.features.accounts.account_features` combines the two.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from earlywarn.contract.events import PaymentEvent
from earlywarn.features.payments import (
    DAY,
    FROM_MULE,
    FROM_VICTIM,
    HOUR,
)
from earlywarn.features.state import WindowedState, age
from earlywarn.features.victims import PUSH_RAILS
from earlywarn.features.window import (
    FLAGS,
    KEY,
    TIME,
    VALUE,
    distinct,
    key_id,
    value_sum,
)


class CreditState(WindowedState):
    """An account as payee: fan-in of distinct payers and incoming amounts, 1 h and 24 h.

    Examples
    --------
    >>> c = CreditState()
    >>> for i in range(3):
    ...     c.update(PaymentEvent(f"p{i}", 60.0 * i, "BANK", f"V{i}", "A1", 50.0, "THB",
    ...                           "mobile_money"))
    >>> f = c.features()
    >>> f["fan_in_1h"], f["credit_sum_24h"], f["credit_age_s"]
    (3.0, 150.0, 120.0)
    >>> CreditState.from_json(c.to_json()) == c
    True
    """

    span_s: ClassVar[float] = DAY
    cap: ClassVar[int] = 256
    #: Suspected victims kept per payee (see :meth:`suspect`).
    suspects_cap: ClassVar[int] = 8
    #: First-time push payers kept per payee, and for how long (see :meth:`recent_payers`).
    payers_cap: ClassVar[int] = 12
    payers_span_s: ClassVar[float] = DAY

    def __init__(self) -> None:
        super().__init__()
        #: ``[time, payer account, event_id, weight, reporter, jurisdictions]`` of
        #: recent payments from payers just contacted by a risky party, latest per payer.
        self.suspects: list[list[Any]] = []
        #: ``[time, payer account, event_id, reporter, [payer country, payee country],
        #: amount]`` of recent push payments from payers not seen in the last 24 h (rows
        #: saved before the amount was kept have none).
        self.payers: list[list[Any]] = []

    @property
    def max_time(self) -> float:
        """Latest credit time seen (``-inf`` before any)."""
        return self.window.max_time

    @property
    def first_credit_time(self) -> float | None:
        """Earliest credit time seen, ``None`` before any."""
        return self.first_seen if self.window.entries else None

    @property
    def last_credit_time(self) -> float | None:
        """Latest credit time seen, ``None`` before any."""
        return self.window.max_time if self.window.entries else None

    def update(
        self, ev: PaymentEvent, *, from_mule: bool = False, from_victim: bool = False
    ) -> None:
        """Add one payment received by this account (``from_mule``: its payer is flagged
        as a mule; ``from_victim``: as a victim in progress)."""
        payer = key_id(ev.payer_account)
        known = any(e[KEY] == payer for e in self.window.select(DAY, ev.event_time))
        flags = (FROM_MULE if from_mule else 0) | (FROM_VICTIM if from_victim else 0)
        self.window.add(ev.event_time, flags=flags, value=ev.amount, key=payer)
        self._observe(ev.event_id, ev.event_time)
        if ev.rail in PUSH_RAILS and not known:
            row = [float(ev.event_time), ev.payer_account, ev.event_id, ev.institution]
            row += [[ev.payer_country or "", ev.payee_country or ""], float(ev.amount)]
            row += [ev.payer_msisdn or "", ev.payee_msisdn or ""]
            horizon = self.window.max_time - self.payers_span_s
            rows = [p for p in self.payers if p[0] >= horizon] + [row]
            self.payers = sorted(rows, key=lambda p: (p[0], p[2]))[-self.payers_cap :]

    def victim_deposit(self, payer: str, t: float) -> bool:
        """Mark ``payer``'s payments in the 24 h up to ``t`` as a victim's: it was warned
        at one of them, after this account had counted it. ``True`` if any changed."""
        return self.window.flag(key_id(payer), FROM_VICTIM, t - DAY) > 0

    def mule_payers(self, within_s: float) -> int:
        """Distinct flagged mules that paid this account in the last ``within_s`` seconds."""
        return len({e[KEY] for e in self.window.select(within_s) if e[FLAGS] & FROM_MULE})

    def victim_payers(self, within_s: float) -> tuple[int, float]:
        """Distinct payers flagged as victims in the last ``within_s`` seconds, and their
        share of all its distinct payers then."""
        recent = self.window.select(within_s)
        victims = len({e[KEY] for e in recent if e[FLAGS] & FROM_VICTIM})
        return victims, victims / max(1, distinct(recent))

    def recent_payers(self, t: float, within_s: float) -> list[list[Any]]:
        """Push payments from first-time payers (none in the 24 h before) in the
        ``within_s`` seconds up to ``t``: whom to warn when this account is found to be a
        collecting mule after they paid it. Bounded: :attr:`payers_cap` in
        :attr:`payers_span_s`."""
        return [p for p in self.payers if t - within_s <= p[0] <= t]

    def suspect(
        self,
        t: float,
        payer: str,
        event_id: str,
        weight: float,
        reporter: str,
        jurisdictions: tuple[str, ...],
    ) -> None:
        """Record a payment from ``payer``, just contacted by a risky party (``weight`` 0..1)."""
        rows = [s for s in self.suspects if s[1] != payer and s[0] >= t - DAY]
        rows.append(
            [float(t), payer, event_id, round(float(weight), 4), reporter, list(jurisdictions)]
        )
        rows.sort(key=lambda s: (s[0], s[2]))
        self.suspects = rows[-self.suspects_cap :]

    def cashed_out(self, t: float, within_s: float, amount: float, share: float) -> list[Any]:
        """Suspect rows (see :meth:`suspect`) of the ``within_s`` seconds before ``t``
        whose payments a cash-out or crypto purchase of ``amount`` at ``t`` draws on: at
        least ``share`` of each, and at most ``1 / share`` times what they paid together
        (the suspects' money, not savings next to a few coins). A row whose payment left
        the window is not returned."""
        rows, paid_total = [], 0.0
        for row in self.suspects:
            if not t - within_s <= row[0] <= t:
                continue
            payer = key_id(str(row[1]))
            paid = [e[VALUE] for e in self.window.entries if e[KEY] == payer and e[TIME] == row[0]]
            if paid and amount >= share * max(paid):
                rows.append(row)
                paid_total += max(paid)
        return rows if rows and amount * share <= paid_total else []

    def suspect_share(self, t: float) -> tuple[float, float]:
        """Weighted count of suspected victims paying in 24 h up to ``t``, and their share."""
        recent = [s for s in self.suspects if t - DAY <= s[0] <= t]
        payers = distinct(self.window.select(DAY, max(t, self.max_time)))
        n = len(recent)
        return sum(float(s[3]) for s in recent), n / max(n, payers) if n else 0.0

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        out = super().to_json()
        if self.suspects:
            out["x"] = self.suspects
        if self.payers:
            out["y"] = self.payers
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output."""
        state = super().from_json(obj)
        state.suspects = [list(s) for s in obj.get("x", ())]
        state.payers = [list(p) for p in obj.get("y", ())]
        return state

    def features(self, now: float | None = None) -> dict[str, float]:
        """Current features (names in :data:`CREDIT_FEATURES`)."""
        end = self.max_time if now is None else now
        hour = self.window.select(HOUR, end)
        day = self.window.select(DAY, end)
        return {
            "fan_in_1h": float(distinct(hour)),
            "fan_in_24h": float(distinct(day)),
            "credit_count_24h": float(len(day)),
            "credit_sum_24h": value_sum(day),
            "credit_age_s": age(self.first_seen, end) if self.window.entries else 0.0,
        }
