"""What a late label says of the alerts earlywarn raised on its entity.

Anti-scam centres confirm cases (``scam``, ``mule``, ``victim``) and operators allow-list
numbers and accounts (``legit``) days after the alerts. Counted per alert typology, those
labels are the live precision of the alerts, which a calibration curve
(:mod:`~earlywarn.learning.calibration`) promised, and the labels on entities never
alerted are misses. The pipeline looks the entity up in its alert ledger
(:mod:`~earlywarn.alerts.lifecycle`), the worker exports the outcomes as
``earlywarn_alert_feedback_total`` and a rule warns when labels refute many of a
typology's alerts.
"""

from __future__ import annotations

from collections.abc import Iterable

from earlywarn.contract.events import LabelEvent
from earlywarn.scoring.detections import VICTIM  # the alert typology a victim label confirms

#: The alert typology a ``mule`` label confirms (a ``scam`` label confirms it too).
MULE = "mule"


def label_feedback(ev: LabelEvent, alerted: Iterable[str]) -> list[tuple[str, str]]:
    """``(alert typology, outcome)`` for each typology ``alerted`` on the labelled entity.

    Outcomes: ``confirmed`` (a ``victim`` label on a victim alert, a ``mule`` label on a
    mule alert, a ``scam`` label on any alert but a victim one), ``refuted`` (``legit``),
    ``other`` (a scam of another kind: the entity was in a scam, not as the alert said).
    A ``scam``, ``mule`` or ``victim`` label on an entity with no alert is ``missed``,
    under the typology the label names.

    Examples
    --------
    >>> label = LabelEvent("msisdn", "+66800000001", "scam", "ASC", 10.0, "wangiri")
    >>> label_feedback(label, ["impersonation"])
    [('impersonation', 'confirmed')]
    >>> from dataclasses import replace
    >>> label_feedback(replace(label, label="legit"), ["impersonation", "wangiri"])
    [('impersonation', 'refuted'), ('wangiri', 'refuted')]
    >>> label_feedback(replace(label, label="victim"), ["mule", "victim_in_progress"])
    [('mule', 'other'), ('victim_in_progress', 'confirmed')]
    >>> label_feedback(label, []), label_feedback(replace(label, label="mule"), [])
    ([('wangiri', 'missed')], [('mule', 'missed')])
    >>> label_feedback(replace(label, label="legit"), [])
    []
    """
    typologies = sorted(set(alerted))
    if not typologies:
        if ev.label == "legit":
            return []
        named = {"victim": VICTIM, "mule": MULE}.get(ev.label, ev.typology or "unknown")
        return [(named, "missed")]
    out = []
    for t in typologies:
        if ev.label == "legit":
            outcome = "refuted"
        elif ev.label == "victim":
            outcome = "confirmed" if t == VICTIM else "other"
        elif ev.label == "mule":
            outcome = "confirmed" if t == MULE else "other"
        else:
            outcome = "confirmed" if t != VICTIM else "other"
        out.append((t, outcome))
    return out
