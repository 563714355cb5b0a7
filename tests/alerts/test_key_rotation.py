"""Key ids on every regulator copy, several keys per jurisdiction, rotation overlap."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from alert_helpers import CALLER, T0, alert

from earlywarn.alerts import KeyFileError, load_keys, rotate_keys, write_dev_keys
from earlywarn.cli import main
from earlywarn.contract.alert import iso

OLD_FORMAT = {
    "TH": {"key_id": "th-1", "key": "aa" * 32},
    "NG": {"key_id": "ng-1", "key": "bb" * 32},
}


def test_the_first_keys_file_format_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(OLD_FORMAT))
    p = load_keys(path)
    assert p.countries == {"TH", "NG"} and p.intel_key is None
    copy = p.alert(alert(), "TH")
    assert copy.key_id == "th-1" and copy.previous_pseudonyms is None


def test_during_the_overlap_copies_carry_the_previous_keys_pseudonyms(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(OLD_FORMAT))
    before = load_keys(path).alert(alert(), "TH")
    new = rotate_keys(path, ("TH",), overlap_s=86_400.0, now=T0)
    assert new == {"TH": "th-2"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rotated = load_keys(path)
    during = rotated.alert(alert(), "TH")  # created T0 + 1: inside the overlap
    assert during.key_id == "th-2" and during.entity_id != before.entity_id
    old = during.to_dict()["previous_pseudonyms"]["th-1"]
    # The regulator matches the alert against what it got under th-1 before the rotation.
    assert old["entity_id"] == before.entity_id and old["alert_id"] == before.alert_id
    assert old["evidence_event_ids"] == list(before.evidence_event_ids)
    after = rotated.alert(
        alert(event_time=T0 + 2 * 86400).evolve(created_time=T0 + 2 * 86400), "TH"
    )
    assert after.previous_pseudonyms is None and after.key_id == "th-2"
    assert rotated.alert(alert(), "NG").key_id == "ng-1"  # untouched
    text = json.dumps(during.to_dict())
    assert CALLER not in text and "c-9" not in text


def test_rotate_twice_keeps_only_unexpired_previous_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(OLD_FORMAT))
    rotate_keys(path, ("TH",), overlap_s=100.0, now=T0)
    rotate_keys(path, ("TH",), overlap_s=100.0, now=T0 + 50)
    doc = json.loads(path.read_text())
    assert [p["key_id"] for p in doc["TH"]["previous"]] == ["th-2", "th-1"]
    rotate_keys(path, ("TH",), overlap_s=100.0, now=T0 + 120)
    doc = json.loads(path.read_text())
    assert doc["TH"]["key_id"] == "th-4"
    assert [p["key_id"] for p in doc["TH"]["previous"]] == ["th-3", "th-2"]
    assert doc["TH"]["previous"][1]["until"] == iso(T0 + 150)


def test_keys_rotate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "keys.json"
    write_dev_keys(path, ("TH", "MY"))
    assert main(["keys", "rotate", str(path), "--countries", "th", "--overlap-days", "3"]) == 0
    assert "th-dev-2" in capsys.readouterr().out
    p = load_keys(path)
    assert p.key_id("TH") == "th-dev-2" and p.key_id("MY") == "my-dev-1"
    assert p.intel_key is not None and "INTEL" not in p.countries
    assert main(["keys", "rotate", str(path), "--countries", "XX"]) == 2
    assert "no key for XX" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"TH": {"key_id": "t", "key": "zz"}}, "not hex"),
        ({"TH": {"key_id": "t", "key": "ab"}}, "at least 16 bytes"),
        ({"TH": {"key": "ab" * 32}}, "key_id"),
        (
            {
                "TH": {
                    "key_id": "t",
                    "key": "ab" * 32,
                    "previous": [{"key_id": "o", "key": "cd" * 32}],
                }
            },
            "until",
        ),
    ],
)
def test_a_bad_keys_file_says_what_is_wrong(tmp_path: Path, doc: object, problem: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match=problem) as err:
        load_keys(path)
    assert str(path) in str(err.value) and "ab" * 32 not in str(err.value)


def test_cells_and_every_identifier_in_the_reasons_are_pseudonymised() -> None:
    from alert_helpers import keys

    from earlywarn.contract import Explanation

    cell = "TH-TRUE-0000-00010"
    hotspot = alert(
        detector="hotspot",
        typology="hotspot",
        entity_type="cell",
        entity_id=cell,
        reasons=(Explanation("victims_24h", 5.0, 3.0, f"{cell}: 5 victims, trigger c-9"),),
    )
    text = json.dumps(keys().alert(hotspot, "TH").to_dict())
    assert cell not in text and "c-9" not in text and "c-1" not in text


def test_imei_like_numbers_in_free_text_are_pseudonymised() -> None:
    from alert_helpers import keys

    from earlywarn.contract import Explanation

    imei = "358754094678471"
    a = alert(reasons=(Explanation("sims_on_device", 9.0, 3.0, f"device {imei} holds 9 SIMs"),))
    copy = keys().alert(a, "TH")
    assert imei not in json.dumps(copy.to_dict())
    assert "holds 9 SIMs" in copy.reasons[0].detail
