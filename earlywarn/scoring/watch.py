"""What the engine has flagged and what others share: the watchlist side of scoring.

Detections feed the watchlist (``w:`` entries, keyed by an entity's digest) and the
hot spots of their cell and country pair; shared intel arrives as ``i:`` (raw
indicator, by digest) and ``p:`` (pseudonym) entries. The engine reads them back
through :attr:`~earlywarn.scoring.core.Core.lookup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from earlywarn.contract.alert import Explanation
from earlywarn.detectors import Detection, Finding
from earlywarn.features.ids import watch_id
from earlywarn.scoring.forward import forward

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core, Hit

#: Typologies that never feed the watchlist or hot spots (they are about places or are
#: too weak to act on).
NO_WATCH = frozenset(("hotspot", "anomaly"))
#: Detected typologies whose contact with a subscriber puts the subscriber at risk of
#: sending money (Wangiri costs a premium-rate call back, not a transfer).
CONTACT_TYPOLOGIES = frozenset(("impersonation", "smishing", "pig_butchering"))
#: The watchlist group of accounts flagged only for receiving a mule's money: victims
#: pay collectors, not layers, so a layer is not a payee risk, but it is a mule's.
LAYER = "mule-layer"
#: The watchlist group (and detector name) of accounts flagged for sending fresh money
#: on to flagged mules: victims pay such a collector, but paying one makes no one a
#: feeder in turn (or ordinary people who paid a friend would be chained in).
FEEDER = "mule-feeder"
#: The watchlist group (and detector name) of accounts flagged for receiving from several
#: flagged mules: the end of the chain, where nobody is warned for paying it.
SINK = "mule-sink"
#: The watchlist group of accounts that passed most of a first-time payer's money on to
#: several new payees within minutes (:func:`~earlywarn.scoring.collectors.passed_on`):
#: watched without an alert, so that a stranger's first payment to one is held.
PASSER = "mule-passer"


def watch_key(digest: int, group: str) -> str:
    """The watchlist key of an entity's detections of one group (a typology, or
    :data:`LAYER`). One entry per group: a short-lived alert of another typology (a mule
    that is also paying as someone's victim) never hides a long-lived mule flag.

    >>> watch_key(42, "mule")
    'w:42:mule'
    """
    return f"w:{digest}:{group}"


def after(core: Core, found: list[Detection], event: Any, channel: str) -> None:
    """Feed the watchlist and the hot spots with what was just detected."""
    for d in found:
        if d.typology in NO_WATCH:
            continue
        group = d.detector if d.detector in (LAYER, FEEDER, SINK) else d.typology
        core.pending.append(
            forward(
                "watch",
                watch_key(watch_id(d.entity_id), group),
                {"s": d.score, "y": d.typology, "x": d.event_time + d.ttl_s},
            )
        )
        places = []
        cell = getattr(event, "cell_id", None)
        if cell:
            places.append(f"cell:{cell}")
        if len(d.jurisdictions) == 2:
            places.append("route:" + ">".join(d.jurisdictions))
        for place in places:
            core.pending.append(
                forward(
                    "hotspot",
                    place,
                    {
                        "t": d.event_time,
                        "n": d.entity_id,
                        "y": d.typology,
                        "e": d.event_id,
                        "j": list(d.jurisdictions),
                        "o": d.reporter,
                    },
                )
            )


def intel_hit(core: Core, entity: str, t: float) -> Hit | None:
    """A finding when shared intel names ``entity`` and has not expired."""
    hit = core.lookup(f"i:{watch_id(entity)}")
    if not hit and core.pseudonym is not None:
        hit = core.lookup(f"p:{core.pseudonym(entity)}")
    if not hit or float(hit.get("x", 0.0)) < t:
        return None
    conf = float(hit.get("s", 0.0))
    if conf < 0.5:
        return None

    typ = str(hit.get("y") or "intel")
    reason = Explanation(
        feature="shared_intel",
        value=round(conf, 4),
        threshold_or_baseline=0.5,
        detail=f"reported by {hit.get('c', '?')} as {typ} with confidence {conf:.2f}",
    )
    f = Finding(score=conf, reasons=(reason,), recommended_action="warn_customer")
    sev = "high" if conf >= 0.85 else "medium"
    return ("intel", typ, "", f, sev, 24 * 3600.0, "")


def watch_risk(core: Core, digest: int, t: float, groups: frozenset[str]) -> float:
    """Current risk of an entity by its :func:`~earlywarn.features.ids.watch_id`: local
    detections of the watchlist ``groups`` (typologies, :data:`LAYER`) and shared intel,
    which always counts."""
    return max(watch_risks(core, digest, t, groups).values())


def watch_risks(core: Core, digest: int, t: float, groups: frozenset[str]) -> dict[str, float]:
    """Current risk of an entity per watchlist group, shared intel under ``""``: one
    read of each, for a caller that needs the risk over several sets of groups."""
    out = {}
    for group, key in (*((g, watch_key(digest, g)) for g in sorted(groups)), ("", f"i:{digest}")):
        hit = core.lookup(key)
        live = hit is not None and float(hit.get("x", 0.0)) >= t
        out[group] = float(hit.get("s", 0.0)) if live and hit else 0.0
    return out


def contact_risk(core: Core, party: str, found: Sequence[Detection], t: float) -> float:
    """How risky ``party`` is as a contact at ``t``: this event's detections or the watchlist."""
    now = max((d.score for d in found if d.typology in CONTACT_TYPOLOGIES), default=0.0)
    return max(now, watch_risk(core, watch_id(party), t, CONTACT_TYPOLOGIES))
