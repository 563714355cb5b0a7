"""Pig butchering on the subscriber's state: the groomer behind crypto depositors.

A payer's first deposit to a new crypto on-ramp, or a deposit that grows on the one
before, is sent to the payer's number as a ``pig`` record (:func:`process_deposit`). The
number passes it on, as ``groomed``, to whoever held long first calls with it, or first
texted it without a link, in the week before its deposits began; a number tied so to
three depositors, or to two whose deposits grow, is flagged as their groomer
(:func:`process_groomed`, the ``pig-groomer`` detector). Once a groomer is flagged, the
depositors it talked to are warned as victims in progress, the earlier ones at the last
deposit it heard of from each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from earlywarn.contract.alert import Explanation
from earlywarn.detectors import Detection, Finding
from earlywarn.features import key_id
from earlywarn.features.ids import watch_id
from earlywarn.features.victims import SubscriberState
from earlywarn.scoring.checks import VICTIM_DETECTOR
from earlywarn.scoring.forward import Forward, Linked, forward
from earlywarn.scoring.watch import watch_risk

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core

#: The watchlist group of a number flagged as a pig-butchering groomer.
PIG = frozenset(("pig_butchering",))
#: The fields of a ``pig`` record a groomer keeps to warn a victim at later: payer
#: account, deposit account, reporter, jurisdictions. Without them, a victim whose
#: deposits stopped before its groomer was named was never warned, and the deposit
#: account it paid never flagged (tuning seed 12: one victim, and one of two accounts).
_DEPOSIT = ("a", "p", "o", "j")


def process_deposit(
    core: Core, sub: SubscriberState, ev: Linked, payload: Mapping[str, Any]
) -> list[Detection]:
    """A ``pig`` record: tell whoever groomed this subscriber, and warn the depositor
    if one of them is a flagged groomer already.

    A groomer's first contact comes before its victim's deposits start: a number that
    first texted someone already depositing is a friend of a crypto buyer (tuning seed
    12 with ordinary crypto buyers: a number that first texted two buyers after their
    first deposits, both of whom later paid more, was taken for their groomer). And a
    groomer keeps in touch: a number in touch only once by then is told so (``s``), and
    the depositor counts half towards naming it (see
    :meth:`~earlywarn.features.victims.SubscriberState.groom`)."""
    groomer = 0.0
    start = sub.deposit(ev.event_time)
    for party, (called, contacts) in sub.ties_before(start, sub.groom_span_s).items():
        body = {**payload, "k": "groomed", "v": key_id(str(payload["a"]))}
        body |= {"c": int(called), **({} if contacts >= 2 else {"s": 1})}
        core.pending.append(forward("msisdn", party, body))
        groomer = max(groomer, watch_risk(core, watch_id(party), ev.event_time, PIG))
    return _groomed_victim(core, sub, ev, payload, groomer)


def process_groomed(
    core: Core,
    sub: SubscriberState,
    ev: Linked,
    payload: Mapping[str, Any],
    jur: tuple[str, ...],
    reporter: str,
    key: str,
) -> list[Detection]:
    """A ``groomed`` record: one more depositor this number called or chatted with first;
    the depositor is warned if that flags the number."""
    # records from before chats counted came from long calls only
    called, grows = bool(payload.get("c", 1)), bool(payload.get("g", 0))
    at = [ev.event_time, ev.event_id, *(payload.get(k) for k in _DEPOSIT)]
    single = bool(payload.get("s", 0))
    n, by_call, growing = sub.groom(
        ev.event_time, int(payload["v"]), called, grows, at, single=single
    )
    feats = {"groomed_victims": n, "groomed_by_call": by_call, "groomed_growing": growing}
    found = core.run(
        ev,
        {k: float(v) for k, v in feats.items()},
        own=sub,
        entity_id=key,
        entity_type="msisdn",
        jurisdictions=jur,
        reporter=reporter,
        learn=False,
        channel="groomer",
    )
    flagged = max((d.score for d in found if d.typology == "pig_butchering"), default=0.0)
    found += _groomed_victim(core, sub, ev, payload, flagged)
    if flagged:  # its earlier victims, at their last deposit it heard of
        for row in sub.groomed:
            if row[1] != int(payload["v"]) and len(row) > 4:
                t, event_id, *rest = row[4]
                earlier = Linked(str(event_id), float(t), "payments")
                kept = {k: v for k, v in zip(_DEPOSIT, rest, strict=False) if v is not None}
                found += _groomed_victim(core, sub, earlier, kept, flagged)
    return found


#: The ``suspect`` record kind that tells a deposit account one of its payers was
#: warned as a victim at a deposit it made there (see
#: :func:`earlywarn.scoring.credits.process_victim_deposit`).
WARNED_DEPOSIT = "deposit"


def warned_deposit(
    payee: str, t: float, event_id: str, payer: str, reporter: str, jur: list[str]
) -> Forward:
    """The record telling crypto on-ramp account ``payee`` that ``payer`` was warned as a
    victim at the deposit ``event_id``: the account counts it as a victim's after all."""
    body = {"k": WARNED_DEPOSIT, "t": t, "e": event_id, "a": payer, "o": reporter, "j": jur}
    return forward("suspect", payee, body)


def _groomed_victim(
    core: Core, own: SubscriberState, ev: Linked, payload: Mapping[str, Any], groomer: float
) -> list[Detection]:
    """A victim alert on the account of a ``pig`` record whose holder held long first
    calls with a number flagged as a groomer (``groomer``: its score; 0 for none),
    deduplicated in ``own``.

    Once a groomer is named, each of its victims is warned at their next deposit to a
    new on-ramp, and the one whose deposit named it at once, instead of only after three
    growing deposits (tuning seeds 11-14: 5 pig-butchering victims never warned).
    """
    vip = core.by_name.get(VICTIM_DETECTOR)
    if vip is None or groomer < core.threshold(vip):
        return []
    why = Explanation(
        feature="groomer_risk",
        value=round(groomer, 4),
        threshold_or_baseline=core.threshold(vip),
        detail="sent money to a crypto on-ramp after long first calls or chats from a number "
        f"flagged as a pig-butchering groomer (score {groomer:.2f})",
    )
    f = Finding(score=groomer, reasons=(why,), recommended_action="hold_payment")
    account = str(payload["a"])
    hit = (vip.name, vip.typology, "account", f, vip.severity(groomer), vip.ttl_s)
    paid = Linked(ev.event_id, ev.event_time, "payments")
    jur, reporter = tuple(payload.get("j", ())), str(payload.get("o", ""))
    hit_id = (*hit, f"id:{account}")
    found = core.run_hit(paid, hit_id, own=own, jurisdictions=jur, reporter=reporter)
    if found and payload.get("p"):
        deposit = str(payload["p"])
        at = warned_deposit(deposit, ev.event_time, ev.event_id, account, reporter, [*jur])
        core.pending.append(at)
    return found
