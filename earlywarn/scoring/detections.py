"""From findings to detections: whom each is about, deduplicated, and device copies.

The last step of :meth:`~earlywarn.scoring.core.Core.run`: each finding (a
:data:`~earlywarn.scoring.core.Hit`) is turned into a
:class:`~earlywarn.detectors.Detection` about the event's entity, the payment's payee or
a named entity, unless the entity's state has already claimed it in this window; a
victim finding on a payment with both numbers is finished at the payer's number instead
(:func:`~earlywarn.scoring.checks.on_payment`); a telco typology's detection is copied
onto the number's device.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from earlywarn.contract.events import CallEvent, PaymentEvent, SmsEvent
from earlywarn.detectors import Detection
from earlywarn.features import EntityState, key_id
from earlywarn.scoring.checks import on_payment
from earlywarn.scoring.forward import Linked

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core, Hit

#: At most this many event ids support one detection.
MAX_EVIDENCE = 20
#: Victim alerts on a payment with both numbers are finished at the payer's number.
VICTIM = "victim_in_progress"
#: Telco typologies whose number's device (IMEI) is alerted too.
DEVICE_TYPOLOGIES = frozenset(("smishing", "impersonation", "wangiri", "simbox"))


def to_detections(
    core: Core,
    event: CallEvent | SmsEvent | PaymentEvent | Linked,
    found: Sequence[Hit],
    *,
    own: EntityState,
    others: Sequence[EntityState],
    entity_id: str,
    entity_type: str,
    jurisdictions: tuple[str, ...],
    reporter: str,
) -> list[Detection]:
    """The detections of ``found`` on ``event``, deduplicated in ``own`` (and
    ``others``, whose evidence they cite too)."""
    evidence = [i for s in (*others, own) for i in s.evidence_ids()]
    out: list[Detection] = []
    for name, typology, etype, f, severity, ttl, subject in found:
        eid, et, claim = entity_id, etype or entity_type, typology
        if subject == "payee" and isinstance(event, PaymentEvent):
            eid, et, claim = event.payee_account, "account", f"{typology}>{key_id(eid)}"
        elif subject.startswith("id:"):
            eid, claim = subject[3:], f"{typology}>{key_id(subject[3:])}"
        hit = (name, typology, et, f, severity, ttl, subject)
        if typology == VICTIM and on_payment(core, event, eid, hit, reporter, jurisdictions):
            continue  # finished at the payer's number: does the payer know the payee?
        ws = core.claim(own, claim, event.event_time, severity, others)
        if ws is None:
            continue
        out.append(
            Detection(
                detector=name,
                typology=typology,
                entity_type=et,
                entity_id=eid,
                score=f.score,
                confidence=core.confidence(name, typology, f.score),
                severity=severity,
                reasons=f.reasons,
                recommended_action=f.recommended_action,
                event_id=str(event.event_id),
                event_time=event.event_time,
                evidence_event_ids=tuple(evidence)[-MAX_EVIDENCE:],
                window_start=ws,
                ttl_s=ttl,
                jurisdictions=jurisdictions,
                reporter=reporter,
                channel=event.channel,
                model_version=core.model_version,
            )
        )
    imei = getattr(event, "caller_imei", None) or getattr(event, "sender_imei", None)
    for det in list(out):
        if imei and det.typology in DEVICE_TYPOLOGIES and det.entity_type != "imei":
            claim = f"{det.typology}>{key_id(imei)}"
            ws = core.claim(own, claim, event.event_time, det.severity)
            if ws is not None:
                out.append(
                    Detection(
                        **{
                            **fields_of(det),
                            "entity_type": "imei",
                            "entity_id": imei,
                            "detector": f"{det.detector}-device",
                            "window_start": ws,
                            "confidence": core.confidence(
                                f"{det.detector}-device", det.typology, det.score
                            ),
                        }
                    )
                )
    return out


def fields_of(d: Detection) -> dict[str, Any]:
    """A detection's fields, to copy it onto another entity."""
    return {f: getattr(d, f) for f in Detection.__dataclass_fields__}
