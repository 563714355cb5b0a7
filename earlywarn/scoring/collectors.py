"""A collector's earlier payers: warned as victims once the account is flagged.

A collecting mule is flagged once enough victims have paid it, or once it sends the money
on; whoever paid it before that is warned then, on either side of the payment that
flagged it (:mod:`~earlywarn.scoring.payments`, :mod:`~earlywarn.scoring.credits`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from earlywarn.contract.alert import Explanation
from earlywarn.contract.events import PaymentEvent
from earlywarn.detectors import Detection, Finding
from earlywarn.features import CreditState, DebitState, EntityState
from earlywarn.features.ids import watch_id
from earlywarn.features.payments import CASH_OUT, NEW_PAYEE
from earlywarn.features.window import FLAGS, KEY, TIME, value_sum
from earlywarn.scoring.checks import defer, numbers_of
from earlywarn.scoring.core import countries as _countries
from earlywarn.scoring.forward import Linked, forward
from earlywarn.scoring.watch import FEEDER, LAYER, PASSER, watch_key, watch_risk

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core

#: Accounts whose fresh money passed on makes a layer.
MULES = frozenset(("mule", LAYER))
FLAGGED = frozenset(("mule", FEEDER))
#: A flagged mule's transfer to a new payee within this long of money arriving is layering
LAYER_HOLD_S = 2 * 3600.0
#: when it passes on at least this share of the largest payment that arrived then (a
#: mule's own shopping and bills are small next to the money it moves).
LAYER_SHARE = 0.5
#: Detectors whose mule finding says an account collects from victims (fan-in, the
#: payments label model, feeding a flagged layer); a layer is paid by mules, not victims.
COLLECTOR_DETECTORS = frozenset(("mule", "sup-payments", FEEDER))
#: First-time payers of an account flagged as a collector in this long before the flag
#: are warned as victims then (seconds).
COLLECTED_S = 24 * 3600.0
#: An account that sent between :data:`PASS_LOW` and all of one first-time payer's
#: payment on to at least :data:`PASS_PAYEES` new payees within :data:`LAYER_HOLD_S` is
#: watched as a :data:`~earlywarn.scoring.watch.PASSER` at :data:`PASSER_RISK` for
#: :data:`PASSER_TTL_S`: no alert, but whoever pays it for the first time then is held.
PASS_LOW = 0.85
PASS_PAYEES = 2
#: ... sent within this long of each other (seconds): a collector splits the money in
#: a few minutes.
PASS_SPLIT_S = 15 * 60.0
PASSER_RISK = 0.65
PASSER_TTL_S = 72 * 3600.0


def warn_earlier_payers(
    core: Core,
    ev: PaymentEvent,
    account: str,
    credit: CreditState,
    debit: DebitState | None,
    own: EntityState,
    found: list[Detection],
) -> list[Detection]:
    """Victim alerts for the recent first-time payers of ``account``, just flagged as
    a collecting mule (``credit`` and ``debit`` are only read; ``own`` deduplicates).

    A collector is flagged once enough victims have paid it (fan-in) or once it sends
    the money on (label model); the victims who paid before that were never warned:
    on tuning seed 12, 29 of 73 victims of mule campaigns. Their payments are hours
    old, but the money may still be recalled. Payers flagged as mules themselves are
    left out (a collector feeding a layer is no victim). Only on the account's first
    flag: each later detection of the same collector warned the same payers again
    (seed 11: 174 alerts on 53 victims).
    """
    vip = core.by_name.get("victim-in-progress")
    flagged = max(
        (
            d.score
            for d in found
            if d.typology == "mule" and d.entity_id == account and d.detector in COLLECTOR_DETECTORS
        ),
        default=0.0,
    )
    # once flagged, its payers are judged as they pay; warn the earlier ones only once
    if vip is None or not flagged or watch_risk(core, watch_id(account), ev.event_time, FLAGGED):
        return []
    f = vip.score_one({"payee_risk": flagged, "new_payee": 1.0})
    if f is None or f.score < core.threshold(vip):
        return []
    out: list[Detection] = []
    for row in credit.recent_payers(ev.event_time, COLLECTED_S):
        t, payer, reporter, countries = row[0], row[1], row[3], row[4]
        if payer == account or watch_risk(core, watch_id(payer), ev.event_time, MULES | FLAGGED):
            continue
        if not _passed_on(debit, row, ev.event_time):
            continue
        when = Explanation(
            feature="paid_before_flag_s",
            value=round(ev.event_time - t, 1),
            threshold_or_baseline=COLLECTED_S,
            detail=f"paid this account {(ev.event_time - t) / 3600:.1f} h before it was "
            "flagged as a collecting mule",
        )
        hit_f = Finding(f.score, (*f.reasons, when), "hold_payment")
        hit = (vip.name, vip.typology, "account", hit_f, vip.severity(f.score), vip.ttl_s)
        numbers = numbers_of(*row[6:8]) if len(row) >= 8 else None
        if numbers is not None:  # unless the payer knows this account's holder
            paid = Linked(ev.event_id, ev.event_time, "payments")
            defer(
                core,
                (*hit, f"id:{payer}"),
                account=str(payer),
                numbers=numbers,
                paid=paid,
                reporter=str(reporter),
                jurisdictions=_countries(*countries),
            )
            continue
        out += core.run_hit(
            ev,
            (*hit, f"id:{payer}"),
            own=own,
            jurisdictions=_countries(*countries),
            reporter=str(reporter),
        )
    return out


def _passed_on(debit: DebitState | None, row: list[Any], now: float) -> bool:
    """Whether the payment of a :meth:`CreditState.recent_payers` ``row`` was sent on:
    at least :data:`LAYER_SHARE` of it within :data:`LAYER_HOLD_S`, as a collector does
    with a victim's money, and unlike the usual payments of a recruited mule's friends
    and family. A payment too recent to tell, or a row without its amount, counts as
    sent on."""
    t = float(row[0])
    if debit is None or len(row) < 6 or now - t < LAYER_HOLD_S:
        return True
    return debit.sent_between(t, t + LAYER_HOLD_S) >= LAYER_SHARE * float(row[5])


def passed_on(credit: CreditState, debit: DebitState, t: float) -> Explanation | None:
    """Why ``debit``'s account looks like a collector at ``t``, if it does: in the
    :data:`PASS_SPLIT_S` up to ``t``, it sent :data:`PASS_LOW` to 100 % of one first-time
    payer's push payment on to :data:`PASS_PAYEES` or more new payees (by transfer, not
    cash), within :data:`LAYER_HOLD_S` of the payment's arrival.

    A mule collector splits each victim's money among its layer accounts within minutes
    of it landing, 90 to 98 % of it. On tuning seeds 11 to 14 (50k subscribers, 3 days),
    11 to 13 collectors a seed did so after their first or second victim, hours before
    the fan-in made them mules, with 2 to 4 other accounts (a family remittance of about
    the salary just paid in, say). That is too weak to call an account a mule, but
    strong enough to hold a stranger's first payment to it. Splits spread over more
    than :data:`PASS_SPLIT_S` are left out: in the demo sample, where 300 people pay
    random others within two hours, 6 accounts passed the test by chance, their splits taking
    18 to 45 minutes; the simulated collectors take at most 15.

    Examples
    --------
    >>> from earlywarn.contract.events import PaymentEvent as P
    >>> credit, debit = CreditState(), DebitState()
    >>> credit.update(P("v", 0.0, "BANK", "VICTIM", "C", 1000.0, "THB", "bank_transfer"))
    >>> debit.update(P("o1", 600.0, "BANK", "C", "L1", 480.0, "THB", "bank_transfer"))
    >>> passed_on(credit, debit, 600.0) is None  # 48 % to one payee so far
    True
    >>> debit.update(P("o2", 660.0, "BANK", "C", "L2", 470.0, "THB", "bank_transfer"))
    >>> print(passed_on(credit, debit, 660.0).detail)
    sent 95% of a first-time payer's payment on to 2 new payees within 11 min
    >>> slow = DebitState()  # the same split, the second transfer 20 minutes later
    >>> slow.update(P("s1", 600.0, "BANK", "C", "L1", 480.0, "THB", "bank_transfer"))
    >>> slow.update(P("s2", 1800.0, "BANK", "C", "L2", 470.0, "THB", "bank_transfer"))
    >>> passed_on(credit, slow, 1800.0) is None
    True
    """
    outs = [
        e
        for e in debit.transfers(LAYER_HOLD_S, t)
        if e[FLAGS] & NEW_PAYEE and not e[FLAGS] & CASH_OUT
    ]
    if len(outs) < PASS_PAYEES:
        return None
    for row in credit.recent_payers(t, LAYER_HOLD_S):
        if len(row) < 6 or float(row[5]) <= 0.0:
            continue
        sent = [e for e in outs if e[TIME] >= max(float(row[0]), t - PASS_SPLIT_S)]
        payees = len({e[KEY] for e in sent})
        share = value_sum(sent) / float(row[5])
        if payees >= PASS_PAYEES and PASS_LOW <= share <= 1.0:
            minutes = (t - float(row[0])) / 60.0
            detail = (
                f"sent {share:.0%} of a first-time payer's payment on to {payees} new "
                f"payees within {minutes:.0f} min"
            )
            return Explanation("passed_on_share", round(share, 4), PASS_LOW, detail)
    return None


def mark_passer(core: Core, account: str, t: float) -> None:
    """Watch ``account`` as a :data:`~earlywarn.scoring.watch.PASSER` from ``t``."""
    body = {"s": PASSER_RISK, "y": "mule", "x": t + PASSER_TTL_S}
    core.pending.append(forward("watch", watch_key(watch_id(account), PASSER), body))
