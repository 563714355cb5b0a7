"""Pass-through: money sent on right after it arrived, not spending from the balance."""

from __future__ import annotations

from earlywarn.contract.events import PaymentEvent
from earlywarn.features.accounts import account_features
from earlywarn.features.credits import CreditState
from earlywarn.features.payments import DebitState


def _pay(i: int, t: float, payer: str, payee: str, amount: float, rail: str) -> PaymentEvent:
    return PaymentEvent(f"p{i}", t, "BANK", payer, payee, amount, "THB", rail)


def test_a_layer_mule_sending_on_after_an_hour_passes_money_through() -> None:
    credit, debit = CreditState(), DebitState()
    credit.update(_pay(1, 0.0, "COLLECTOR", "LAYER", 400.0, "bank_transfer"))
    debit.update(_pay(2, 3600.0, "LAYER", "ATM", 396.0, "cash_out"))  # 60 min later
    assert account_features(debit, credit)["pass_through_ratio"] == 0.99
    late = DebitState()
    late.update(_pay(3, 3 * 3600.0, "LAYER", "ATM", 396.0, "cash_out"))  # 3 h later
    assert account_features(late, credit)["pass_through_ratio"] == 0.0


def test_spending_from_the_balance_after_a_small_transfer_in_is_no_pass_through() -> None:
    credit, debit = CreditState(), DebitState()
    credit.update(_pay(1, 0.0, "FRIEND", "SAVER", 107.0, "bank_transfer"))
    debit.update(_pay(2, 720.0, "SAVER", "ATM", 5000.0, "cash_out"))  # savings, 12 min on
    f = account_features(debit, credit)
    assert f["pass_through_ratio"] == 0.0
    assert f["min_credit_to_debit_s"] == 720.0  # still a quick debit, which says less


def test_a_cash_out_counts_for_a_suspected_victim_only_if_it_is_their_money() -> None:
    credit = CreditState()
    credit.update(_pay(1, 0.0, "VICTIM", "MULE", 2000.0, "bank_transfer"))
    credit.suspect(0.0, "VICTIM", "p1", 1.0, "BANK", ("TH",))
    credit.update(_pay(2, 60.0, "OTHER", "MULE", 5.0, "bank_transfer"))
    credit.suspect(60.0, "OTHER", "p2", 1.0, "BANK", ("TH",))
    # 1,900 cashed an hour on: the victim's 2,000 (and the 5 with it)
    got = credit.cashed_out(3600.0, 6 * 3600.0, 1900.0, 0.2)
    assert [r[1] for r in got] == ["VICTIM", "OTHER"]
    assert credit.cashed_out(3600.0, 6 * 3600.0, 300.0, 0.2) == []  # a small part of it
    assert credit.cashed_out(3600.0, 6 * 3600.0, 20_000.0, 0.2) == []  # savings mostly
    assert credit.cashed_out(8 * 3600.0, 6 * 3600.0, 1900.0, 0.2) == []  # too late
    # 135 drawn after someone paid 5 is not that money
    small = CreditState()
    small.update(_pay(3, 0.0, "OTHER", "SAVER", 5.0, "bank_transfer"))
    small.suspect(0.0, "OTHER", "p3", 1.0, "BANK", ("TH",))
    assert small.cashed_out(3600.0, 6 * 3600.0, 135.0, 0.2) == []


def test_the_deposit_run_describes_deposits_only() -> None:
    """A buyer's growing deposits are a run while it deposits; its card payment after
    is no deposit (the label model took such payments for a victim's)."""
    debit = DebitState()
    for i, amount in enumerate((100.0, 150.0, 240.0)):
        debit.update(_pay(i, 3600.0 * i, "BUYER", "XCHG", amount, "crypto_onramp"))
    f = debit.features()
    assert (f["crypto_steps"], f["crypto_growth"]) == (3.0, 2.4)
    debit.update(_pay(9, 4 * 3600.0, "BUYER", "SHOP", 20.0, "card"))
    f = debit.features()
    assert (f["crypto_steps"], f["crypto_growth"]) == (0.0, 0.0)
