from collections.abc import Iterable

import pytest
from scenarios import merchant, mule, payroll

from earlywarn.contract.events import PaymentEvent
from earlywarn.detectors import Finding, MuleDetector, ramp
from earlywarn.features import CreditState, DebitState, account_features


def best_finding(events: Iterable[PaymentEvent], account: str, d: MuleDetector) -> Finding | None:
    debit, credit = DebitState(), CreditState()
    best: Finding | None = None
    for ev in events:
        if ev.payer_account == account:
            debit.update(ev)
        if ev.payee_account == account:
            credit.update(ev)
        found = d.score_one(account_features(debit, credit))
        if found is not None and (best is None or found.score > best.score):
            best = found
    return best


def test_mule_fires_and_explains() -> None:
    d = MuleDetector()
    found = best_finding(mule(), "MULE1", d)
    assert found is not None and found.score >= 0.85
    assert found.recommended_action == "freeze_account"
    names = [r.feature for r in found.reasons]
    assert names[0] == "fan_in_24h"
    assert {"pass_through_ratio", "min_credit_to_debit_s", "cash_out_share_24h"} <= set(names)


def test_weaker_mule_gets_a_hold_not_a_freeze() -> None:
    d = MuleDetector()
    events = [e for e in mule() if e.payee_account == "MULE1"]
    events += [
        PaymentEvent(
            f"o{i}",
            e.event_time + 120,
            "TH-BANK",
            "MULE1",
            "NEXT",
            e.amount,
            "THB",
            "bank_transfer",
        )
        for i, e in enumerate(events)
    ]
    events.sort(key=lambda e: e.event_time)
    found = best_finding(events, "MULE1", d)
    assert found is not None and d.threshold <= found.score < 0.85
    assert found.recommended_action == "hold_payment"


@pytest.mark.parametrize(
    ("events", "account"),
    [(payroll(), "EMPLOYER"), (merchant(), "SHOP")],
    ids=["payroll", "merchant"],
)
def test_decoys_stay_below_threshold(events: list[PaymentEvent], account: str) -> None:
    d = MuleDetector()
    found = best_finding(events, account, d)
    assert found is None or found.score < d.threshold


def test_merchant_sweep_is_not_pass_through() -> None:
    debit, credit = DebitState(), CreditState()
    for ev in merchant():
        (debit if ev.payer_account == "SHOP" else credit).update(ev)
    f = account_features(debit, credit)
    assert f["fan_in_24h"] == 120.0
    assert f["pass_through_ratio"] < 0.1  # only the last half hour of sales


def test_ramp_is_monotone_and_bounded() -> None:
    xs = [i / 10 for i in range(-10, 30)]
    ys = [ramp(x, 0.0, 1.0) for x in xs]
    assert ys == sorted(ys) and ys[0] == 0.0 and ys[-1] == 1.0
    falling = [ramp(x, 1.0, 0.0) for x in xs]
    assert falling == sorted(falling, reverse=True)
