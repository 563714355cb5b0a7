from earlywarn.detectors import ImpersonationDetector

# What the detector saw of a campaign caller and of an ordinary heavy caller on tuning
# seed 12 at 50k (their alerts' reasons): both call 14-16 times a day, hold long calls
# and were answered about as often; the scammer calls nobody twice.
CAMPAIGN = {
    "calls_24h": 14.0,
    "mean_answered_s_24h": 243.89,
    "new_callee_share_1h": 1.0,
    "long_answered_1h": 4.0,
    "new_callee_share_24h": 1.0,
    "answer_rate_24h": 0.64,
}
BUSY = {**CAMPAIGN, "calls_24h": 16.0, "mean_answered_s_24h": 277.0, "long_answered_1h": 1.0}


def test_a_caller_who_calls_back_a_quarter_of_their_day_is_no_campaign() -> None:
    d = ImpersonationDetector()
    found = d.score_one(CAMPAIGN)
    assert found is not None and found.score >= d.threshold
    busy = d.score_one({**BUSY, "new_callee_share_24h": 0.75, "answer_rate_24h": 0.56})
    assert busy is None or busy.score < d.threshold
    # the same day with strangers only would be one
    again = d.score_one({**BUSY, "new_callee_share_24h": 0.95, "answer_rate_24h": 0.56})
    assert again is not None and again.score >= d.threshold
