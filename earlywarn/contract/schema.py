"""JSON Schema of the alert record, generated from :class:`earlywarn.contract.alert.Alert`.

``earlywarn schema alert`` prints it; the published copy is ``docs/alert.schema.json`` and a
test keeps the two equal. Required fields are the dataclass fields without a default (the
v1 contract); fields with a default are the optional additions. Every dataclass field must
have a description here, so a new field cannot ship without its schema.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from earlywarn.contract.alert import ACTIONS, SEVERITIES, Alert

SCHEMA_ID = "https://github.com/earlywarn/earlywarn/blob/main/docs/alert.schema.json"
_TIME = {"type": "string", "format": "date-time"}
_IDS = {"type": "array", "items": {"type": "string"}}
_SEVERITY = {"type": "string", "enum": list(SEVERITIES)}
_REASON = {
    "type": "object",
    "required": ["feature", "value", "threshold_or_baseline", "detail"],
    "properties": {
        "feature": {"type": "string", "description": "feature or signal name"},
        "value": {"type": ["number", "string"], "description": "its value for this entity"},
        "threshold_or_baseline": {
            "type": ["number", "string"],
            "description": "what the value was compared with",
        },
        "detail": {"type": "string", "description": "the reason in words an analyst reads"},
    },
}

#: field -> (JSON Schema, description)
_FIELDS: dict[str, tuple[dict[str, Any], str]] = {
    "alert_id": (
        {"type": "string"},
        "Deterministic from detector, entity and dedup window (a pseudonym on regulator "
        "topics); the same alert redelivered or escalated keeps it.",
    ),
    "created_time": (_TIME, "When the alert was raised."),
    "event_time": (_TIME, "Time of the event that triggered it."),
    "entity_type": (
        {"type": "string"},
        "What the alert is about: msisdn, account, imei, sender_id, url_domain, place ...",
    ),
    "entity_id": ({"type": "string"}, "The entity (its keyed pseudonym on regulator topics)."),
    "typology": ({"type": "string"}, "wangiri, simbox, smishing, mule, victim_in_progress ..."),
    "severity": (_SEVERITY, "low < medium < high < critical."),
    "score": (
        {"type": "number", "minimum": 0, "maximum": 1},
        "0-1: the detector's score, or, where the model artifact calibrates the detector, "
        "the chance that such an alert is right (see raw_score).",
    ),
    "reasons": ({"type": "array", "items": _REASON}, "Why, feature by feature."),
    "recommended_action": ({"type": "string", "enum": sorted(ACTIONS)}, "What to do."),
    "evidence_event_ids": (_IDS, "Supporting events, bounded (pseudonyms on regulator topics)."),
    "jurisdictions": (
        {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
        "Countries concerned (ISO 3166-1 alpha-2).",
    ),
    "model_version": (
        {"type": "object", "additionalProperties": {"type": "string"}},
        "Versions of the detectors and models that scored it.",
    ),
    "expires_time": (_TIME, "When the warning stops being actionable."),
    "reporter": ({"type": "string"}, "Operator or institution that reported the trigger."),
    "channel": ({"type": "string"}, "Input channel: cdr, sms, payments."),
    "key_id": (
        {"type": "string"},
        "Regulator copies: id of the jurisdiction key that made the pseudonyms.",
    ),
    "pseudonymised": ({"type": "boolean"}, "True on regulator copies."),
    "revision": (
        {"type": "integer", "minimum": 0},
        "0 for the first alert under an alert_id, +1 per escalation; keep the highest.",
    ),
    "previous_severity": (_SEVERITY, "Severity of the revision or alert this one updates."),
    "supersedes": (
        {"type": "string"},
        "alert_id of an earlier, unexpired alert on the same typology and entity.",
    ),
    "previous_pseudonyms": (
        {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "alert_id": {"type": "string"},
                    "entity_id": {"type": "string"},
                    "evidence_event_ids": _IDS,
                    "supersedes": {"type": "string"},
                },
            },
        },
        "Regulator copies during a key rotation overlap: the same identifiers under each "
        "previous key, by key_id.",
    ),
}
_EXTRA: dict[str, tuple[dict[str, Any], str]] = {
    "trigger_event_id": (
        {"type": "string"},
        "Operator copies: the event that triggered the alert.",
    ),
    "detector": (
        {"type": "string"},
        "Operator copies: the detector or model that raised the alert.",
    ),
    "raw_score": (
        {"type": "number", "minimum": 0, "maximum": 1},
        "Operator copies, when the model artifact calibrates the detector: the "
        "detector's own score; score is then the calibrated chance that the alert is "
        "right.",
    ),
}


def alert_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an alert record as published on the topics."""
    names = [f.name for f in dataclasses.fields(Alert) if f.name != "extra"]
    missing = [n for n in names if n not in _FIELDS]
    if missing:
        raise LookupError(f"alert fields without a schema: {', '.join(missing)}")
    required = [
        f.name
        for f in dataclasses.fields(Alert)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    props = {n: {**_FIELDS[n][0], "description": _FIELDS[n][1]} for n in names}
    props.update({n: {**s, "description": d} for n, (s, d) in _EXTRA.items()})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "earlywarn alert (contract v1)",
        "description": (
            "One alert on earlywarn.alerts.operators (full) or "
            "earlywarn.alerts.regulators.<CC> (pseudonymised). Optional fields may be added "
            "in later versions of v1; unknown fields must be ignored."
        ),
        "type": "object",
        "required": required,
        "properties": props,
        "additionalProperties": True,
    }
