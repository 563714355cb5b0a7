"""Shared builders for the alert tests (imported by module name; tests have no packages)."""

from __future__ import annotations

from earlywarn.alerts import JurisdictionKey, Pseudonymiser, build_alert
from earlywarn.contract import Alert, Explanation
from earlywarn.detectors.base import Detection

CALLER = "+2348012345678"
CALLEE = "+66812345678"
T0 = 1_795_413_600.0


def detection(**changes: object) -> Detection:
    base: dict[str, object] = dict(
        detector="wangiri",
        typology="wangiri",
        entity_type="msisdn",
        entity_id=CALLER,
        score=0.91,
        severity="high",
        reasons=(Explanation("distinct_callees_10m", 40.0, 10.0, f"{CALLER} rang 40 numbers"),),
        recommended_action="block_number",
        event_id="c-9",
        event_time=T0,
        evidence_event_ids=("c-1", "c-9"),
        window_start=T0,
        ttl_s=86_400.0,
        jurisdictions=("NG", "TH"),
        reporter="TH-AIS",
        channel="cdr",
        model_version={"wangiri": "1"},
    )
    base.update(changes)
    return Detection(**base)  # type: ignore[arg-type]


def alert(**changes: object) -> Alert:
    return build_alert(detection(**changes), created_time=T0 + 1)


def keys(intel: bool = True) -> Pseudonymiser:
    return Pseudonymiser(
        {"TH": JurisdictionKey("th-1", b"t" * 32), "NG": JurisdictionKey("ng-1", b"n" * 32)},
        intel=JurisdictionKey("intel-1", b"i" * 32) if intel else None,
    )
