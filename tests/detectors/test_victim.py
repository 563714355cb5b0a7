"""Victim-in-progress and suspect fan-in detectors: the evidence each needs."""

from __future__ import annotations

from earlywarn.detectors.victim import VictimFanInDetector, VictimInProgressDetector

CALLED = {"contact_risk": 0.95, "new_payee": 1.0, "contact_age_s": 1200.0}


def _alerts(d: VictimInProgressDetector | VictimFanInDetector, x: dict[str, float]) -> bool:
    f = d.score_one(x)
    return f is not None and f.score >= d.threshold


def test_after_a_scam_call_only_a_payment_several_times_the_usual_alerts() -> None:
    d = VictimInProgressDetector()
    # what ordinary payers called by a scam number paid next (tuning seeds): 1.5x-3.5x
    for ratio, age in ((1.6, 1200.0), (2.2, 1200.0), (2.6, 3000.0), (2.8, 3600.0)):
        assert not _alerts(d, {**CALLED, "amount_vs_max_prior": ratio, "contact_age_s": age})
    # what victims paid: mostly 6x to 300x their largest payment of the day
    for ratio in (5.0, 8.6, 74.0, 332.0):
        assert _alerts(d, {**CALLED, "amount_vs_max_prior": ratio}), ratio
    # a first payment of the day counts half: alerted soon after the call only
    assert _alerts(d, {**CALLED, "amount_vs_max_prior": 0.0})
    assert not _alerts(d, {**CALLED, "contact_age_s": 9000.0, "amount_vs_max_prior": 0.0})
    # a flagged payee is evidence enough, unless the payer pays it less than usual
    assert _alerts(d, {"payee_risk": 0.9, "new_payee": 1.0, "amount_vs_max_prior": 1.0})
    assert _alerts(d, {"payee_risk": 0.9, "new_payee": 1.0, "amount_vs_max_prior": 0.0})
    assert not _alerts(d, {"payee_risk": 0.9, "new_payee": 1.0, "amount_vs_max_prior": 0.5})


def test_a_payment_to_a_flagged_payee_is_explained_with_what_was_true() -> None:
    d = VictimInProgressDetector()
    f = d.score_one({"payee_risk": 0.9, "new_payee": 1.0, "amount_vs_max_prior": 1.3})
    assert f is not None
    why = {r.feature: r for r in f.reasons}
    # no contact was involved, and the amount was 1.3x, not the 5x the score counts it as
    assert "contact_age_s" not in why
    assert why["amount_vs_max_prior"].value == 1.3 and "1.3x" in why["amount_vs_max_prior"].detail
    assert why["risk"].detail == "paid an account scored 0.90 risky"
    first = d.score_one({"payee_risk": 0.9, "new_payee": 1.0, "amount_vs_max_prior": 0.0})
    assert first is not None
    assert [r.detail for r in first.reasons if r.feature == "amount_vs_max_prior"] == [
        "the payer's first payment in 24 h"
    ]
    # after a risky call, the reasons are the features as they were
    called = d.score_one({**CALLED, "amount_vs_max_prior": 8.0})
    assert called is not None
    assert {r.feature: r.value for r in called.reasons}["contact_age_s"] == 1200.0


def test_a_biller_some_of_whose_payers_got_a_scam_text_is_no_mule() -> None:
    d = VictimFanInDetector()
    # a biller after a smishing blast: 4-6 contacted payers, 40-46 % of its payers that day
    for n, share in ((2.8, 0.44), (4.2, 0.46), (5.6, 0.44)):
        assert not _alerts(d, {"suspect_payers_24h": n, "suspect_share": share})
    # a collector: paid by victims, and a recruited mule by a friend or two besides
    for n, share in ((2.0, 1.0), (2.0, 0.67), (3.0, 0.6)):
        assert _alerts(d, {"suspect_payers_24h": n, "suspect_share": share})
