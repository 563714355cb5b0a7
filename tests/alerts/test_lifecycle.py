"""The update stream: revisions, escalations, supersession, expiry on every alert."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

from alert_helpers import T0, alert

from earlywarn.alerts import BoundedStore, Pseudonymiser, track
from earlywarn.replay import Replay
from earlywarn.sample import sample_events


def test_escalation_in_a_window_is_a_new_revision_of_the_same_alert() -> None:
    store = BoundedStore()
    first = track(alert(severity="medium", score=0.75), store)
    up = track(alert(severity="high", event_time=T0 + 60), store)
    top = track(alert(severity="critical", score=0.97, event_time=T0 + 90), store)
    assert first.alert_id == up.alert_id == top.alert_id
    assert (first.revision, up.revision, top.revision) == (0, 1, 2)
    assert (first.previous_severity, up.previous_severity, top.previous_severity) == (
        None,
        "medium",
        "high",
    )
    assert top.supersedes is None
    assert top.to_dict()["revision"] == 2 and top.to_dict()["previous_severity"] == "high"


def test_a_new_window_supersedes_the_earlier_alert_only_while_it_is_actionable() -> None:
    store = BoundedStore()
    old = track(alert(severity="medium", score=0.75), store)
    later = track(alert(window_start=T0 + 3600, event_time=T0 + 3600), store)
    assert later.alert_id != old.alert_id
    assert later.supersedes == old.alert_id and later.previous_severity == "medium"
    assert later.revision == 0
    # Two days on, the earlier alert (24 h TTL) has expired: a fresh story.
    fresh = track(alert(window_start=T0 + 2 * 86400, event_time=T0 + 2 * 86400), store)
    assert fresh.supersedes is None and fresh.previous_severity is None


def test_other_typologies_and_entities_are_separate_streams() -> None:
    store = BoundedStore()
    track(alert(), store)
    other = track(alert(typology="simbox", detector="simbox"), store)
    assert other.revision == 0 and other.supersedes is None
    assert track(alert(entity_id="+2348099999999"), store).supersedes is None


def test_bounded_store_keeps_the_most_recent_keys() -> None:
    store = BoundedStore(capacity=3)
    for i in range(10):
        store[str(i)] = b"x"
    assert len(store) == 3 and store.get("0") is None and store.get("9") == b"x"


def test_replay_alerts_all_expire_and_revisions_rise_with_severity(tmp_path: Path) -> None:
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in sample_events(seed=11)) + "\n")
    out = io.StringIO()
    Replay(pseudonymiser=Pseudonymiser({}), models_dir=None).run([path], out=out)
    alerts = [json.loads(line) for line in out.getvalue().splitlines()]
    assert alerts
    by_id: dict[str, list[dict[str, object]]] = {}
    for a in alerts:
        assert a["expires_time"] > a["event_time"], a["typology"]
        by_id.setdefault(str(a["alert_id"]), []).append(a)
    for versions in by_id.values():
        assert [v["revision"] for v in versions] == list(range(len(versions)))
        for prev, cur in itertools.pairwise(versions):
            assert cur["previous_severity"] == prev["severity"]
