"""Linked steps: states keyed by what events point at rather than by who sent them.

A device (IMEI) collects the SIMs seen in it (SIM boxes), a URL domain the senders
and recipients of its messages (smishing), a cell or country pair the alerts raised
there (hot spots), and a subscriber's number its contacts, device changes and
payments (victims in progress, SIM swaps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from earlywarn.detectors import Detection
from earlywarn.features import EntityState, key_id
from earlywarn.features.linked import DomainState, HotspotState, ImeiState, SubscriberState
from earlywarn.scoring.core import fields_of
from earlywarn.scoring.forward import Linked
from earlywarn.scoring.watch import watch_risk

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core

#: Detected typologies whose contact with a subscriber puts the subscriber at risk.
CONTACT_TYPOLOGIES = frozenset(("impersonation", "smishing", "wangiri", "pig_butchering"))


def process_linked(
    core: Core, kind: str, key: str, payload: Mapping[str, Any], state: EntityState | None
) -> tuple[EntityState, list[Detection]]:
    """Update the ``kind`` state of ``key`` with one forwarded record.

    Kinds: ``imei`` (SIMs per device), ``domain`` (URL domains), ``msisdn`` (the
    subscriber as a potential victim: contacts, device changes, payments) and
    ``hotspot`` (alerts per cell or country pair).
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
        if hit and imei.flag(msisdn) and True:
            d0 = core.by_name["simbox-device"]
            f = d0.score_one(feats)
            if f is not None:
                found += core.run(
                    ev,
                    {},
                    own=imei,
                    entity_id=key,
                    entity_type="msisdn",
                    jurisdictions=jur,
                    reporter=reporter,
                    learn=False,
                    channel="-",
                    extra=[
                        (
                            d0.name,
                            d0.typology,
                            "msisdn",
                            f,
                            d0.severity(f.score),
                            d0.ttl_s,
                            f"id:{msisdn}",
                        )
                    ],
                )
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
    if kind == "msisdn":
        sub = state if isinstance(state, SubscriberState) else SubscriberState()
        return sub, _subscriber(core, sub, ev, payload, jur, reporter)
    raise ValueError(f"unknown linked kind {kind!r}")


def _device_hit(core: Core, feats: Mapping[str, float]) -> bool:
    d = core.by_name.get("simbox-device")
    return d is not None and core.found(d, d.score_one(feats)) is not None


def _subscriber(
    core: Core,
    sub: SubscriberState,
    ev: Linked,
    payload: Mapping[str, Any],
    jur: tuple[str, ...],
    reporter: str,
) -> list[Detection]:
    k, t = payload.get("k"), ev.event_time
    if k == "contact":
        sub.contact(t, str(payload["p"]), float(payload.get("x", 0.0)))
        return []
    if k == "device":
        sub.device(t, str(payload["i"]))
        return []
    new_payee = sub.new_payee(str(payload["b"])) and bool(payload.get("n"))
    risk, when = 0.0, 0.0
    for c_t, digest, score in sub.recent_contacts(t, 3 * 3600.0):
        r = max(score, watch_risk(core, int(digest), t, CONTACT_TYPOLOGIES))
        if r > risk:
            risk, when = r, c_t
    feats = {
        "contact_risk": risk,
        "contact_age_s": t - when if risk > 0 else 86400.0,
        "new_payee": 1.0 if new_payee else 0.0,
        "amount_vs_max_prior": float(payload.get("r", 0.0)),
        "device_change_s": t - sub.device_change[0] if sub.device_change else -1.0,
    }
    account = str(payload["a"])
    found = core.run(
        ev,
        feats,
        own=sub,
        entity_id=account,
        entity_type="account",
        jurisdictions=jur,
        reporter=reporter,
        learn=False,
        channel="subscriber",
    )
    if sub.device_change and any(d.typology == "sim_swap" for d in found):
        swap = next(d for d in found if d.typology == "sim_swap")
        imei = sub.device_change[1]
        ws = core.claim(sub, f"sim_swap>{key_id(imei)}", t, swap.severity)
        if ws is not None:
            found.append(
                Detection(
                    **{
                        **fields_of(swap),
                        "entity_type": "imei",
                        "entity_id": imei,
                        "detector": "sim-swap-device",
                        "window_start": ws,
                    }
                )
            )
    return found
