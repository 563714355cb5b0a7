"""Unique, valid identifiers: E.164 mobile numbers, IMEIs, accounts, cells.

One :class:`IdFactory` per simulation hands out every identifier, so the population and
the injected campaigns never collide.
"""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberType

from loadtest.countries import COUNTRIES, FOREIGN, TACS

_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def luhn_digit(body: str) -> str:
    """Luhn check digit of a digit string (as used by the 15th IMEI digit).

    Examples
    --------
    >>> luhn_digit("49015420323751")
    '8'
    """
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_mobile(number: str) -> bool:
    """Whether ``number`` is a valid mobile number per libphonenumber."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed)) and (
        phonenumbers.number_type(parsed) in _MOBILE_TYPES
    )


class IdFactory:
    """Hands out unique identifiers from a seeded random stream.

    Parameters
    ----------
    rng
        The random stream; identifiers depend only on it and the call order.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()
        self._accounts = 0
        self._cells: dict[str, int] = {}
        self._blocks: dict[str, bool] = {}

    def _valid_block(self, number: str, block_len: int) -> bool:
        # Mobile numbering plans depend on the leading digits only: validate one number per
        # block of leading digits and remember the answer (libphonenumber is slow).
        block = number[:block_len]
        ok = self._blocks.get(block)
        if ok is None:
            ok = self._blocks[block] = is_valid_mobile(number)
        return ok

    def _fresh_number(self, dial: str, prefixes: tuple[str, ...], length: int) -> str:
        rng = self.rng
        while True:
            prefix = rng.choice(prefixes)
            rest = length - len(prefix)
            number = f"+{dial}{prefix}{rng.randrange(10**rest):0{rest}d}"
            if number not in self._used and self._valid_block(number, len(dial) + len(prefix) + 3):
                self._used.add(number)
                return number

    def msisdn(self, country: str) -> str:
        """A new valid mobile number in an ASEAN ``country``."""
        spec = COUNTRIES[country]
        return self._fresh_number(spec.dial, spec.mobile_prefixes, spec.national_len)

    def foreign_msisdn(self, country: str) -> str:
        """A new valid mobile number in a non-ASEAN ``country`` of :data:`FOREIGN`."""
        dial, prefixes, length = FOREIGN[country]
        return self._fresh_number(dial, prefixes, length)

    def imei(self, tacs: tuple[str, ...] = TACS) -> str:
        """A new 15-digit IMEI with a valid Luhn check digit."""
        while True:
            body = f"{self.rng.choice(tacs)}{self.rng.randrange(10**6):06d}"
            imei = body + luhn_digit(body)
            if imei not in self._used:
                self._used.add(imei)
                return imei

    def account(self, institution: str) -> str:
        """A new account or wallet id at ``institution`` (e.g. ``TH-KBANK:0001234567``)."""
        self._accounts += 1
        return f"{institution}:{self.rng.randrange(10**4):04d}{self._accounts:07d}"

    def cell(self, operator: str) -> str:
        """A new serving-cell id of ``operator`` (``<operator>-<lac>-<ci>``)."""
        n = self._cells.get(operator, 0) + 1
        self._cells[operator] = n
        return f"{operator}-{n // 64:04d}-{n:05d}"
