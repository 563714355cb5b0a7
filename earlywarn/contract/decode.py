"""Decode and validate raw message bytes into typed events.

One entry point, :func:`decode`, used by the Faust agents, ``earlywarn replay`` and the
tests alike. It never raises anything but :class:`ContractError` for bad input.

Examples
--------
>>> ev = decode("telco.cdr", b'{"event_id": "e1", "event_time": "2026-11-23T06:00:00Z",'
...     b' "operator": "TH-AIS", "caller": "+2348012345678", "callee": "+66812345678",'
...     b' "answered": false, "duration_s": 0}')
>>> ev.caller_country, ev.callee_country
('NG', 'TH')
>>> decode("telco.cdr", b'{"event_id": "e1"}')
Traceback (most recent call last):
...
earlywarn.contract.reasons.ContractError: missing_field: caller
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from earlywarn.contract.events import (
    ENTITY_TYPES,
    LABELS,
    PAYMENT_STATUSES,
    RAILS,
    TOPIC_CDR,
    TOPIC_INTEL,
    TOPIC_LABELS,
    TOPIC_PAYMENTS,
    TOPIC_SMS,
    CallEvent,
    Event,
    IntelEvent,
    LabelEvent,
    PaymentEvent,
    SmsEvent,
)
from earlywarn.contract.fields import (
    MAX_AMOUNT,
    MAX_DURATION_S,
    MAX_ID_LEN,
    MAX_MESSAGE_BYTES,
    MAX_STR_LEN,
    Fields,
    parse_json,
    phone_info,
)
from earlywarn.contract.reasons import ContractError, Reason

_ALNUM_SENDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._&-]{0,10}")
_CURRENCY = re.compile(r"[A-Z]{3}")


def _extra(obj: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    unknown = obj.keys() - known
    return {k: obj[k] for k in unknown} if unknown else {}


_CALL_FIELDS = frozenset(
    [
        "event_id",
        "event_time",
        "operator",
        "caller",
        "callee",
        "answered",
        "duration_s",
        "caller_imei",
        "cell_id",
        "caller_roaming",
    ]
)
_SMS_FIELDS = frozenset(
    [
        "event_id",
        "event_time",
        "operator",
        "sender",
        "recipient",
        "has_url",
        "url_domain",
        "template_hash",
        "segments",
        "sender_imei",
        "cell_id",
    ]
)
_PAYMENT_FIELDS = frozenset(
    [
        "event_id",
        "event_time",
        "institution",
        "payer_account",
        "payee_account",
        "amount",
        "currency",
        "rail",
        "payer_msisdn",
        "payee_msisdn",
        "payer_country",
        "payee_country",
        "status",
    ]
)
_LABEL_FIELDS = frozenset(
    ["entity_type", "entity_id", "label", "typology", "source", "reported_time"]
)
_INTEL_FIELDS = frozenset(
    [
        "indicator_type",
        "indicator",
        "pseudonymised",
        "confidence",
        "source_country",
        "typology",
        "expires_time",
    ]
)


def call_from_dict(obj: dict[str, Any]) -> CallEvent:
    f = Fields(obj)
    (caller, caller_country), (callee, callee_country) = (
        f.phone_country("caller"),
        f.phone_country("callee"),
    )
    return CallEvent(
        event_id=f.string("event_id", max_len=MAX_ID_LEN),
        event_time=f.time("event_time"),
        operator=f.string("operator"),
        caller=caller,
        callee=callee,
        answered=f.boolean("answered"),
        duration_s=f.number("duration_s", max_value=MAX_DURATION_S),
        caller_country=caller_country,
        callee_country=callee_country,
        caller_imei=f.string("caller_imei", required=False, max_len=MAX_ID_LEN),
        cell_id=f.string("cell_id", required=False, max_len=MAX_ID_LEN),
        caller_roaming=f.boolean("caller_roaming", required=False),
        extra=_extra(obj, _CALL_FIELDS),
    )


def sms_from_dict(obj: dict[str, Any]) -> SmsEvent:
    f = Fields(obj)
    sender = f.string("sender", max_len=16)
    alphanumeric = not sender.startswith("+")
    sender_country = None
    if alphanumeric:
        if _ALNUM_SENDER.fullmatch(sender) is None:
            raise ContractError(Reason.BAD_PHONE, "sender", "neither E.164 nor an 11-char id")
    else:
        possible, sender_country = phone_info(sender)
        if not possible:
            raise ContractError(Reason.BAD_PHONE, "sender", "not an E.164 number")
    recipient, recipient_country = f.phone_country("recipient")
    segments = obj.get("segments", 1)
    if segments is None:
        segments = 1
    if isinstance(segments, bool) or not isinstance(segments, int):
        raise ContractError(Reason.WRONG_TYPE, "segments", "expected an integer")
    if segments < 1 or segments > 255:
        raise ContractError(Reason.BAD_VALUE, "segments", "must be 1..255")
    return SmsEvent(
        event_id=f.string("event_id", max_len=MAX_ID_LEN),
        event_time=f.time("event_time"),
        operator=f.string("operator"),
        sender=sender,
        recipient=recipient,
        has_url=f.boolean("has_url"),
        sender_is_alphanumeric=alphanumeric,
        sender_country=sender_country,
        recipient_country=recipient_country,
        url_domain=f.string("url_domain", required=False),
        template_hash=f.string("template_hash", required=False, max_len=MAX_ID_LEN),
        segments=segments,
        sender_imei=f.string("sender_imei", required=False, max_len=MAX_ID_LEN),
        cell_id=f.string("cell_id", required=False, max_len=MAX_ID_LEN),
        extra=_extra(obj, _SMS_FIELDS),
    )


def payment_from_dict(obj: dict[str, Any]) -> PaymentEvent:
    f = Fields(obj)
    currency = f.string("currency", max_len=3)
    if _CURRENCY.fullmatch(currency) is None:
        raise ContractError(Reason.BAD_VALUE, "currency", "not an ISO 4217 code")
    (payer_msisdn, payer_msisdn_country), (payee_msisdn, payee_msisdn_country) = (
        f.phone_country("payer_msisdn", required=False),
        f.phone_country("payee_msisdn", required=False),
    )
    payer_country = f.country("payer_country") or (payer_msisdn and payer_msisdn_country)
    payee_country = f.country("payee_country") or (payee_msisdn and payee_msisdn_country)
    return PaymentEvent(
        event_id=f.string("event_id", max_len=MAX_ID_LEN),
        event_time=f.time("event_time"),
        institution=f.string("institution"),
        payer_account=f.string("payer_account", max_len=MAX_ID_LEN),
        payee_account=f.string("payee_account", max_len=MAX_ID_LEN),
        amount=f.number("amount", positive=True, max_value=MAX_AMOUNT),
        currency=currency,
        rail=f.choice("rail", RAILS),
        payer_msisdn=payer_msisdn,
        payee_msisdn=payee_msisdn,
        payer_country=payer_country or None,
        payee_country=payee_country or None,
        status=f.choice("status", PAYMENT_STATUSES, required=False) or "initiated",
        extra=_extra(obj, _PAYMENT_FIELDS),
    )


def label_from_dict(obj: dict[str, Any]) -> LabelEvent:
    f = Fields(obj)
    return LabelEvent(
        entity_type=f.choice("entity_type", ENTITY_TYPES),
        entity_id=f.string("entity_id", max_len=MAX_ID_LEN),
        label=f.choice("label", LABELS),
        source=f.string("source"),
        reported_time=f.time("reported_time"),
        typology=f.string("typology", required=False, max_len=MAX_ID_LEN),
        extra=_extra(obj, _LABEL_FIELDS),
    )


def intel_from_dict(obj: dict[str, Any]) -> IntelEvent:
    f = Fields(obj)
    confidence = f.number("confidence")
    if confidence > 1:
        raise ContractError(Reason.BAD_VALUE, "confidence", "must be 0..1")
    return IntelEvent(
        indicator_type=f.choice("indicator_type", ENTITY_TYPES),
        indicator=f.string("indicator", max_len=MAX_STR_LEN),
        pseudonymised=f.boolean("pseudonymised"),
        confidence=confidence,
        source_country=f.country("source_country", required=True),
        expires_time=f.time("expires_time"),
        typology=f.string("typology", required=False, max_len=MAX_ID_LEN),
        extra=_extra(obj, _INTEL_FIELDS),
    )


#: Builder per *kind* of input. Topic names map onto kinds in :class:`earlywarn.Settings`.
BUILDERS: dict[str, Callable[[dict[str, Any]], Event]] = {
    "cdr": call_from_dict,
    "sms": sms_from_dict,
    "payments": payment_from_dict,
    "labels": label_from_dict,
    "intel": intel_from_dict,
}
DEFAULT_KINDS: dict[str, str] = {
    TOPIC_CDR: "cdr",
    TOPIC_SMS: "sms",
    TOPIC_PAYMENTS: "payments",
    TOPIC_LABELS: "labels",
    TOPIC_INTEL: "intel",
}


def decode(
    topic: str,
    raw: bytes,
    *,
    kinds: Mapping[str, str] = DEFAULT_KINDS,
    max_bytes: int = MAX_MESSAGE_BYTES,
) -> Event:
    """Decode one message from ``topic`` into a typed event.

    Raises
    ------
    ContractError
        For every way the message breaks the contract, with a reason code.
    """
    kind = kinds.get(topic)
    if kind is None:
        raise ContractError(Reason.UNKNOWN_TOPIC, detail="no input kind for this topic")
    return from_dict(kind, parse_json(raw, max_bytes=max_bytes))


def from_dict(kind: str, obj: dict[str, Any]) -> Event:
    """Validate an already-parsed JSON object of input ``kind`` (``cdr``, ``sms``, ...)."""
    builder = BUILDERS.get(kind)
    if builder is None:
        raise ContractError(Reason.UNKNOWN_TOPIC, detail=f"unknown kind {kind!r}")
    try:
        return builder(obj)
    except ContractError:
        raise
    except (TypeError, ValueError, OverflowError, AttributeError) as exc:  # defensive
        raise ContractError(Reason.BAD_VALUE, detail=type(exc).__name__) from None
