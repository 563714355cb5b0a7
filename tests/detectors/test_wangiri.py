from collections.abc import Iterable

import pytest
from scenarios import call_centre, normal_caller, wangiri_burst

from earlywarn.contract.events import CallEvent
from earlywarn.detectors import Finding, WangiriDetector
from earlywarn.features import CallerState


def final_finding(events: Iterable[CallEvent], detector: WangiriDetector) -> Finding | None:
    state = CallerState()
    best: Finding | None = None
    for ev in events:
        state.update(ev)
        found = detector.score_one(state.features())
        if found is not None and (best is None or found.score > best.score):
            best = found
    return best


def test_one_ring_burst_fires_with_reasons() -> None:
    d = WangiriDetector()
    found = final_finding(wangiri_burst(), d)
    assert found is not None
    assert found.score >= 0.85 and d.severity(found.score) in ("high", "critical")
    assert found.recommended_action == "block_number"
    features = [r.feature for r in found.reasons]
    assert features[:3] == ["distinct_callees_10m", "short_share_10m", "intl_share_10m"]
    assert "distinct numbers in 10 minutes" in found.reasons[0].detail


def test_burst_needs_volume() -> None:
    found = final_finding(wangiri_burst(n=6), WangiriDetector())
    assert found is None or found.score < 0.3


@pytest.mark.parametrize("events", [call_centre(), normal_caller()], ids=["centre", "person"])
def test_decoys_stay_below_threshold(events: list[CallEvent]) -> None:
    d = WangiriDetector()
    found = final_finding(events, d)
    assert found is None or found.score < d.threshold


def test_thresholds_are_tunable() -> None:
    strict = WangiriDetector(min_callees=200.0)
    found = final_finding(wangiri_burst(), strict)
    assert found is not None and found.score < strict.threshold
    assert WangiriDetector(threshold=0.9).threshold == 0.9
