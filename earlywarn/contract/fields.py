"""Field-level validation: JSON parsing, E.164 numbers, times, enums.

Every failure is a :class:`~earlywarn.contract.reasons.ContractError` whose detail never
echoes the offending value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from earlywarn.contract.reasons import ContractError, Reason

#: Messages larger than this are dead-lettered unread (contract: over-size messages break it).
MAX_MESSAGE_BYTES = 64 * 1024
MAX_ID_LEN = 64
MAX_STR_LEN = 256
#: Upper bounds of numeric fields. Finite but huge values (``1e308``) overflow the running
#: sums of per-entity state to infinity, which its JSON encoding cannot carry: the entity's
#: state would no longer load, and every later event of that entity would be dead-lettered.
#: A call longer than 30 days or an amount of 10^15 major units is not a real event.
MAX_DURATION_S = 30 * 86_400.0
MAX_AMOUNT = 1e15

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


_COUNTRIES: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS)


def parse_json(raw: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> dict[str, Any]:
    """Parse one message value into a JSON object, or raise :class:`ContractError`."""
    if len(raw) > max_bytes:
        raise ContractError(Reason.OVERSIZE, detail=f"{len(raw)} bytes > {max_bytes}")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ContractError(Reason.NOT_UTF8) from None
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ContractError(Reason.NOT_JSON, detail=str(exc).split(":")[0]) from None
    if not isinstance(obj, dict):
        raise ContractError(Reason.NOT_OBJECT, detail=type(obj).__name__)
    return obj


def _single_region(digits: str) -> tuple[str, str] | None:
    """(region, national number) when the calling code belongs to one region only."""
    for n in (1, 2, 3):
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:n]))
        if regions:
            if len(regions) == 1 and regions[0] in _COUNTRIES:
                return regions[0], digits[n:]
            return None
    return None


@lru_cache(maxsize=65_536)
def _parsed_info(number: str) -> tuple[bool, str | None]:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False, None
    region = phonenumbers.region_code_for_number(parsed)
    return bool(phonenumbers.is_possible_number(parsed)), (region if region in _COUNTRIES else None)


def phone_info(number: str) -> tuple[bool, str | None]:
    """(possible, country) of an E.164 string, from libphonenumber's metadata.

    Calling codes used by one region only (most of Asia) are answered from the library's
    possible-length metadata in about a microsecond; shared codes (+1, +7, +44 ...) and
    non-geographic ones go through a full (cached) parse. The two paths agree (tested).

    >>> phone_info("+66812345678")
    (True, 'TH')
    >>> phone_info("+6681234")
    (False, 'TH')
    """
    if _E164.fullmatch(number) is None:
        return False, None
    fast = _single_region(number[1:])
    if fast is None:
        return _parsed_info(number)
    region, national = fast
    rules = _region_rules(region)
    if rules is None or (rules[0] is not None and rules[0].match(national)):
        return _parsed_info(number)  # libphonenumber strips a national prefix here
    return len(national) in rules[1], region


@lru_cache(maxsize=512)
def _region_rules(region: str) -> tuple[re.Pattern[str] | None, frozenset[int]] | None:
    md = PhoneMetadata.metadata_for_region(region)
    desc = md.general_desc if md is not None else None
    if md is None or desc is None:
        return None
    prefix = md.national_prefix_for_parsing or md.national_prefix
    lengths = frozenset(desc.possible_length or ()) | frozenset(
        desc.possible_length_local_only or ()
    )
    return (re.compile(prefix) if prefix else None), lengths


def country_of(number: str) -> str | None:
    """ISO 3166 country of an E.164 number, or ``None`` for non-geographic numbers.

    >>> country_of("+60123456789")
    'MY'
    """
    return phone_info(number)[1]


def is_e164(value: str) -> bool:
    """Whether ``value`` is a possible E.164 number (``+`` and 7 to 15 digits)."""
    return phone_info(value)[0]


class Fields:
    """Typed accessors over one JSON object; every failure is a ContractError."""

    __slots__ = ("obj",)

    def __init__(self, obj: Mapping[str, Any]) -> None:
        self.obj = obj

    def _get(self, name: str, required: bool) -> Any:
        value = self.obj.get(name)
        if value is None and required:
            raise ContractError(Reason.MISSING_FIELD, name)
        return value

    def string(self, name: str, *, required: bool = True, max_len: int = MAX_STR_LEN) -> Any:
        value = self.obj.get(name)
        if type(value) is str and 0 < len(value) <= max_len and value.isprintable():
            return value  # the usual case, checked as below in one go
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ContractError(Reason.WRONG_TYPE, name, "expected a string")
        if not value or len(value) > max_len:
            raise ContractError(Reason.BAD_VALUE, name, f"length must be 1..{max_len}")
        if not value.isprintable():
            raise ContractError(Reason.BAD_VALUE, name, "control characters")
        return value

    def boolean(self, name: str, *, required: bool = True) -> Any:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise ContractError(Reason.WRONG_TYPE, name, "expected true or false")
        return value

    def number(
        self,
        name: str,
        *,
        required: bool = True,
        positive: bool = False,
        max_value: float = math.inf,
    ) -> Any:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ContractError(Reason.WRONG_TYPE, name, "expected a number")
        value = float(value)
        if not math.isfinite(value):
            raise ContractError(Reason.BAD_VALUE, name, "not finite")
        if value < 0 or (positive and value == 0):
            raise ContractError(Reason.NEGATIVE_VALUE, name, "must be > 0" if positive else "")
        if value > max_value:
            raise ContractError(Reason.BAD_VALUE, name, f"must be <= {max_value:g}")
        return value

    def time(self, name: str, *, required: bool = True) -> Any:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ContractError(Reason.WRONG_TYPE, name, "expected an ISO-8601 string")
        try:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ContractError(Reason.BAD_TIME, name, "no zone")
            return parsed.timestamp()
        except (ValueError, OverflowError):
            raise ContractError(Reason.BAD_TIME, name, "not ISO-8601") from None

    def phone(self, name: str, *, required: bool = True) -> Any:
        return self.phone_country(name, required=required)[0]

    def phone_country(self, name: str, *, required: bool = True) -> tuple[Any, str | None]:
        """The E.164 number of ``name`` (as :meth:`phone`) and its country, from one
        :func:`phone_info` lookup; ``(None, None)`` when it is absent."""
        value = self._get(name, required)
        if value is None:
            return None, None
        if not isinstance(value, str):
            raise ContractError(Reason.WRONG_TYPE, name, "expected an E.164 string")
        possible, country = phone_info(value)
        if not possible:
            raise ContractError(Reason.BAD_PHONE, name, "not an E.164 number")
        return value, country

    def choice(self, name: str, allowed: frozenset[str], *, required: bool = True) -> Any:
        value = self.string(name, required=required)
        if value is not None and value not in allowed:
            raise ContractError(Reason.BAD_VALUE, name, f"one of {', '.join(sorted(allowed))}")
        return value

    def country(self, name: str, *, required: bool = False) -> Any:
        value = self.string(name, required=required, max_len=2)
        if value is not None and value not in _COUNTRIES:
            raise ContractError(Reason.BAD_VALUE, name, "not an ISO 3166-1 alpha-2 code")
        return value
