"""An account's money-mule features: its debit and credit sides combined.

The two sides arrive in no guaranteed order relative to each other, so each state only
ever depends on its own stream, and :func:`account_features` combines them as of the
later of their two latest event times: the result is the same whichever side was
processed first.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Sequence

from earlywarn.features.credits import CreditState
from earlywarn.features.payments import (
    DAY,
    PASS_SLACK,
    PASS_THROUGH_S,
    DebitState,
)
from earlywarn.features.window import (
    TIME,
    VALUE,
    Entry,
)


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
    >>> from earlywarn.contract.events import PaymentEvent
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
