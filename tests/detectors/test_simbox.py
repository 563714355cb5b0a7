from earlywarn.detectors import SimboxDetector

# What the SIM-box detector saw when it first alerted (CallerState features rebuilt from
# the events, tuning seeds 11 and 13 at 50k): ordinary heavy callers it had flagged, and
# evasive SIM-box SIMs (daily rhythm, a little inbound traffic) it flagged rightly.
HEAVY_CALLERS = [
    {"calls_24h": 61.0, "active_hours_24h": 16.0, "distinct_cells": 3.0,
     "new_callee_share_1h": 0.25, "new_callee_share_24h": 0.31},
    {"calls_24h": 49.0, "active_hours_24h": 19.0, "distinct_cells": 3.0,
     "new_callee_share_1h": 1.0, "new_callee_share_24h": 0.22},
    {"calls_24h": 53.0, "active_hours_24h": 18.0, "distinct_cells": 3.0,
     "new_callee_share_1h": 1.0, "new_callee_share_24h": 0.36},
]  # fmt: skip
EVASIVE_SIMS = [
    {"calls_24h": 49.0, "active_hours_24h": 15.0, "distinct_cells": 1.0,
     "new_callee_share_1h": 1.0, "new_callee_share_24h": 0.94},
    {"calls_24h": 53.0, "active_hours_24h": 15.0, "distinct_cells": 1.0,
     "new_callee_share_1h": 1.0, "new_callee_share_24h": 1.0},
    {"calls_24h": 47.0, "active_hours_24h": 16.0, "distinct_cells": 1.0,
     "new_callee_share_1h": 1.0, "new_callee_share_24h": 0.96},
]  # fmt: skip


def _score(features: dict[str, float]) -> float:
    found = SimboxDetector().score_one(features)
    return 0.0 if found is None else found.score


def test_heavy_callers_who_call_the_same_people_are_not_simboxes() -> None:
    threshold = SimboxDetector().threshold
    assert all(_score(f) < threshold for f in HEAVY_CALLERS)
    # the same days with strangers only would be
    assert all(_score({**f, "new_callee_share_24h": 1.0}) >= threshold for f in HEAVY_CALLERS)


def test_evasive_simbox_sims_are_still_flagged() -> None:
    assert all(_score(f) >= SimboxDetector().threshold for f in EVASIVE_SIMS)
