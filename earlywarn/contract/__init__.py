"""The v1 event and alert contract: typed events, validation, dead-letter reasons."""

from earlywarn.contract.alert import (
    ACTIONS,
    SEVERITIES,
    Alert,
    Explanation,
    dead_letter,
    iso,
    severity_rank,
)
from earlywarn.contract.decode import decode, from_dict
from earlywarn.contract.events import (
    CallEvent,
    Event,
    IntelEvent,
    LabelEvent,
    PaymentEvent,
    SmsEvent,
)
from earlywarn.contract.fields import MAX_MESSAGE_BYTES, country_of, is_e164, parse_json
from earlywarn.contract.reasons import ContractError, Reason

__all__ = [
    "ACTIONS",
    "MAX_MESSAGE_BYTES",
    "SEVERITIES",
    "Alert",
    "CallEvent",
    "ContractError",
    "Event",
    "Explanation",
    "IntelEvent",
    "LabelEvent",
    "PaymentEvent",
    "Reason",
    "SmsEvent",
    "country_of",
    "dead_letter",
    "decode",
    "from_dict",
    "is_e164",
    "iso",
    "parse_json",
    "severity_rank",
]
