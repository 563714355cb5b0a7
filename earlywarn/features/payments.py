"""Streaming features of a payment account, as payer (debits) and as payee (credits).

The payer-keyed stream updates :class:`DebitState`; the payee-keyed repartition stream
updates :class:`CreditState` of the same account. The two arrive in no guaranteed
order relative to each other, so each state only ever depends on its own stream, and
:func:`account_features` combines them as of the later of their two latest event
times: the result is the same whichever side was processed first.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Sequence
from typing import Any, ClassVar, Self

from earlywarn.contract.events import PaymentEvent
from earlywarn.features.state import EntityState, WindowedState, age
from earlywarn.features.victims import PUSH_RAILS
from earlywarn.features.window import (
    FLAGS,
    KEY,
    TIME,
    VALUE,
    Entry,
    EventWindow,
    distinct,
    flag_share,
    key_id,
    remember,
    value_sum,
)

NEW_PAYEE = 1
CASH_OUT = 2
#: A card payment: a purchase from a merchant, which spends money instead of moving it on.
SPEND = 4
#: A transfer to a payee then flagged as a mule (see :meth:`DebitState.update`).
TO_MULE = 8
#: A payment from a payer then flagged as a mule (see :meth:`CreditState.update`).
FROM_MULE = 16
#: A payment from a payer then flagged as a victim in progress.
FROM_VICTIM = 32
CASH_OUT_RAILS: frozenset[str] = frozenset(("cash_out", "crypto_onramp"))

HOUR = 3600.0
DAY = 24 * HOUR
#: A debit passes money on only when it arrived at most this long before (seconds): the
#: simulated mule layers send on 10 to 90 minutes after the money lands, collectors
#: within about 45 minutes.
PASS_THROUGH_S = 2 * HOUR
#: A debit larger than this times the fresh money still pending draws on the balance
#: (rent, a cash withdrawal after a small transfer in) and passes nothing on; a mule
#: sends on 90 to 99 % of what it received.
PASS_SLACK = 1.1

DEBIT_FEATURES: tuple[str, ...] = (
    "new_payee",
    "amount_vs_max_prior",
    "crypto_steps",
    "crypto_growth",
    "debit_count_1h",
    "debit_count_24h",
    "debit_sum_1h",
    "debit_sum_24h",
    "fan_out_24h",
    "new_payee_share_24h",
    "cash_out_share_24h",
)
CREDIT_FEATURES: tuple[str, ...] = (
    "fan_in_1h",
    "fan_in_24h",
    "credit_count_24h",
    "credit_sum_24h",
    "credit_age_s",
)
ACCOUNT_FEATURES: tuple[str, ...] = (
    *DEBIT_FEATURES,
    *CREDIT_FEATURES,
    "pass_through_ratio",
    "min_credit_to_debit_s",
)
"""Names returned by :func:`account_features`, in order."""


class DebitState(EntityState):
    """An account as payer: outgoing velocity, payees and cash-out, over 1 h and 24 h.

    A payee is *new* when this account has not paid it before, as far as a bounded
    memory of the last ``known_payees_cap`` payees goes. Cash-out share is by amount,
    over the ``cash_out`` and ``crypto_onramp`` rails.

    Examples
    --------
    >>> d = DebitState()
    >>> d.update(PaymentEvent("p1", 0.0, "BANK", "A1", "B1", 100.0, "THB", "bank_transfer"))
    >>> d.update(PaymentEvent("p2", 60.0, "BANK", "A1", "B1", 300.0, "THB", "cash_out"))
    >>> f = d.features()
    >>> f["debit_count_1h"], f["fan_out_24h"], f["new_payee_share_24h"], f["cash_out_share_24h"]
    (2.0, 1.0, 0.5, 0.75)
    >>> DebitState.from_json(d.to_json()) == d
    True
    """

    span_s: ClassVar[float] = DAY
    cap: ClassVar[int] = 256
    known_payees_cap: ClassVar[int] = 64
    #: Recent crypto on-ramp debits kept for escalation, ``[time, amount]``.
    ladder_cap: ClassVar[int] = 6

    def __init__(self) -> None:
        super().__init__()
        self.window = EventWindow(self.span_s, self.cap)
        self.known_payees: list[int] = []
        self.ladder: list[list[float]] = []
        self.last_new_payee = False

    @property
    def max_time(self) -> float:
        """Latest debit time seen (``-inf`` before any)."""
        return self.window.max_time

    @property
    def last_debit_time(self) -> float | None:
        """Latest debit time seen, ``None`` before any."""
        return self.window.max_time if self.window.entries else None

    def update(self, ev: PaymentEvent, *, to_mule: bool = False) -> None:
        """Add one payment made by this account (``to_mule``: its payee is flagged)."""
        payee = key_id(ev.payee_account)
        flags = NEW_PAYEE if remember(self.known_payees, payee, self.known_payees_cap) else 0
        if to_mule:
            flags |= TO_MULE
        if ev.rail in CASH_OUT_RAILS:
            flags |= CASH_OUT
        elif ev.rail == "card":
            flags |= SPEND
        if ev.rail == "crypto_onramp":
            self.ladder.append([float(ev.event_time), float(ev.amount)])
            self.ladder.sort()
            del self.ladder[: max(0, len(self.ladder) - self.ladder_cap)]
        self.last_new_payee = bool(flags & NEW_PAYEE)
        self.window.add(ev.event_time, flags=flags, value=ev.amount, key=payee)
        self._observe(ev.event_id, ev.event_time)

    def features(self, now: float | None = None) -> dict[str, float]:
        """Current features (names in :data:`DEBIT_FEATURES`)."""
        end = self.max_time if now is None else now
        hour = self.window.select(HOUR, end)
        day = self.window.select(DAY, end)
        total = value_sum(day)
        last_amount = self.window.entries[-1][VALUE] if self.window.entries else 0.0
        prior = [e[VALUE] for e in self.window.entries[:-1]]
        return {
            "new_payee": 1.0 if self.last_new_payee else 0.0,
            "amount_vs_max_prior": last_amount / max(prior) if prior else 0.0,
            "crypto_steps": float(self._escalation()),
            "crypto_growth": self._growth(),
            "debit_count_1h": float(len(hour)),
            "debit_count_24h": float(len(day)),
            "debit_sum_1h": value_sum(hour),
            "debit_sum_24h": total,
            "fan_out_24h": float(distinct(day)),
            "new_payee_share_24h": flag_share(day, NEW_PAYEE),
            "cash_out_share_24h": value_sum(day, CASH_OUT) / total if total > 0 else 0.0,
        }

    def transfers(self, span_s: float, now: float | None = None) -> list[Entry]:
        """Debits of the ``span_s`` seconds up to ``now`` that move money on: card
        purchases (which spend it) left out."""
        return [e for e in self.window.select(span_s, now) if not e[FLAGS] & SPEND]

    def sent_between(self, start: float, end: float) -> float:
        """Amount transferred after ``start``, up to ``end`` (see :meth:`transfers`)."""
        return value_sum([e for e in self.transfers(end - start, end) if e[TIME] > start])

    def sent_on(self, within_s: float) -> tuple[int, int, float, float]:
        """Transfers in the last ``within_s`` seconds (see :meth:`transfers`): to how
        many flagged mules, to how many payees, how much, and how much to the mules."""
        recent = self.transfers(within_s)
        mules = [e for e in recent if e[FLAGS] & TO_MULE]
        return (
            len({e[KEY] for e in mules}),
            len({e[KEY] for e in recent}),
            value_sum(recent),
            value_sum(mules),
        )

    def _escalation(self) -> int:
        """Length of the run of growing crypto on-ramp debits ending with the latest."""
        steps = 1 if self.ladder else 0
        for (_, a), (_, b) in zip(self.ladder[-2::-1], self.ladder[::-1], strict=False):
            if b < 1.2 * a:
                break
            steps += 1
        return steps

    def _growth(self) -> float:
        """Latest crypto on-ramp debit over the first of its growing run (``0`` if none)."""
        n = self._escalation()
        return self.ladder[-1][1] / self.ladder[-n][1] if n >= 2 else 0.0

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        return {
            **self._common_json(),
            "w": self.window.to_json(),
            "k": self.known_payees,
            "l": self.ladder,
            "n": int(self.last_new_payee),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output."""
        state = cls()
        state._load_common(obj)
        state.window = EventWindow.from_json(obj["w"], span_s=cls.span_s, cap=cls.cap)
        state.known_payees = [int(k) for k in obj["k"]]
        state.ladder = [[float(t), float(a)] for t, a in obj.get("l", ())]
        state.last_new_payee = bool(obj.get("n", 0))
        return state


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


def account_features(
    debit: DebitState | None,
    credit: CreditState | None,
    *,
    pass_through_s: float = PASS_THROUGH_S,
) -> dict[str, float]:
    """Money-mule features of one account, combining its debit and credit sides.

    Both sides are read as of the later of their latest event times, so the result does
    not depend on which side was updated first.

    Parameters
    ----------
    debit, credit
        The account's two states; ``None`` for a side never seen.
    pass_through_s
        A debit *passes through* when it follows a credit by at most this many seconds.

    Returns
    -------
    dict
        :data:`DEBIT_FEATURES` and :data:`CREDIT_FEATURES`, plus ``pass_through_ratio``
        (share of the credited amount sent on within ``pass_through_s``, 24 h, by debits
        no larger than :data:`PASS_SLACK` times the fresh money pending) and
        ``min_credit_to_debit_s`` (shortest gap from a credit to a following debit, 24 h;
        ``86400`` when there is none). Card payments (purchases) are not debits here: a
        person who receives money from friends and goes shopping passes nothing on.

    Examples
    --------
    >>> c, d = CreditState(), DebitState()
    >>> c.update(PaymentEvent("c1", 0.0, "BANK", "V1", "M", 1000.0, "THB", "bank_transfer"))
    >>> d.update(PaymentEvent("d1", 120.0, "BANK", "M", "X", 900.0, "THB", "cash_out"))
    >>> f = account_features(d, c)
    >>> f["pass_through_ratio"], f["min_credit_to_debit_s"]
    (0.9, 120.0)
    >>> d.update(PaymentEvent("d2", 180.0, "BANK", "M", "Y", 5000.0, "THB", "cash_out"))
    >>> account_features(d, c)["pass_through_ratio"]  # 5,000 out of 100 fresh: savings
    0.9
    >>> c2, d2 = CreditState(), DebitState()
    >>> c2.update(PaymentEvent("c2", 0.0, "BANK", "F1", "P", 1000.0, "THB", "bank_transfer"))
    >>> d2.update(PaymentEvent("d3", 60.0, "BANK", "P", "SHOP", 900.0, "THB", "card"))
    >>> f2 = account_features(d2, c2)
    >>> f2["pass_through_ratio"], f2["min_credit_to_debit_s"]
    (0.0, 86400.0)
    """
    debit = debit if debit is not None else DebitState()
    credit = credit if credit is not None else CreditState()
    now = max(debit.max_time, credit.max_time)
    out = {**debit.features(now), **credit.features(now)}
    # a card purchase spends money; only transfers, cash-outs and crypto move it on
    debits = debit.transfers(DAY, now)
    credits = credit.window.select(DAY, now)
    credit_times = [e[TIME] for e in credits]
    min_gap = DAY
    for e in debits:
        i = bisect.bisect_right(credit_times, e[TIME])
        if i:
            min_gap = min(min_gap, e[TIME] - credit_times[i - 1])
    out["pass_through_ratio"] = _pass_through(
        credits, debits, pass_through_s, out["credit_sum_24h"]
    )
    out["min_credit_to_debit_s"] = min_gap
    return out


def _pass_through(
    credits: Sequence[Entry],
    debits: Sequence[Entry],
    within_s: float,
    credited: float,
    slack: float = PASS_SLACK,
) -> float:
    """Share of the credited amount sent on within ``within_s`` of arriving.

    Credits and debits are matched first-in first-out in event time (a credit before a
    debit at the same instant): each debit consumes what is left of the credits that
    arrived at most ``within_s`` before it. A merchant sweeping a day of takings to its
    own bank only matches the last few minutes of sales, a mule matches nearly all.
    A debit larger than ``slack`` times what is pending is paid from the balance and
    consumes nothing: an ordinary account that receives 100 and withdraws 5,000 minutes
    later did not pass the 100 on (before, such accounts scored a full pass-through,
    and the payments label model flagged them as mules).

    Examples
    --------
    >>> c = [(0.0, 0, 1000.0, 0, 0)]
    >>> _pass_through(c, [(60.0, 0, 950.0, 0, 0)], 600.0, 1000.0)
    0.95
    >>> _pass_through(c, [(60.0, 0, 9000.0, 0, 0)], 600.0, 1000.0)
    0.0
    """
    if credited <= 0 or not debits:
        return 0.0
    merged = sorted(
        [(e[TIME], 0, e[VALUE]) for e in credits] + [(e[TIME], 1, e[VALUE]) for e in debits]
    )
    pending: deque[list[float]] = deque()
    passed = 0.0
    for t, is_debit, amount in merged:
        if not is_debit:
            pending.append([t, amount])
            continue
        while pending and pending[0][0] < t - within_s:
            pending.popleft()
        if amount > slack * sum(p[1] for p in pending):
            continue
        while amount > 0 and pending:
            take = min(amount, pending[0][1])
            passed += take
            amount -= take
            pending[0][1] -= take
            if pending[0][1] <= 0:
                pending.popleft()
    return min(1.0, passed / credited)
