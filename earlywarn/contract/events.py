"""Typed input events of the v1 contract (``shared/CONTRACT.md``).

Events are immutable, slot-only records built by :mod:`earlywarn.contract.decode`.
Times are float seconds since the Unix epoch (UTC); the original zone is not needed
by the detectors. Countries are derived from E.164 numbers by the decoder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Rail = Literal["bank_transfer", "mobile_money", "ewallet", "card", "crypto_onramp", "cash_out"]
RAILS: frozenset[str] = frozenset(
    ("bank_transfer", "mobile_money", "ewallet", "card", "crypto_onramp", "cash_out")
)
PAYMENT_STATUSES: frozenset[str] = frozenset(("initiated", "completed"))
ENTITY_TYPES: frozenset[str] = frozenset(("msisdn", "account", "imei", "sender_id", "url_domain"))
LABELS: frozenset[str] = frozenset(("scam", "mule", "victim", "legit"))

#: Default input topic names. All of them are configurable in :class:`earlywarn.Settings`.
TOPIC_CDR = "telco.cdr"
TOPIC_SMS = "telco.sms"
TOPIC_PAYMENTS = "payments.events"
TOPIC_LABELS = "earlywarn.labels"
TOPIC_INTEL = "earlywarn.intel"


@dataclass(slots=True, frozen=True)
class CallEvent:
    """One call detail record (``telco.cdr``, keyed by ``caller``)."""

    event_id: str
    event_time: float
    operator: str
    caller: str
    callee: str
    answered: bool
    duration_s: float
    caller_country: str | None = None
    callee_country: str | None = None
    caller_imei: str | None = None
    cell_id: str | None = None
    caller_roaming: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    channel = "cdr"

    @property
    def key(self) -> str:
        return self.caller


@dataclass(slots=True, frozen=True)
class SmsEvent:
    """Metadata of one SMS, never its content (``telco.sms``, keyed by ``sender``)."""

    event_id: str
    event_time: float
    operator: str
    sender: str
    recipient: str
    has_url: bool
    sender_is_alphanumeric: bool = False
    sender_country: str | None = None
    recipient_country: str | None = None
    url_domain: str | None = None
    template_hash: str | None = None
    segments: int = 1
    sender_imei: str | None = None
    cell_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    channel = "sms"

    @property
    def key(self) -> str:
        return self.sender


@dataclass(slots=True, frozen=True)
class PaymentEvent:
    """One payment (``payments.events``, keyed by ``payer_account``)."""

    event_id: str
    event_time: float
    institution: str
    payer_account: str
    payee_account: str
    amount: float
    currency: str
    rail: str
    payer_msisdn: str | None = None
    payee_msisdn: str | None = None
    payer_country: str | None = None
    payee_country: str | None = None
    status: str = "initiated"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    channel = "payments"

    @property
    def key(self) -> str:
        return self.payer_account


@dataclass(slots=True, frozen=True)
class LabelEvent:
    """A confirmed outcome reported late by an anti-scam centre, bank or operator."""

    entity_type: str
    entity_id: str
    label: str
    source: str
    reported_time: float
    typology: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    channel = "labels"

    @property
    def key(self) -> str:
        return self.entity_id


@dataclass(slots=True, frozen=True)
class IntelEvent:
    """A shared indicator from another operator or country."""

    indicator_type: str
    indicator: str
    pseudonymised: bool
    confidence: float
    source_country: str
    expires_time: float
    typology: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    channel = "intel"

    @property
    def key(self) -> str:
        return self.indicator


Event = CallEvent | SmsEvent | PaymentEvent | LabelEvent | IntelEvent
