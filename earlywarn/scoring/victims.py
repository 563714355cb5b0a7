"""Cross-channel fusion: victims in progress, SIM swaps, and the accounts victims pay.

A subscriber's state (keyed by msisdn) sees the contacts its number received and the
payments of its accounts. A push payment to a first-time payee within
:attr:`~earlywarn.detectors.VictimInProgressDetector.window_s` after a live call from a
party scored risky is a victim in progress, whichever of the two records arrived first.
A message with a link is weaker evidence (scam texts reach thousands who pay new payees
for ordinary reasons), so such payments, like the call-linked ones, are re-keyed onto
the payee as *suspects*; when several suspected victims pay one account, that account is
flagged as a mule and each of its suspected victims as a victim in progress. A payment
to someone the payer knows is neither (:mod:`earlywarn.scoring.checks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from earlywarn.contract.alert import Explanation
from earlywarn.detectors import Detection, Detector, Finding
from earlywarn.features import CreditState, EntityState, key_id
from earlywarn.features.victims import CALL, CHAT, SubscriberState
from earlywarn.scoring.checks import VICTIM_DETECTOR, Reached, knows_payee, process_check
from earlywarn.scoring.detections import fields_of
from earlywarn.scoring.forward import Linked, forward
from earlywarn.scoring.grooming import process_deposit, process_groomed
from earlywarn.scoring.watch import CONTACT_TYPOLOGIES, watch_risk

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core

#: Contacts older than this before a payment are not linked to it (seconds).
WINDOW_S = 3 * 3600.0
#: A payer whose contact was at least this risky is reported to the payee as a suspect.
SUSPECT_RISK = 0.5
#: Weight of a suspect whose risky contact was only a message (a call weighs 1).
SMS_WEIGHT = 0.7
#: A first call this long (seconds) is a conversation a groomer might have held.
LONG_CALL_S = 300.0


def process_subscriber(
    core: Core,
    sub: SubscriberState,
    ev: Linked,
    payload: Mapping[str, Any],
    jur: tuple[str, ...],
    reporter: str,
    key: str = "",
    reached: Reached | None = None,
) -> list[Detection]:
    """One contact, device change, payment or grooming record of subscriber ``key``.

    ``reached`` returns the ``key_id`` of the numbers this one has called or texted
    (its caller and sender states, read lazily): a payee whose number is among them, or
    who phoned this one, is someone the payer knows (:func:`knows_payee`).
    """
    k, t = payload.get("k"), ev.event_time
    if k == "contact":
        kind = float(payload.get("v", CALL))
        party = str(payload["p"])
        if kind == CHAT:  # a possible groomer, nothing more
            again = bool(payload.get("n"))
            if not again:
                sub.texted(t, party)
            if again or sub.knows(party):  # its second contact, text or call
                sub.texted_again(t, party)
            return []
        sub.contact(t, party, float(payload.get("x", 0.0)), kind)
        if kind == CALL:
            sub.acquaint(party)
            sub.texted_again(t, party)  # a call after a first chat
            if float(payload.get("d", 0.0)) >= LONG_CALL_S:
                sub.talked(t, party)
        found: list[Detection] = []
        for pay in sub.pays_after(t, WINDOW_S):  # the contact arrived after its payment
            found += _judge(core, sub, pay, key, late=True, reached=reached)
        return found
    if k == "flag":  # a party that contacted this subscriber at ``t`` was flagged since
        sub.flag(t, str(payload["p"]), float(payload.get("x", 0.0)))
        found = []
        for pay in sub.pays_after(t, WINDOW_S):
            found += _judge(core, sub, pay, key, late=True, reached=reached)
        return found
    if k == "check":  # a victim finding made elsewhere, on one of this number's payments
        return process_check(core, sub, payload, key, reached)
    if k == "vet":  # from an earlier worker (see _vetted)
        return _vetted(core, sub, ev, payload, jur, reporter)
    if k == "device":
        sub.device(t, str(payload["i"]))
        return []
    if k == "pig":  # this subscriber started or escalates crypto deposits: who groomed them?
        return process_deposit(core, sub, ev, payload)
    if k == "groomed":
        return process_groomed(core, sub, ev, payload, jur, reporter, key)
    new_payee = sub.new_payee(str(payload["b"])) and bool(payload.get("n"))
    push = bool(payload.get("w", True))
    ratio = float(payload.get("r", 0.0))
    account, payee = str(payload["a"]), str(payload["b"])
    to = str(payload.get("m", ""))  # the payee's number, when known
    pay = sub.pay(t, account, payee, ev.event_id, new_payee, push, ratio, reporter, jur, to)
    return _judge(core, sub, pay, key, late=False, reached=reached)


def _judge(
    core: Core,
    sub: SubscriberState,
    pay: list[Any],
    key: str,
    *,
    late: bool,
    reached: Reached | None = None,
) -> list[Detection]:
    """Detections for one kept payment, against the contacts before it.

    A payment to someone the payer knows (:func:`knows_payee`) raises no
    victim-in-progress alert after a risky contact, and is not reported to the payee
    as a suspect.
    """
    t, account, payee, event_id, new_payee, push, ratio, reporter, jur = pay[:9]
    known = knows_payee(sub, key, str(pay[9]) if len(pay) > 9 else "", reached)
    call_risk, sms_risk, when = 0.0, 0.0, 0.0
    for c_t, digest, score, kind in sub.recent_contacts(t, WINDOW_S):
        r = max(score, watch_risk(core, int(digest), t, CONTACT_TYPOLOGIES))
        if kind == CALL and r > call_risk:
            call_risk, when = r, c_t
        sms_risk = max(sms_risk, r) if kind != CALL else sms_risk
    linked = push and new_payee
    feats = {
        "contact_risk": call_risk if push else 0.0,
        "contact_age_s": t - when if call_risk > 0 else 86400.0,
        "new_payee": float(new_payee),
        "amount_vs_max_prior": ratio,
        "device_change_s": -1.0 if late or not sub.device_change else t - sub.device_change[0],
    }
    ev = Linked(event_id, t, "msisdn")
    found = core.run(
        ev,
        feats,
        own=sub,
        entity_id=account,
        entity_type="account",
        jurisdictions=tuple(jur),
        reporter=reporter,
        learn=False,
        channel="subscriber",
        skip=frozenset((VICTIM_DETECTOR,)) if known else frozenset(),
    )
    if linked and not known and max(call_risk, sms_risk) >= SUSPECT_RISK:
        # A live call is personal; a text with a link went to thousands: it counts less.
        weight = 1.0 if call_risk >= SUSPECT_RISK else SMS_WEIGHT
        core.pending.append(
            forward("suspect", payee, _suspect(t, event_id, account, weight, reporter, jur))
        )
    if not late and sub.device_change and any(d.typology == "sim_swap" for d in found):
        found += _swap_device(core, sub, found, t)
        if push:  # a shop paid by card after the swap is no mule
            found += _swap_payee(core, sub, found, payee, Linked(event_id, t, "payments"))
    return found


def _suspect(
    t: float, event_id: str, account: str, weight: float, reporter: str, jur: Sequence[str]
) -> dict[str, Any]:
    """The payload that reports a suspected victim's payment to its payee."""
    return {"t": t, "e": event_id, "a": account, "r": weight, "o": reporter, "j": list(jur)}


def _vetted(
    core: Core,
    sub: SubscriberState,
    ev: Linked,
    payload: Mapping[str, Any],
    jur: tuple[str, ...],
    reporter: str,
) -> list[Detection]:
    """Finish a payer's victim check at the payee's number, for ``vet`` records written
    by earlier workers (the check is now :func:`knows_payee`, at the payer's own
    number): nothing when the payer's number phoned this one before,
    else the victim-in-progress alert on the payer's account and the suspect report to
    the payee's account. Kept so that records in flight across an upgrade are judged.
    """
    if sub.knows(str(payload["p"])):
        return []
    t, account = float(payload["t"]), str(payload["a"])
    weight = float(payload.get("r", 0.0))
    if weight:
        body = _suspect(t, ev.event_id, account, weight, reporter, jur)
        core.pending.append(forward("suspect", str(payload["b"]), body))
    vip = core.by_name.get(VICTIM_DETECTOR)
    hit = None if vip is None else core.found(vip, vip.score_one(payload["x"]), account)
    if hit is None:
        return []
    return core.run_hit(
        ev, (*hit[:6], f"id:{account}"), own=sub, jurisdictions=jur, reporter=reporter
    )


def _swap_payee(
    core: Core, sub: SubscriberState, found: Sequence[Detection], payee: str, paid: Linked
) -> list[Detection]:
    """A mule alert on the payee of a taken-over account's transfer.

    A SIM-swap drain goes to a mule that only a few takeovers pay (on the tuning seeds
    one to three, under any fan-in gate), so the mule detectors missed nearly all of
    them; the takeover itself is the evidence.
    """
    swap = next(d for d in found if d.typology == "sim_swap")
    detector = core.by_name.get(swap.detector)
    reason = Explanation(
        feature="payer_takeover",
        value=round(swap.score, 4),
        threshold_or_baseline=core.threshold(detector) if detector is not None else 0.0,
        detail=f"received a transfer from an account just taken over by a SIM swap "
        f"(score {swap.score:.2f})",
    )
    f = Finding(score=swap.score * 0.95, reasons=(reason,), recommended_action="hold_payment")
    mule = core.by_name.get("mule")
    sev = mule.severity(f.score) if mule is not None else swap.severity
    hit = ("sim-swap-payee", "mule", "account", f, sev, 72 * 3600.0, f"id:{payee}")
    return core.run_hit(
        paid, hit, own=sub, jurisdictions=swap.jurisdictions, reporter=swap.reporter
    )


def _swap_device(
    core: Core, sub: SubscriberState, found: Sequence[Detection], t: float
) -> list[Detection]:
    """The SIM-swap alert again, on the new device."""
    assert sub.device_change is not None
    swap = next(d for d in found if d.typology == "sim_swap")
    imei = sub.device_change[1]
    ws = core.claim(sub, f"sim_swap>{key_id(imei)}", t, swap.severity)
    if ws is None:
        return []
    return [
        Detection(
            **{
                **fields_of(swap),
                "entity_type": "imei",
                "entity_id": imei,
                "detector": "sim-swap-device",
                "window_start": ws,
                "confidence": core.confidence("sim-swap-device", swap.typology, swap.score),
            }
        )
    ]


def process_suspect(
    core: Core, payee: str, payload: Mapping[str, Any], state: CreditState | None
) -> tuple[CreditState, list[Detection]]:
    """A suspected victim paid ``payee``: flag a payee that several of them paid."""
    credit = state if state is not None else CreditState()
    t = float(payload["t"])
    jur = tuple(payload.get("j", ()))
    reporter = str(payload.get("o", ""))
    credit.suspect(t, str(payload["a"]), str(payload["e"]), float(payload["r"]), reporter, jur)
    n, share = credit.suspect_share(t)  # n: weighted count
    ev = Linked(str(payload["e"]), t, "payments")
    found = core.run(
        ev,
        {"suspect_payers_24h": float(n), "suspect_share": share},
        own=credit,
        entity_id=payee,
        entity_type="account",
        jurisdictions=jur,
        reporter=reporter,
        learn=False,
        channel="suspect",
    )
    flagged = max((d.score for d in found if d.typology == "mule"), default=0.0)
    if not flagged and "mule-victims" in core.by_name:
        d0 = core.by_name["mule-victims"]
        f0 = d0.score_one({"suspect_payers_24h": float(n), "suspect_share": share})
        flagged = f0.score if f0 is not None and f0.score >= core.threshold(d0) else 0.0
    vip = core.by_name.get("victim-in-progress")
    f = (
        None
        if vip is None or not flagged
        else vip.score_one({"payee_risk": flagged, "new_payee": 1.0})
    )
    if vip is None or f is None or f.score < core.threshold(vip):
        return credit, found
    return credit, found + warn_suspects(core, credit, vip, f, credit.suspects)


def warn_suspects(
    core: Core, own: EntityState, vip: Detector, f: Finding, rows: Sequence[Sequence[Any]]
) -> list[Detection]:
    """Victim-in-progress alerts (finding ``f``) on the payers of suspect ``rows`` (see
    :meth:`CreditState.suspect`), each at its own payment, deduplicated in ``own``."""
    out: list[Detection] = []
    for s_t, payer, event_id, _weight, reporter, jur in rows:
        hit = (vip.name, vip.typology, "account", f, vip.severity(f.score), vip.ttl_s)
        paid = Linked(str(event_id), float(s_t), "payments")
        out += core.run_hit(
            paid, (*hit, f"id:{payer}"), own=own, jurisdictions=tuple(jur), reporter=str(reporter)
        )
    return out
