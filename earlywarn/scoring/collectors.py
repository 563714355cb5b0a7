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
from earlywarn.scoring.checks import defer, numbers_of
from earlywarn.scoring.core import countries as _countries
from earlywarn.scoring.forward import Linked
from earlywarn.scoring.watch import FEEDER, LAYER, watch_risk

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
