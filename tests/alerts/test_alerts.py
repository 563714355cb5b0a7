"""Alert ids, pseudonymisation and routing."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from alert_helpers import CALLEE, CALLER, detection
from alert_helpers import keys as helper_keys

from earlywarn.alerts import (
    JurisdictionKey,
    MissingKeyError,
    Pseudonymiser,
    Router,
    alert_id_for,
    build_alert,
    load_keys,
    write_dev_keys,
)
from earlywarn.settings import Topics


def keys() -> Pseudonymiser:
    return helper_keys(intel=False)


def test_alert_id_is_deterministic_per_detector_entity_and_window() -> None:
    a = build_alert(detection(), created_time=1.0)
    b = build_alert(detection(score=0.99, event_id="c-10"), created_time=2.0)
    assert a.alert_id == b.alert_id
    assert a.alert_id != build_alert(detection(window_start=0.0), created_time=1.0).alert_id
    assert a.alert_id != build_alert(detection(entity_id="+66899999999"), created_time=1.0).alert_id
    assert a.alert_id == alert_id_for("wangiri", "msisdn", CALLER, 1_795_413_600.0)


def test_alert_serialises_to_the_contract_fields() -> None:
    out = build_alert(detection(), created_time=1_795_413_601.5).to_dict()
    for name in (
        "alert_id created_time event_time entity_type entity_id typology severity score reasons "
        "recommended_action evidence_event_ids jurisdictions model_version expires_time"
    ).split():
        assert name in out
    assert out["event_time"] == "2026-11-23T06:00:00.000Z"
    assert out["expires_time"] == "2026-11-24T06:00:00.000Z"
    assert out["reasons"][0]["feature"] == "distinct_callees_10m"


def test_pseudonyms_are_stable_per_key_and_differ_across_jurisdictions() -> None:
    p = keys()
    assert p.pseudonym("TH", CALLER) == p.pseudonym("TH", CALLER)
    assert p.pseudonym("TH", CALLER) != p.pseudonym("NG", CALLER)
    assert p.pseudonym("TH", CALLER) != p.pseudonym("TH", CALLEE)
    with pytest.raises(MissingKeyError):
        p.pseudonym("MY", CALLER)


def test_regulator_copy_has_no_raw_identifier() -> None:
    alert = build_alert(detection(), created_time=1.0)
    copy = keys().alert(alert, "TH")
    text = json.dumps(copy.to_dict())
    for raw in (CALLER, "c-1", "c-9", alert.alert_id):
        assert raw not in text
    assert copy.pseudonymised and copy.key_id == "th-1"
    assert copy.typology == alert.typology and copy.score == alert.score


def test_router_sends_full_alert_to_operators_and_copies_per_jurisdiction() -> None:
    alert = build_alert(detection(jurisdictions=("MY", "NG", "TH")), created_time=1.0)
    routed, unrouted = Router(Topics(), keys()).route(alert)
    assert [r.topic for r in routed] == [
        "earlywarn.alerts.operators",
        "earlywarn.alerts.regulators.NG",
        "earlywarn.alerts.regulators.TH",
    ]
    assert routed[0].alert is alert and routed[0].key == CALLER
    assert unrouted == ["MY"]  # no key: nothing published, never a raw copy


def test_keys_load_from_file_and_env_never_from_code(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write_dev_keys(path, ("TH", "MY"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    from_file = load_keys(path)
    assert from_file.countries == {"TH", "MY"}
    from_env = load_keys(env={"EARLYWARN_KEYS": path.read_text()})
    assert from_env.pseudonym("TH", CALLER) == from_file.pseudonym("TH", CALLER)
    with pytest.raises(MissingKeyError, match="EARLYWARN_KEYS"):
        load_keys(env={})
    assert "secret=<32 bytes>" in repr(JurisdictionKey("k", b"x" * 32))
