"""Output records of the v1 contract: alerts and dead letters."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
ACTIONS: frozenset[str] = frozenset(
    ("monitor", "warn_customer", "block_number", "hold_payment", "freeze_account")
)


def iso(ts: float) -> str:
    """Format epoch seconds as an ISO-8601 UTC string with millisecond precision.

    >>> iso(0.0)
    '1970-01-01T00:00:00.000Z'
    """
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def severity_rank(severity: str) -> int:
    """Order of a severity: ``low`` is 0, ``critical`` is 3."""
    return SEVERITIES.index(severity)


@dataclass(slots=True, frozen=True)
class Explanation:
    """One reason behind an alert, in words an analyst reads."""

    feature: str
    value: float | str
    threshold_or_baseline: float | str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "value": self.value,
            "threshold_or_baseline": self.threshold_or_baseline,
            "detail": self.detail,
        }


@dataclass(slots=True, frozen=True)
class Alert:
    """An early-warning alert (contract v1).

    ``reporter`` (the operator or institution that reported the triggering event),
    ``channel``, ``key_id`` and ``pseudonymised`` are optional additions to the contract,
    and so is the update stream:

    ``revision``
        0 for the first alert under an ``alert_id``; each escalation of the same alert
        (same detector, entity and window, higher severity) adds one. A reader keeps the
        highest revision of each ``alert_id``.
    ``previous_severity``
        Severity of what this alert updates: its previous revision, or the alert it
        supersedes.
    ``supersedes``
        ``alert_id`` of an earlier, still unexpired alert on the same typology and entity
        (from an earlier window), which this one replaces.
    ``previous_pseudonyms``
        Regulator copies during a key rotation's overlap only: ``{key_id: {"alert_id",
        "entity_id", "evidence_event_ids", "supersedes"}}`` under the previous key, so
        pseudonyms from before the rotation still match.
    """

    alert_id: str
    created_time: float
    event_time: float
    entity_type: str
    entity_id: str
    typology: str
    severity: str
    score: float
    reasons: tuple[Explanation, ...]
    recommended_action: str
    evidence_event_ids: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    model_version: dict[str, str]
    expires_time: float
    reporter: str = ""
    channel: str = ""
    key_id: str | None = None
    pseudonymised: bool = False
    revision: int = 0
    previous_severity: str | None = None
    supersedes: str | None = None
    previous_pseudonyms: dict[str, dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "alert_id": self.alert_id,
            "created_time": iso(self.created_time),
            "event_time": iso(self.event_time),
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "typology": self.typology,
            "severity": self.severity,
            "score": round(self.score, 4),
            "reasons": [r.to_dict() for r in self.reasons],
            "recommended_action": self.recommended_action,
            "evidence_event_ids": list(self.evidence_event_ids),
            "jurisdictions": list(self.jurisdictions),
            "model_version": dict(self.model_version),
            "expires_time": iso(self.expires_time),
            "reporter": self.reporter,
            "channel": self.channel,
            "pseudonymised": self.pseudonymised,
            "revision": self.revision,
        }
        if self.key_id is not None:
            out["key_id"] = self.key_id
        if self.previous_severity is not None:
            out["previous_severity"] = self.previous_severity
        if self.supersedes is not None:
            out["supersedes"] = self.supersedes
        if self.previous_pseudonyms is not None:
            out["previous_pseudonyms"] = self.previous_pseudonyms
        out.update(self.extra)
        return out

    def evolve(self, **changes: Any) -> Alert:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)


def dead_letter(
    *,
    source_topic: str,
    partition: int | None,
    offset: int | None,
    reason: str,
    detail: str,
    raw: bytes,
    received_time: float,
) -> dict[str, Any]:
    """A dead-letter record: ``{source_topic, partition, offset, reason, raw, received_time}``.

    ``detail`` is an optional addition with the field and words, never the offending value.

    >>> dead_letter(source_topic="telco.cdr", partition=0, offset=7, reason="not_json",
    ...             detail="", raw=b"{", received_time=0.0)["raw"]
    'ew=='
    """
    return {
        "source_topic": source_topic,
        "partition": partition,
        "offset": offset,
        "reason": reason,
        "detail": detail,
        "raw": base64.b64encode(raw).decode("ascii"),
        "received_time": iso(received_time),
    }
