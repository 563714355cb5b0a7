"""Linked steps: states keyed by what events point at rather than by who sent them.

A device (IMEI) collects the SIMs seen in it (SIM boxes), a URL domain the senders
and recipients of its messages (smishing), a cell or country pair the alerts raised
there (hot spots), and a subscriber's number its contacts, device changes and
payments (victims in progress, SIM swaps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from earlywarn.detectors import Detection, Finding
from earlywarn.features import CreditState, EntityState
from earlywarn.features.linked import DomainState, HotspotState, ImeiState, RingState
from earlywarn.features.victims import SubscriberState
from earlywarn.scoring.checks import Reached
from earlywarn.scoring.credits import process_victim_deposit
from earlywarn.scoring.forward import Linked
from earlywarn.scoring.grooming import WARNED_DEPOSIT
from earlywarn.scoring.victims import process_subscriber, process_suspect

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core


def process_linked(
    core: Core,
    kind: str,
    key: str,
    payload: Mapping[str, Any],
    state: EntityState | None,
    reached: Reached | None = None,
) -> tuple[EntityState, list[Detection]]:
    """Update the ``kind`` state of ``key`` with one forwarded record.

    Kinds: ``imei`` (SIMs per device), ``domain`` (URL domains), ``msisdn`` (the
    subscriber as a potential victim: contacts, device changes, payments),
    ``hotspot`` (alerts per cell or country pair) and ``ring`` (one-ring calls per
    international route). ``reached`` is for ``msisdn``: see
    :func:`~earlywarn.scoring.victims.process_subscriber`.
    """
    ev = Linked(str(payload.get("e", "")), float(payload["t"]), kind, payload.get("c"))
    jur = tuple(payload.get("j", ()))
    reporter = str(payload.get("o", ""))
    if kind == "imei":
        imei = state if isinstance(state, ImeiState) else ImeiState()
        msisdn = str(payload["m"])
        imei.update(ev.event_time, msisdn, ev.event_id)
        feats = imei.features()
        found = core.run(
            ev,
            feats,
            own=imei,
            entity_id=key,
            entity_type="imei",
            jurisdictions=jur,
            reporter=reporter,
            learn=False,
        )
        hit = any(d.typology == "simbox" for d in found) or (
            bool(imei.flagged) and _device_hit(core, feats)
        )
        if hit and imei.flag(msisdn):
            d0 = core.by_name["simbox-device"]
            f = d0.score_one(feats)
            if f is not None:
                sev = d0.severity(f.score)
                sim = (d0.name, d0.typology, "msisdn", f, sev, d0.ttl_s, f"id:{msisdn}")
                found += core.run_hit(ev, sim, own=imei, jurisdictions=jur, reporter=reporter)
        return imei, found
    if kind == "domain":
        dom = state if isinstance(state, DomainState) else DomainState()
        dom.update(
            ev.event_time,
            str(payload["s"]),
            str(payload["r"]),
            ev.event_id,
            bool(payload.get("x")),
        )
        found = core.run(
            ev,
            dom.features(),
            own=dom,
            entity_id=key,
            entity_type="url_domain",
            jurisdictions=jur,
            reporter=reporter,
            learn=False,
        )
        for d in [d for d in found if d.typology == "smishing"]:
            found += _domain_senders(core, dom, d, ev, jur, reporter)
        return dom, found
    if kind == "hotspot":
        hot = state if isinstance(state, HotspotState) else HotspotState()
        hot.update(ev.event_time, str(payload["n"]), str(payload["y"]))
        etype = "cell" if key.startswith("cell:") else "country_pair"
        found = core.run(
            ev,
            hot.features(),
            own=hot,
            entity_id=key.split(":", 1)[1],
            entity_type=etype,
            jurisdictions=jur,
            reporter=reporter,
            learn=False,
            channel="hotspot",
        )
        return hot, found
    if kind == "ring":
        ring = state if isinstance(state, RingState) else RingState()
        caller = str(payload["m"])
        ring.update(ev.event_time, caller, ev.event_id)
        dr = core.by_name.get("wangiri-route")
        rang = None if dr is None else core.found(dr, dr.score_one(ring.features(caller)), caller)
        if rang is None:
            return ring, []
        rang = (*rang[:6], f"id:{caller}")  # about the number that rang, not the route
        return ring, core.run_hit(ev, rang, own=ring, jurisdictions=jur, reporter=reporter)
    if kind == "msisdn":
        sub = state if isinstance(state, SubscriberState) else SubscriberState()
        return sub, process_subscriber(core, sub, ev, payload, jur, reporter, key, reached)
    if kind == "suspect":
        credit = state if isinstance(state, CreditState) else None
        if payload.get("k") == WARNED_DEPOSIT:
            return process_victim_deposit(core, key, payload, credit)
        return process_suspect(core, key, payload, credit)
    raise ValueError(f"unknown linked kind {kind!r}")


def _domain_senders(
    core: Core,
    dom: DomainState,
    d: Detection,
    ev: Linked,
    jur: tuple[str, ...],
    reporter: str,
) -> list[Detection]:
    """A flagged domain's bulk senders are smishing senders too."""
    found: list[Detection] = []
    f = Finding(d.score, d.reasons, "block_number")
    for sender in dom.bulk_senders():
        etype = "msisdn" if sender.startswith("+") else "sender_id"
        hit = ("smishing-domain-sender", "smishing", etype, f, d.severity, d.ttl_s, f"id:{sender}")
        found += core.run_hit(ev, hit, own=dom, jurisdictions=jur, reporter=reporter)
    return found


def _device_hit(core: Core, feats: Mapping[str, float]) -> bool:
    d = core.by_name.get("simbox-device")
    return d is not None and core.found(d, d.score_one(feats)) is not None
