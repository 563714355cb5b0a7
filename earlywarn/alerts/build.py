"""Turn detections into contract alerts with deterministic ids."""

from __future__ import annotations

import hashlib

from earlywarn.contract.alert import Alert
from earlywarn.detectors.base import Detection


def alert_id_for(detector: str, entity_type: str, entity_id: str, window_start: float) -> str:
    """Deterministic alert id from the detector, the entity and the window.

    Replays and redeliveries of the same events give the same id.

    >>> alert_id_for("wangiri", "msisdn", "+2348012345678", 0.0) == alert_id_for(
    ...     "wangiri", "msisdn", "+2348012345678", 0.0)
    True
    """
    material = f"v1|{detector}|{entity_type}|{entity_id}|{int(window_start)}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def build_alert(detection: Detection, *, created_time: float) -> Alert:
    """The full (operator) alert for one detection."""
    return Alert(
        alert_id=alert_id_for(
            detection.detector,
            detection.entity_type,
            detection.entity_id,
            detection.window_start,
        ),
        created_time=created_time,
        event_time=detection.event_time,
        entity_type=detection.entity_type,
        entity_id=detection.entity_id,
        typology=detection.typology,
        severity=detection.severity,
        score=detection.score if detection.confidence is None else detection.confidence,
        reasons=detection.reasons,
        recommended_action=detection.recommended_action,
        evidence_event_ids=detection.evidence_event_ids,
        jurisdictions=detection.jurisdictions,
        model_version=dict(detection.model_version),
        expires_time=detection.event_time + detection.ttl_s,
        reporter=detection.reporter,
        channel=detection.channel,
        extra={
            "trigger_event_id": detection.event_id,
            "detector": detection.detector,
            **({} if detection.confidence is None else {"raw_score": round(detection.score, 4)}),
        },
    )
