"""Validation of every input kind, and every dead-letter reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from earlywarn.contract import (
    CallEvent,
    ContractError,
    IntelEvent,
    LabelEvent,
    PaymentEvent,
    Reason,
    SmsEvent,
    decode,
)

CALL: dict[str, Any] = {
    "event_id": "c-1",
    "event_time": "2026-11-23T06:00:00.123Z",
    "operator": "TH-AIS",
    "caller": "+2348012345678",
    "callee": "+66812345678",
    "answered": False,
    "duration_s": 0,
}
SMS: dict[str, Any] = {
    "event_id": "s-1",
    "event_time": "2026-11-23T13:00:00+07:00",
    "operator": "MY-MAXIS",
    "sender": "BANKXYZ",
    "recipient": "+60123456789",
    "has_url": True,
    "url_domain": "examp1e-bank.top",
}
PAYMENT: dict[str, Any] = {
    "event_id": "p-1",
    "event_time": "2026-11-23T06:00:00Z",
    "institution": "TH-BANK-A",
    "payer_account": "acct-1",
    "payee_account": "acct-2",
    "amount": 1500.5,
    "currency": "THB",
    "rail": "bank_transfer",
    "payer_msisdn": "+66812345678",
}
LABEL: dict[str, Any] = {
    "entity_type": "msisdn",
    "entity_id": "+2348012345678",
    "label": "scam",
    "typology": "wangiri",
    "source": "TH-ASC",
    "reported_time": "2026-11-25T06:00:00Z",
}
INTEL: dict[str, Any] = {
    "indicator_type": "msisdn",
    "indicator": "ab12",
    "pseudonymised": True,
    "confidence": 0.9,
    "source_country": "MY",
    "expires_time": "2026-12-25T06:00:00Z",
}
TOPICS = {
    "telco.cdr": CALL,
    "telco.sms": SMS,
    "payments.events": PAYMENT,
    "earlywarn.labels": LABEL,
    "earlywarn.intel": INTEL,
}


def enc(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def reason_of(topic: str, raw: bytes) -> tuple[Reason, str | None]:
    with pytest.raises(ContractError) as info:
        decode(topic, raw)
    return info.value.reason, info.value.field


def test_valid_events_decode_with_derived_countries() -> None:
    call = decode("telco.cdr", enc(CALL))
    assert isinstance(call, CallEvent)
    assert (call.caller_country, call.callee_country) == ("NG", "TH")
    assert call.event_time == pytest.approx(1795413600.123)
    sms = decode("telco.sms", enc(SMS))
    assert isinstance(sms, SmsEvent)
    assert sms.sender_is_alphanumeric and sms.sender_country is None
    assert sms.recipient_country == "MY" and sms.segments == 1
    assert (
        sms.event_time
        == decode("telco.sms", enc({**SMS, "event_time": "2026-11-23T06:00:00Z"})).event_time
    )
    pay = decode("payments.events", enc(PAYMENT))
    assert isinstance(pay, PaymentEvent)
    assert pay.payer_country == "TH" and pay.payee_country is None and pay.status == "initiated"
    assert isinstance(decode("earlywarn.labels", enc(LABEL)), LabelEvent)
    assert isinstance(decode("earlywarn.intel", enc(INTEL)), IntelEvent)


def test_unknown_fields_are_kept_and_ignored() -> None:
    ev = decode("telco.cdr", enc({**CALL, "vendor_field": [1, 2], "topic": "telco.cdr"}))
    assert isinstance(ev, CallEvent)
    assert ev.extra == {"vendor_field": [1, 2], "topic": "telco.cdr"}


def test_explicit_country_wins_over_msisdn() -> None:
    ev = decode("payments.events", enc({**PAYMENT, "payer_country": "SG"}))
    assert isinstance(ev, PaymentEvent) and ev.payer_country == "SG"


@pytest.mark.parametrize(
    ("topic", "raw", "reason", "field"),
    [
        ("telco.cdr", b"x" * (64 * 1024 + 1), Reason.OVERSIZE, None),
        ("telco.cdr", b'{"event_id": "\xff"}', Reason.NOT_UTF8, None),
        ("telco.cdr", b"{not json", Reason.NOT_JSON, None),
        ("telco.cdr", b'{"duration_s": NaN}', Reason.NOT_JSON, None),
        ("telco.cdr", b'{"duration_s": 1e400}', Reason.NOT_JSON, None),
        ("telco.cdr", b"[" * 2000 + b"]" * 2000, Reason.NOT_JSON, None),
        ("telco.cdr", b"[1, 2]", Reason.NOT_OBJECT, None),
        ("telco.cdr", b'"str"', Reason.NOT_OBJECT, None),
        (
            "telco.cdr",
            enc({k: v for k, v in CALL.items() if k != "callee"}),
            Reason.MISSING_FIELD,
            "callee",
        ),
        ("telco.cdr", enc({**CALL, "operator": None}), Reason.MISSING_FIELD, "operator"),
        ("telco.cdr", enc({**CALL, "answered": "no"}), Reason.WRONG_TYPE, "answered"),
        ("telco.cdr", enc({**CALL, "duration_s": True}), Reason.WRONG_TYPE, "duration_s"),
        ("telco.cdr", enc({**CALL, "duration_s": "12"}), Reason.WRONG_TYPE, "duration_s"),
        ("telco.cdr", enc({**CALL, "event_id": 7}), Reason.WRONG_TYPE, "event_id"),
        ("telco.cdr", enc({**CALL, "duration_s": -1}), Reason.NEGATIVE_VALUE, "duration_s"),
        ("payments.events", enc({**PAYMENT, "amount": -5}), Reason.NEGATIVE_VALUE, "amount"),
        ("payments.events", enc({**PAYMENT, "amount": 0}), Reason.NEGATIVE_VALUE, "amount"),
        ("telco.cdr", enc({**CALL, "event_time": "yesterday"}), Reason.BAD_TIME, "event_time"),
        (
            "telco.cdr",
            enc({**CALL, "event_time": "2026-11-23T06:00:00"}),
            Reason.BAD_TIME,
            "event_time",
        ),
        ("telco.cdr", enc({**CALL, "event_time": 1795413600}), Reason.WRONG_TYPE, "event_time"),
        ("telco.cdr", enc({**CALL, "caller": "0812345678"}), Reason.BAD_PHONE, "caller"),
        ("telco.cdr", enc({**CALL, "callee": "+12"}), Reason.BAD_PHONE, "callee"),
        ("telco.sms", enc({**SMS, "sender": "WAY-TOO-LONG-SENDER"}), Reason.BAD_VALUE, "sender"),
        ("telco.sms", enc({**SMS, "sender": "BAD!ID"}), Reason.BAD_PHONE, "sender"),
        ("telco.sms", enc({**SMS, "segments": 0}), Reason.BAD_VALUE, "segments"),
        ("telco.sms", enc({**SMS, "segments": 1.5}), Reason.WRONG_TYPE, "segments"),
        ("telco.cdr", enc({**CALL, "event_id": "x" * 65}), Reason.BAD_VALUE, "event_id"),
        ("telco.cdr", enc({**CALL, "event_id": "a\x00b"}), Reason.BAD_VALUE, "event_id"),
        ("telco.cdr", enc({**CALL, "event_id": ""}), Reason.BAD_VALUE, "event_id"),
        ("payments.events", enc({**PAYMENT, "rail": "pigeon"}), Reason.BAD_VALUE, "rail"),
        ("payments.events", enc({**PAYMENT, "currency": "baht"}), Reason.BAD_VALUE, "currency"),
        (
            "payments.events",
            enc({**PAYMENT, "payee_country": "XX"}),
            Reason.BAD_VALUE,
            "payee_country",
        ),
        ("payments.events", enc({**PAYMENT, "status": "maybe"}), Reason.BAD_VALUE, "status"),
        ("earlywarn.labels", enc({**LABEL, "label": "suspicious"}), Reason.BAD_VALUE, "label"),
        ("earlywarn.intel", enc({**INTEL, "confidence": 1.5}), Reason.BAD_VALUE, "confidence"),
        ("some.other.topic", enc(CALL), Reason.UNKNOWN_TOPIC, None),
    ],
)
def test_each_rejection_reason(topic: str, raw: bytes, reason: Reason, field: str | None) -> None:
    assert reason_of(topic, raw) == (reason, field)


def test_details_never_echo_the_offending_value() -> None:
    bad = "+0000BAD0000"
    with pytest.raises(ContractError) as info:
        decode("telco.cdr", enc({**CALL, "caller": bad}))
    assert bad not in str(info.value)


def test_extreme_but_valid_times_decode() -> None:
    for stamp in ("0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59+00:00"):
        assert isinstance(decode("telco.cdr", enc({**CALL, "event_time": stamp})), CallEvent)


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from(sorted(TOPICS)), raw=st.binary(max_size=512))
def test_any_bytes_give_an_event_or_a_contract_error(topic: str, raw: bytes) -> None:
    try:
        decode(topic, raw)
    except ContractError as err:
        assert isinstance(err.reason, Reason)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from(sorted(TOPICS)), data=st.data())
def test_any_field_mutation_gives_an_event_or_a_contract_error(
    topic: str, data: st.DataObject
) -> None:
    base = dict(TOPICS[topic])
    name = data.draw(st.sampled_from(sorted(base)))
    base[name] = data.draw(JSONISH)
    try:
        decode(topic, json.dumps(base).encode())
    except ContractError as err:
        assert isinstance(err.reason, Reason)
