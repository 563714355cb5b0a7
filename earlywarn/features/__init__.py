"""Per-entity streaming state and features, in event time, with bounded memory."""

from earlywarn.features.accounts import account_features
from earlywarn.features.calls import CALL_FEATURES, CallerState
from earlywarn.features.credits import CreditState
from earlywarn.features.payments import (
    ACCOUNT_FEATURES,
    CREDIT_FEATURES,
    DEBIT_FEATURES,
    DebitState,
)
from earlywarn.features.sms import SMS_FEATURES, SenderState
from earlywarn.features.state import EntityState
from earlywarn.features.window import EventWindow, key_id

__all__ = [
    "ACCOUNT_FEATURES",
    "CALL_FEATURES",
    "CREDIT_FEATURES",
    "DEBIT_FEATURES",
    "SMS_FEATURES",
    "CallerState",
    "CreditState",
    "DebitState",
    "EntityState",
    "EventWindow",
    "SenderState",
    "account_features",
    "key_id",
]
