"""Payment steps: the payer's debit side and the payee's credit side of each payment.

The debit side also links the payment to the payer's phone number (``msisdn``), where
the cross-channel ``victim_in_progress`` and SIM-swap checks run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from earlywarn.contract.alert import Explanation
from earlywarn.contract.events import PaymentEvent
from earlywarn.detectors import Detection, Detector, Finding
from earlywarn.features import CreditState, DebitState, EntityState, account_features, key_id
from earlywarn.features.ids import watch_id
from earlywarn.features.payments import CASH_OUT_RAILS, DAY, PASS_SLACK
from earlywarn.features.victims import PUSH_RAILS
from earlywarn.features.window import VALUE, value_sum
from earlywarn.scoring.checks import defer, numbers_of
from earlywarn.scoring.core import countries as _countries
from earlywarn.scoring.forward import Linked, forward
from earlywarn.scoring.models import PAYEE
from earlywarn.scoring.victims import warn_suspects
from earlywarn.scoring.watch import FEEDER, LAYER, SINK, intel_hit, watch_risk, watch_risks

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core, Hit

#: Detected typologies of accounts that victims pay (not :data:`LAYER`: victims pay
#: collectors, and a mule also pays shops and billers, whose every customer would
#: otherwise look a victim).
PAYEE_TYPOLOGIES = frozenset(("mule", "pig_butchering", FEEDER))
#: Accounts whose fresh money passed on makes a layer.
_MULE = frozenset(("mule", LAYER))
_FLAG = frozenset(("mule", FEEDER))
VICTIM = "victim_in_progress"
_VICTIM = frozenset((VICTIM,))
#: A flagged mule's transfer to a new payee within this long of money arriving is layering
LAYER_HOLD_S = 2 * 3600.0
#: when it passes on at least this share of the largest payment that arrived then (a
#: mule's own shopping and bills are small next to the money it moves).
LAYER_SHARE = 0.5
#: Detectors whose mule finding says an account collects from victims (fan-in, the
#: payments label model, feeding a flagged layer); a layer is paid by mules, not victims.
COLLECTOR_DETECTORS = frozenset(("mule", "sup-payments", FEEDER))
#: A payee flagged as a mule from this score on (any mule alert) makes its payer a
#: feeder, which is then flagged at :data:`FEEDER_SCORE`: the split of fresh money is the
#: evidence, not how sure the flag on one payee was.
FEED_RISK = 0.7
FEEDER_SCORE = 0.85
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
#: A cash-out or crypto purchase within this long after an account received suspected
#: victims' payments (ones that followed a call or text from a flagged scam party), of
#: at least :data:`CASHOUT_SHARE` of each, flags the account as a mule once their
#: weights reach :data:`CASHOUT_WEIGHT`: one victim after a call, or two after texts. A
#: scam's collector gets the money out within hours; the suspected victims are warned.
#: A text reaches thousands, and some of them pay a friend who draws cash that day.
CASHOUT_S = 6 * 3600.0
CASHOUT_SHARE = 0.2
CASHOUT_WEIGHT = 1.0
#: The detector name of that finding.
CASHOUT = "mule-cashout"
#: First-time payers of an account flagged as a collector in this long before the flag
#: are warned as victims then (seconds).
COLLECTED_S = 24 * 3600.0


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
    payee = watch_risks(core, watch_id(ev.payee_account), ev.event_time, PAYEE_TYPOLOGIES | _MULE)
    payee_risk = max(payee[g] for g in (*PAYEE_TYPOLOGIES, ""))
    to_mule = max(payee[g] for g in (*_MULE, "")) if push else 0.0
    debit.update(ev, to_mule=to_mule >= FEED_RISK)
    features = account_features(debit, credit)
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
        payer_risk = watch_risk(core, watch_id(ev.payer_account), ev.event_time, _MULE)
        if payer_risk >= 0.85:
            extra.append(_layer_finding(mule, payer_risk))
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
            extra.append(_feeder_finding(mule, mules))
    cashed = []
    if mule is not None and credit is not None and credit.suspects and ev.rail in CASH_OUT_RAILS:
        cashed = credit.cashed_out(ev.event_time, CASHOUT_S, ev.amount, CASHOUT_SHARE)
        if sum(float(row[3]) for row in cashed) >= CASHOUT_WEIGHT:
            extra.append(_cashout_finding(mule, len(cashed)))
        else:
            cashed = []
    vip = core.by_name.get("victim-in-progress")
    if vip is not None and payee_risk > 0 and push and not feeding:
        hit = core.found(
            vip,
            vip.score_one(
                {
                    "payee_risk": payee_risk,
                    "new_payee": features["new_payee"],
                    "amount_vs_max_prior": features["amount_vs_max_prior"],
                }
            ),
            ev.payer_account,
        )
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
        # the escalation is judged on a deposit, and alerts the deposit's payee
        skip=frozenset() if ev.rail == "crypto_onramp" else frozenset(("pig-butchering",)),
    )
    if credit is not None:
        found += _collected(core, ev, ev.payer_account, credit, debit, debit, found)
    if cashed and vip is not None:  # whose money it was: the suspected victims
        warn = vip.score_one({"payee_risk": FEEDER_SCORE, "new_payee": 1.0})
        if warn is not None and warn.score >= core.threshold(vip):
            found += warn_suspects(core, debit, vip, warn, cashed)
    pig = [d for d in found if d.typology == "pig_butchering"]
    if pig and vip is not None:  # the payer of an escalating deposit run is a victim
        f = Finding(pig[0].score, pig[0].reasons, "hold_payment")
        found += _run_extra(core, ev, debit, vip, f, ev.payer_account, jur, ev.institution)
    # Whoever groomed them is to be found by their number, from their first deposit to a
    # new on-ramp on: a late campaign's victims escalate too few times before it is over
    # (tuning seeds 11-13: 4 of the 6 pig-butchering entities missed were groomers).
    started = ev.rail == "crypto_onramp" and bool(features["new_payee"])
    if (pig or started) and ev.payer_msisdn:
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
    return debit, found


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


def process_credit(
    core: Core, ev: PaymentEvent, credit: CreditState | None, debit: DebitState | None
) -> tuple[CreditState, list[Detection]]:
    """Payee side: update the payee's credit state (``debit`` is only read)."""
    credit = credit if credit is not None else CreditState()
    # cash agents and shops serve everyone, mules too
    moves = ev.rail in PUSH_RAILS or ev.rail == "crypto_onramp"
    payer_risk = (
        watch_risk(core, watch_id(ev.payer_account), ev.event_time, _MULE) if moves else 0.0
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
    found += _collected(core, ev, ev.payee_account, credit, debit, credit, found)
    return credit, found


def _collected(
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
    if vip is None or not flagged or watch_risk(core, watch_id(account), ev.event_time, _FLAG):
        return []
    f = vip.score_one({"payee_risk": flagged, "new_payee": 1.0})
    if f is None or f.score < core.threshold(vip):
        return []
    out: list[Detection] = []
    for row in credit.recent_payers(ev.event_time, COLLECTED_S):
        t, payer, reporter, countries = row[0], row[1], row[3], row[4]
        if payer == account or watch_risk(core, watch_id(payer), ev.event_time, _MULE | _FLAG):
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


def _sink_finding(mule: Detector, payers: int) -> Hit:
    """A mule finding on an account paid by ``payers`` distinct flagged mules."""
    detail = f"received money from {payers} accounts flagged as mules in 24 h"
    why = Explanation("mule_payers_24h", float(payers), float(SINK_PAYERS), detail)
    return _mule_hit(mule, SINK, why, FEEDER_SCORE, "freeze_account")


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


def _cashout_finding(mule: Detector, victims: int) -> Hit:
    """A mule finding on an account cashing out ``victims`` suspected victims' money."""
    detail = (
        f"cashed out or bought crypto within {CASHOUT_S / 3600:g} h of receiving money "
        f"from {victims} people just contacted by a flagged scam party"
    )
    why = Explanation("cashed_out_suspects", float(victims), 1.0, detail)
    return _mule_hit(mule, CASHOUT, why, FEEDER_SCORE, "freeze_account")


def _feeder_finding(mule: Detector, paid: int) -> Hit:
    """A mule finding on an account passing fresh money on to ``paid`` flagged mules."""
    detail = f"split money that had just arrived among payees, {paid} of them flagged as mules"
    why = Explanation("mules_paid_2h", float(paid), 1.0, detail)
    return _mule_hit(mule, FEEDER, why, FEEDER_SCORE, "hold_payment")


def _layer_finding(mule: Detector, risk: float) -> Hit:
    """A mule finding on the payee of an account already flagged as a mule."""
    detail = f"received money from an account flagged as a mule (score {risk:.2f})"
    why = Explanation("payer_mule_risk", round(risk, 4), 0.85, detail)
    return _mule_hit(mule, LAYER, why, risk * 0.95, "hold_payment", subject="payee")


def _mule_hit(
    mule: Detector, name: str, why: Explanation, score: float, action: str, subject: str = "self"
) -> Hit:
    """A mule finding named ``name`` (its watchlist group), graded as ``mule`` grades."""
    f = Finding(score=score, reasons=(why,), recommended_action=action)
    return (name, "mule", "account", f, mule.severity(f.score), mule.ttl_s, subject)
