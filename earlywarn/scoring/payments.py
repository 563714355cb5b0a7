"""Payment steps: the payer's debit side of each payment, and the payment constants.

The debit side also links the payment to the payer's phone number (``msisdn``), where
the cross-channel ``victim_in_progress`` and SIM-swap checks run. The payee's credit side
is :mod:`~earlywarn.scoring.credits`; warning a collector's earlier payers,
:mod:`~earlywarn.scoring.collectors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from earlywarn.contract.alert import Explanation
from earlywarn.contract.events import PaymentEvent
from earlywarn.detectors import Detection, Detector, Finding
from earlywarn.features import CreditState, DebitState, EntityState, account_features, key_id
from earlywarn.features.ids import watch_id
from earlywarn.features.payments import CASH_OUT_RAILS, PASS_SLACK
from earlywarn.features.victims import PUSH_RAILS
from earlywarn.features.window import VALUE, value_sum
from earlywarn.scoring.collectors import (
    LAYER_HOLD_S,
    LAYER_SHARE,
    MULES,
    mark_passer,
    passed_on,
    warn_earlier_payers,
)
from earlywarn.scoring.core import countries as _countries
from earlywarn.scoring.forward import forward
from earlywarn.scoring.grooming import warned_deposit
from earlywarn.scoring.mule_hits import (
    CASHOUT_S,
    CASHOUT_SHARE,
    CASHOUT_WEIGHT,
    FEED_RISK,
    FEEDER_SCORE,
    cashout_finding,
    feeder_finding,
    layer_finding,
)
from earlywarn.scoring.victims import warn_suspects
from earlywarn.scoring.watch import FEEDER, PASSER, intel_hit, watch_risk, watch_risks

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core

#: Detected typologies of accounts that victims pay (not :data:`LAYER`: victims pay
#: collectors, and a mule also pays shops and billers, whose every customer would
#: otherwise look a victim).
PAYEE_TYPOLOGIES = frozenset(("mule", "pig_butchering", FEEDER))
#: What :func:`process_debit` reads of a payee's watchlist entries.
_PAYEE_GROUPS = PAYEE_TYPOLOGIES | MULES | {PASSER}
_PASSER = frozenset((PASSER,))
VICTIM = "victim_in_progress"
#: A crypto deposit at least 1.2x the one before it, in a run this long, is "growing".
GROWING_STEPS = 2.0


def process_debit(
    core: Core, ev: PaymentEvent, debit: DebitState | None, credit: CreditState | None
) -> tuple[DebitState, list[Detection]]:
    """Payer side: update the payer's debit state (``credit`` is only read).

    The payments anomaly model scores and learns here only, on debit-side features,
    so its sequence is the payer topic's order. A payment to a payee already flagged
    (mule, scam deposit account) raises ``victim_in_progress`` on the payer here.
    """
    debit = debit if debit is not None else DebitState()
    push = ev.rail in PUSH_RAILS
    # the payee's watchlist entries, read once for both uses below
    payee = watch_risks(core, watch_id(ev.payee_account), ev.event_time, _PAYEE_GROUPS)
    flagged = max(payee[g] for g in (*PAYEE_TYPOLOGIES, ""))
    payee_risk = max(flagged, payee[PASSER])
    to_mule = max(payee[g] for g in (*MULES, "")) if push else 0.0
    debit.update(ev, to_mule=to_mule >= FEED_RISK)
    features = account_features(debit, credit)
    if push and credit is not None and features["new_payee"]:
        passed = passed_on(credit, debit, ev.event_time)
        me = watch_id(ev.payer_account)
        if passed is not None and not watch_risk(core, me, ev.event_time, _PASSER):
            mark_passer(core, ev.payer_account, ev.event_time)
    extra = []
    for entity in (ev.payer_account, ev.payee_account):
        intel = intel_hit(core, entity, ev.event_time)
        if intel and entity == ev.payer_account:
            extra.append(intel)
    mule = core.by_name.get("mule")
    # Only a push transfer passes money on: a merchant paid by card or a cash-out agent
    # serves everyone, and being paid by a mule doesn't make it one. So does only money
    # that just arrived, most of it: a recruited mule's own bills, shops and friends are
    # not layers.
    fresh = credit.window.select(LAYER_HOLD_S, ev.event_time) if credit is not None else ()
    largest = max((e[VALUE] for e in fresh), default=0.0)
    passing = largest > 0.0 and ev.amount >= LAYER_SHARE * largest
    if mule is not None and features["new_payee"] and push and passing:
        payer_risk = watch_risk(core, watch_id(ev.payer_account), ev.event_time, MULES)
        if payer_risk >= 0.85:
            extra.append(layer_finding(mule, payer_risk))
    # money that just arrived, most of it sent on within 2 h, at least once to a flagged
    # mule, and split among payees or collected from several payers: the collector
    # upstream of a layer, not its victim (a victim pays from savings). One payer and one
    # payee is left alone: someone who borrowed to pay a scammer is a victim.
    feeding = False
    if mule is not None and push and largest > 0.0:
        mules, payees, sent, to_mules = debit.sent_on(LAYER_HOLD_S)
        split = max(mules, payees, features["fan_in_24h"]) >= 2
        # paid from the fresh money, not from savings (a victim with a small credit in)
        own_money = to_mules > PASS_SLACK * value_sum(fresh)
        feeding = mules > 0 and split and sent >= LAYER_SHARE * largest and not own_money
        if feeding:
            extra.append(feeder_finding(mule, mules))
    cashed = []
    if mule is not None and credit is not None and credit.suspects and ev.rail in CASH_OUT_RAILS:
        cashed = credit.cashed_out(ev.event_time, CASHOUT_S, ev.amount, CASHOUT_SHARE)
        if sum(float(row[3]) for row in cashed) >= CASHOUT_WEIGHT:
            extra.append(cashout_finding(mule, len(cashed)))
        else:
            cashed = []
    vip = core.by_name.get("victim-in-progress")
    if vip is not None and payee_risk > 0 and push and not feeding:
        f = vip.score_one(
            {
                "payee_risk": payee_risk,
                "new_payee": features["new_payee"],
                "amount_vs_max_prior": features["amount_vs_max_prior"],
            }
        )
        if f is not None and payee[PASSER] > flagged:
            f = Finding(f.score, (*f.reasons, _PASSER_WHY), f.recommended_action)
        hit = core.found(vip, f, ev.payer_account)
        if hit is not None:
            extra.append(hit)
    jur = _countries(ev.payer_country, ev.payee_country)
    found = core.run(
        ev,
        features,
        own=debit,
        others=(credit,) if credit is not None else (),
        entity_id=ev.payer_account,
        entity_type="account",
        jurisdictions=jur,
        reporter=ev.institution,
        anomaly_features=debit.features(),
        extra=extra,
        # the escalation is judged on a deposit below; it warns the payer only
        skip=_ESCALATION,
    )
    if credit is not None:
        found += warn_earlier_payers(core, ev, ev.payer_account, credit, debit, debit, found)
    if cashed and vip is not None:  # whose money it was: the suspected victims
        warn = vip.score_one({"payee_risk": FEEDER_SCORE, "new_payee": 1.0})
        if warn is not None and warn.score >= core.threshold(vip):
            found += warn_suspects(core, debit, vip, warn, cashed)
    deposit = ev.rail == "crypto_onramp"
    pig = _escalating(core, features, ev.payer_account) if deposit else None
    if pig is not None and vip is not None:  # the payer of an escalating deposit run
        f = Finding(pig.score, pig.reasons, "hold_payment")
        found += _run_extra(core, ev, debit, vip, f, ev.payer_account, jur, ev.institution)
    # Whoever groomed them is to be found by their number, from their first deposit to a
    # new on-ramp on: a late campaign's victims escalate too few times before it is over
    # (tuning seeds 11-13: 4 of the 6 pig-butchering entities missed were groomers).
    # A deposit that grows on the one before says so ("g"): a groomer who only texts its
    # victims is named by two of them whose deposits grow (see PigGroomerDetector).
    started = deposit and bool(features["new_payee"])
    grows = deposit and features["crypto_steps"] >= GROWING_STEPS
    if (pig is not None or started or grows) and ev.payer_msisdn:
        core.pending.append(
            forward(
                "msisdn",
                ev.payer_msisdn,
                {
                    "k": "pig",
                    "t": ev.event_time,
                    "e": ev.event_id,
                    "o": ev.institution,
                    "j": list(jur),
                    "a": ev.payer_account,
                    "p": ev.payee_account,
                    "g": int(grows),
                },
            )
        )
    if ev.payer_msisdn:
        core.pending.append(
            forward(
                "msisdn",
                ev.payer_msisdn,
                {
                    "k": "pay",
                    "t": ev.event_time,
                    "e": ev.event_id,
                    "o": ev.institution,
                    "j": list(jur),
                    "a": ev.payer_account,
                    "b": ev.payee_account,
                    "n": features["new_payee"],
                    "r": features["amount_vs_max_prior"],
                    "w": ev.rail in PUSH_RAILS,
                    **({"m": ev.payee_msisdn} if ev.payee_msisdn else {}),
                },
            )
        )
    if deposit and any(d.typology == VICTIM and d.entity_id == ev.payer_account for d in found):
        # the payee counted this deposit before its payer was warned at it
        core.pending.append(
            warned_deposit(
                ev.payee_account,
                ev.event_time,
                ev.event_id,
                ev.payer_account,
                ev.institution,
                list(jur),
            )
        )
    return debit, found


#: The escalation detector: run apart, on deposits (see :func:`_escalating`).
_ESCALATION = frozenset(("pig-butchering",))


def _escalating(core: Core, features: dict[str, float], payer: str) -> Finding | None:
    """The escalation finding on a deposit by ``payer`` from its growing run, if any.

    It warns the payer as a victim and flags no deposit account by itself: an exchange
    is paid by many people, some of whose deposits grow by chance (tuning seed 11 with
    ordinary crypto buyers: an exchange flagged by one buyer's third growing deposit,
    then 17 of its other buyers warned for paying it). The account learns of the warning
    (:func:`~earlywarn.scoring.grooming.warned_deposit`) and is flagged once warned
    victims are two and half its payers.
    """
    d = core.by_name.get("pig-butchering")
    hit = None if d is None else core.found(d, d.score_one(features), payer)
    return None if hit is None else hit[3]


_PASSER_WHY = Explanation(
    "payee_passed_on",
    1.0,
    1.0,
    "the payee sent most of another first-time payer's money on to several new payees "
    "within minutes of it arriving, as a collecting mule does",
)


def _run_extra(
    core: Core,
    ev: PaymentEvent,
    own: EntityState,
    d: Detector,
    f: Finding,
    entity: str,
    jur: tuple[str, ...],
    reporter: str,
) -> list[Detection]:
    ws = core.claim(own, f"{d.typology}>{key_id(entity)}", ev.event_time, d.severity(f.score))
    if ws is None:
        return []
    det = Detection(
        detector=d.name,
        typology=d.typology,
        entity_type="account",
        entity_id=entity,
        score=f.score,
        confidence=core.confidence(d.name, d.typology, f.score),
        severity=d.severity(f.score),
        reasons=f.reasons,
        recommended_action=f.recommended_action,
        event_id=ev.event_id,
        event_time=ev.event_time,
        evidence_event_ids=tuple(own.evidence_ids()),
        window_start=ws,
        ttl_s=d.ttl_s,
        jurisdictions=jur,
        reporter=reporter,
        channel=ev.channel,
        model_version=core.model_version,
    )
    return [det]
