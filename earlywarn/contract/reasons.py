"""Why a message was dead-lettered.

Reason codes are a closed, low-cardinality set: they label metrics and dead-letter
records. Details never echo field *values*, so no raw identifier leaks into logs.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Dead-letter reason codes."""

    OVERSIZE = "oversize"
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    NEGATIVE_VALUE = "negative_value"
    BAD_TIME = "bad_time"
    BAD_PHONE = "bad_phone"
    BAD_VALUE = "bad_value"
    UNKNOWN_TOPIC = "unknown_topic"
    PROCESSING_ERROR = "processing_error"


class ContractError(ValueError):
    """A message broke the contract.

    Parameters
    ----------
    reason
        The reason code.
    field
        The offending field, when there is one.
    detail
        Words for an analyst. Never contains the offending value.

    Examples
    --------
    >>> err = ContractError(Reason.MISSING_FIELD, "caller")
    >>> str(err)
    'missing_field: caller'
    """

    def __init__(self, reason: Reason, field: str | None = None, detail: str = "") -> None:
        self.reason = reason
        self.field = field
        self.detail = detail
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = [self.reason.value]
        if self.field:
            parts.append(f": {self.field}")
        if self.detail:
            parts.append(f" ({self.detail})")
        return "".join(parts)
