import json
import random
from typing import Any

import pytest

from earlywarn.contract.events import CallEvent, PaymentEvent, SmsEvent
from earlywarn.features import (
    ACCOUNT_FEATURES,
    CALL_FEATURES,
    SMS_FEATURES,
    CallerState,
    CreditState,
    DebitState,
    SenderState,
    account_features,
)

T0 = 1_790_000_000.0


def call(
    i: int,
    t: float,
    *,
    answered: bool = False,
    dur: float = 0.0,
    cc: str = "SL",
    callee: str | None = None,
    cell: str | None = None,
) -> CallEvent:
    return CallEvent(
        event_id=f"c{i}",
        event_time=T0 + t,
        operator="TH-AIS",
        caller="+66812345678",
        callee=callee or f"+23276{i:06d}",
        answered=answered,
        duration_s=dur,
        caller_country="TH",
        callee_country=cc,
        cell_id=cell,
    )


def pay(
    i: int, t: float, payer: str, payee: str, amount: float, rail: str = "bank_transfer"
) -> PaymentEvent:
    return PaymentEvent(
        event_id=f"p{i}",
        event_time=T0 + t,
        institution="TH-BANK",
        payer_account=payer,
        payee_account=payee,
        amount=amount,
        currency="THB",
        rail=rail,
        payer_country="TH",
        payee_country="TH",
    )


def roundtrip(state: Any) -> Any:
    return type(state).from_json(json.loads(json.dumps(state.to_json())))


def test_caller_features() -> None:
    s = CallerState()
    for i in range(8):
        s.update(call(i, 30.0 * i, cell=f"cell{i % 2}"))
    s.update(call(8, 300.0, answered=True, dur=120.0, cc="TH"))
    s.update(call(9, 3000.0, answered=True, dur=60.0, cc="TH", callee="+66899999999"))
    f = s.features()
    assert list(f) == list(CALL_FEATURES)
    assert f["calls_1h"] == 10.0 and f["calls_10m"] == 1.0
    assert f["distinct_callees_1h"] == 10.0
    assert f["short_share_1h"] == pytest.approx(0.8)
    assert f["intl_share_1h"] == pytest.approx(0.8)
    assert f["caller_age_s"] == 3000.0
    assert f["distinct_cells"] == 2.0
    early = s.features(now=T0 + 300.0)
    assert early["calls_10m"] == 9.0
    assert early["answer_rate_10m"] == pytest.approx(1 / 9)
    assert early["mean_duration_10m"] == pytest.approx(120.0 / 9)


def test_sender_features() -> None:
    s = SenderState()
    for i in range(10):
        s.update(
            SmsEvent(
                f"s{i}",
                T0 + i,
                "TH-AIS",
                "+66812345678",
                f"+668100000{i:02d}",
                has_url=i < 7,
                template_hash="A" if i < 6 else f"B{i}",
            )
        )
    f = s.features()
    assert list(f) == list(SMS_FEATURES)
    assert f["msgs_10m"] == 10.0 and f["distinct_recipients_10m"] == 10.0
    assert f["url_share_10m"] == pytest.approx(0.7)
    assert f["distinct_templates_1h"] == 5.0
    assert f["top_template_share_1h"] == pytest.approx(0.6)
    assert f["alphanumeric"] == 0.0


def test_new_payee_memory() -> None:
    d = DebitState()
    for i in range(6):
        d.update(pay(i, 60.0 * i, "A", "B" if i % 2 else "C", 10.0))
    f = d.features()
    assert f["fan_out_24h"] == 2.0
    assert f["new_payee_share_24h"] == pytest.approx(2 / 6)
    assert d.last_debit_time == T0 + 300.0


def mule_events() -> tuple[list[PaymentEvent], list[PaymentEvent]]:
    credits = [pay(i, 60.0 * i, f"V{i}", "M", 500.0, "mobile_money") for i in range(8)]
    debits = [pay(100 + i, 600.0 + 120.0 * i, "M", "X", 900.0, "cash_out") for i in range(4)]
    return credits, debits


def test_account_features_do_not_depend_on_side_order() -> None:
    credits, debits = mule_events()
    c1, d1 = CreditState(), DebitState()
    for ev in credits:
        c1.update(ev)
    first = account_features(d1, c1)
    for ev in debits:
        d1.update(ev)
    c2, d2 = CreditState(), DebitState()
    for ev in debits:
        d2.update(ev)
    for ev in credits:
        c2.update(ev)
    f1, f2 = account_features(d1, c1), account_features(d2, c2)
    assert f1 == f2
    assert list(f1) == list(ACCOUNT_FEATURES)
    assert f1["fan_in_24h"] == 8.0 and f1["credit_sum_24h"] == 4000.0
    assert f1["pass_through_ratio"] == pytest.approx(3600.0 / 4000.0)
    assert f1["min_credit_to_debit_s"] == 180.0
    assert f1["cash_out_share_24h"] == 1.0
    assert first["pass_through_ratio"] == 0.0
    assert first["min_credit_to_debit_s"] == 86400.0


def test_debits_long_after_credits_do_not_pass_through() -> None:
    c, d = CreditState(), DebitState()
    c.update(pay(1, 0.0, "V", "M", 1000.0))
    d.update(pay(2, 10800.0, "M", "X", 1000.0))  # 3 h later: past the 2 h pass-through
    f = account_features(d, c)
    assert f["pass_through_ratio"] == 0.0 and f["min_credit_to_debit_s"] == 10800.0
    assert account_features(None, None)["fan_in_24h"] == 0.0


@pytest.mark.parametrize("cls", [CallerState, SenderState, DebitState, CreditState])
def test_empty_state_round_trip(cls: Any) -> None:
    assert roundtrip(cls()) == cls()


def test_round_trip_is_exact_and_compact() -> None:
    rng = random.Random(11)
    caller, sender, debit, credit = CallerState(), SenderState(), DebitState(), CreditState()
    for i in range(400):
        t = rng.uniform(0, 7200)
        caller.update(
            call(
                i,
                t,
                answered=rng.random() < 0.5,
                dur=rng.uniform(0, 90),
                cell=f"c{rng.randrange(30)}",
            )
        )
        sender.update(
            SmsEvent(
                f"s{i}",
                T0 + t,
                "OP",
                "BANK",
                f"+66{i:09d}",
                has_url=rng.random() < 0.3,
                template_hash=str(rng.randrange(5)),
            )
        )
        debit.update(pay(i, t * 10, "A", f"P{rng.randrange(90)}", rng.uniform(1, 1e4)))
        credit.update(pay(i, t * 10, f"P{rng.randrange(90)}", "A", rng.uniform(1, 1e4)))
    for state in (caller, sender, debit, credit):
        state.alerted["x"] = (T0, 2)
        back = roundtrip(state)
        assert back == state
        assert back.features() == state.features()
        assert back.alerted == {"x": (T0, 2)}
        assert len(back.evidence) <= 10
        assert len(state.window) <= state.cap


def test_typical_state_is_small() -> None:
    caller, debit = CallerState(), DebitState()
    for i in range(8):
        caller.update(call(i, 400.0 * i, answered=True, dur=95.0, cc="TH", cell="cellA"))
        debit.update(pay(i, 3000.0 * i, "A", f"P{i % 3}", 120.5))
    for state in (caller, debit):
        assert len(json.dumps(state.to_json(), separators=(",", ":"))) < 1024


def test_caller_keeps_a_bounded_list_of_long_first_contact_calls() -> None:
    s = CallerState()
    for i in range(20):
        long = i % 2 == 0
        s.update(
            CallEvent(
                f"e{i}",
                60.0 * i,
                "OP",
                "+66800000001",
                f"+6681000{i:04d}",
                answered=True,
                duration_s=300.0 if long else 30.0,
            )
        )
    talked = s.talked_to(60.0 * 19)
    assert len(talked) == CallerState.talked_cap
    assert [c for _, c in talked] == [f"+6681000{i:04d}" for i in range(4, 20, 2)]
    assert CallerState.from_json(s.to_json()) == s
    assert s.talked_to(60.0 * 19 + CallerState.talked_span_s + 1000) == []


def test_groomed_rows_keep_each_victims_flags_and_read_old_rows() -> None:
    from earlywarn.features.victims import SubscriberState

    s = SubscriberState()
    assert s.groom(0.0, 1, called=False, growing=True) == (1, 0, 1)
    # a later record of the same victim without growth keeps the flag it had
    assert s.groom(60.0, 1, called=False) == (1, 0, 1)
    assert s.groom(120.0, 2, called=True) == (2, 1, 1)
    assert roundtrip(s) == s
    # rows from before the flags: [t, victim] counted as called, [t, victim, c] as not growing
    old = SubscriberState.from_json({**SubscriberState().to_json(), "h": [[0.0, 7], [1.0, 8, 0]]})
    assert old.groomed == [[0.0, 7, 1, 0], [1.0, 8, 0, 0]]


def test_groomed_rows_keep_the_deposit_to_warn_the_victim_at() -> None:
    from earlywarn.features.victims import SubscriberState

    s = SubscriberState()
    at = [10.0, "p1", "TH-KBANK:V", "X:DEP", "TH-KBANK", ["TH"]]
    s.groom(10.0, 1, called=False, deposit=at)
    s.groom(20.0, 1, called=False, growing=True)  # a record without one keeps the last
    assert s.groomed == [[20.0, 1, 0, 1, at]]
    assert roundtrip(s) == s and roundtrip(s).groomed[0][4] == at


def test_a_second_chat_is_kept_with_the_first_and_old_rows_read_back() -> None:
    from earlywarn.features.sms import SenderState
    from earlywarn.features.victims import SubscriberState

    s = SubscriberState()
    s.texted(10.0, "+85512000001")
    s.texted_again(20.0, "+85512000001")
    s.texted_again(30.0, "+85512000001")  # only the second is kept
    s.texted_again(40.0, "+85512000002")  # no first chat: nothing to add to
    assert s.texters == [[10.0, "+85512000001", 20.0]]
    assert roundtrip(s) == s
    assert s.ties_before(25.0, 3600.0) == {"+85512000001": (False, 2)}
    assert s.ties_before(15.0, 3600.0) == {"+85512000001": (False, 1)}
    # rows from before second chats were kept: one contact each
    old = SubscriberState.from_json({**SubscriberState().to_json(), "x": [[0.0, "+1"]]})
    assert old.texters == [[0.0, "+1"]] and old.ties_before(9.0, 60.0) == {"+1": (False, 1)}
    sender = SenderState()
    sender.chatted = [11, 12]
    assert SenderState.from_json(sender.to_json()).chatted == [11, 12]
    assert "c" not in SenderState().to_json()


def test_a_groomed_row_of_one_contact_counts_half_until_repeated() -> None:
    from earlywarn.features.victims import SINGLE, SubscriberState

    s = SubscriberState()
    assert s.groom(0.0, 1, called=False, single=True) == (0.5, 0.0, 0.0)
    assert s.groom(10.0, 2, called=True) == (1.5, 1.0, 0.0)
    assert s.groomed[0][2] == SINGLE and roundtrip(s) == s
    # a later record of the same victim with a second contact makes it count in full
    assert s.groom(20.0, 1, called=False, growing=True) == (2.0, 1.0, 1.0)
    assert s.groom(30.0, 1, called=False, single=True) == (2.0, 1.0, 1.0)  # and it stays so
