"""Payment steps: the payee's credit side of each payment (fan-in, sinks, deposits)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from earlywarn.contract.alert import Explanation
from earlywarn.contract.events import PaymentEvent
from earlywarn.detectors import Detection, Detector, Finding
from earlywarn.features import CreditState, DebitState, account_features
from earlywarn.features.ids import watch_id
from earlywarn.features.payments import DAY
from earlywarn.features.victims import PUSH_RAILS
from earlywarn.scoring.collectors import MULES, warn_earlier_payers
from earlywarn.scoring.core import countries as _countries
from earlywarn.scoring.forward import Linked
from earlywarn.scoring.models import PAYEE
from earlywarn.scoring.mule_hits import FEED_RISK, FEEDER_SCORE, mule_hit
from earlywarn.scoring.payments import VICTIM
from earlywarn.scoring.watch import SINK, watch_risk, watch_risks

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core, Hit

_VICTIM = frozenset((VICTIM,))
#: Distinct flagged mules paying one account in 24 h (by transfer or crypto on-ramp) that
#: make it the end of their chain: a layer's cash-out or crypto account, or an exit abroad.
SINK_PAYERS = 2
#: Distinct payers flagged as victims in progress (from :data:`DEPOSIT_RISK` on) whose
#: crypto on-ramp deposits one account received in 24 h, making at least
#: :data:`DEPOSIT_SHARE` of its payers then: a pig-butchering deposit account. An
#: exchange's own account is paid by far more people than the victims among them.
DEPOSIT_PAYERS = 2
DEPOSIT_RISK = 0.7
DEPOSIT_SHARE = 0.5
#: The detector name of that finding; it is watched as ``pig_butchering``, so whoever
#: deposits there next is warned as a victim.
DEPOSIT = "pig-deposit"
DEPOSIT_SCORE = 0.85


def process_credit(
    core: Core, ev: PaymentEvent, credit: CreditState | None, debit: DebitState | None
) -> tuple[CreditState, list[Detection]]:
    """Payee side: update the payee's credit state (``debit`` is only read)."""
    credit = credit if credit is not None else CreditState()
    # cash agents and shops serve everyone, mules too
    moves = ev.rail in PUSH_RAILS or ev.rail == "crypto_onramp"
    payer_risk = (
        watch_risk(core, watch_id(ev.payer_account), ev.event_time, MULES) if moves else 0.0
    )
    victim_risk = (  # local victim alerts only: shared intel is about scammers
        watch_risks(core, watch_id(ev.payer_account), ev.event_time, _VICTIM)[VICTIM]
        if ev.rail == "crypto_onramp"
        else 0.0
    )
    credit.update(ev, from_mule=payer_risk >= FEED_RISK, from_victim=victim_risk >= DEPOSIT_RISK)
    mule = core.by_name.get("mule")
    extra = []
    paid_by = credit.mule_payers(DAY) if payer_risk >= FEED_RISK else 0
    if mule is not None and paid_by >= SINK_PAYERS:
        extra.append(_sink_finding(mule, paid_by))
    pig = core.by_name.get("pig-butchering")
    if pig is not None and victim_risk >= DEPOSIT_RISK:
        victims, share = credit.victim_payers(DAY)
        if victims >= DEPOSIT_PAYERS and share >= DEPOSIT_SHARE:
            extra.append(_deposit_finding(pig, victims, share))
    found = core.run(
        ev,
        account_features(debit, credit),
        own=credit,
        others=(debit,) if debit is not None else (),
        entity_id=ev.payee_account,
        entity_type="account",
        jurisdictions=_countries(ev.payer_country, ev.payee_country),
        reporter=ev.institution,
        channel="payments",
        skip=frozenset(("pig-butchering",)),
        extra=extra,
        label_model=PAYEE,
    )
    found += warn_earlier_payers(core, ev, ev.payee_account, credit, debit, credit, found)
    return credit, found


def _sink_finding(mule: Detector, payers: int) -> Hit:
    """A mule finding on an account paid by ``payers`` distinct flagged mules."""
    detail = f"received money from {payers} accounts flagged as mules in 24 h"
    why = Explanation("mule_payers_24h", float(payers), float(SINK_PAYERS), detail)
    return mule_hit(mule, SINK, why, FEEDER_SCORE, "freeze_account")


def _deposit_finding(pig: Detector, victims: int, share: float) -> Hit:
    """A pig-butchering finding on a crypto on-ramp account that ``victims`` distinct
    payers flagged as victims in progress paid in 24 h (``share`` of its payers)."""
    detail = (
        f"received crypto on-ramp deposits from {victims} accounts flagged as victims "
        f"in 24 h ({share:.0%} of its payers)"
    )
    why = Explanation("victim_payers_24h", float(victims), float(DEPOSIT_PAYERS), detail)
    f = Finding(score=DEPOSIT_SCORE, reasons=(why,), recommended_action="freeze_account")
    return (DEPOSIT, pig.typology, "account", f, pig.severity(f.score), pig.ttl_s, "self")


def process_victim_deposit(
    core: Core, payee: str, payload: Mapping[str, Any], credit: CreditState | None
) -> tuple[CreditState, list[Detection]]:
    """A payer was warned as a victim at a crypto deposit to ``payee``, which had counted
    it as an ordinary payer's: count it as a victim's, and flag the account as a
    pig-butchering deposit account if that makes enough of its payers victims.

    A victim is often warned at the deposit itself (its groomer named by it, or its
    deposits growing), after the deposit account has seen it (tuning seeds 12 and 13:
    two scam deposit accounts whose victims were all warned at or after their first
    deposit there were never flagged).
    """
    credit = credit if credit is not None else CreditState()
    t = float(payload["t"])
    pig = core.by_name.get("pig-butchering")
    if not credit.victim_deposit(str(payload["a"]), t) or pig is None:
        return credit, []
    victims, share = credit.victim_payers(DAY)
    if victims < DEPOSIT_PAYERS or share < DEPOSIT_SHARE:
        return credit, []
    found = core.run(
        Linked(str(payload["e"]), t, "payments"),
        {},
        own=credit,
        entity_id=payee,
        entity_type="account",
        jurisdictions=tuple(payload.get("j", ())),
        reporter=str(payload.get("o", "")),
        learn=False,
        channel="-",
        extra=[_deposit_finding(pig, victims, share)],
    )
    return credit, found
