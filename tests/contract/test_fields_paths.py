"""The shortcuts in field validation answer as the full checks do."""

import pytest

from earlywarn.contract.fields import MAX_STR_LEN, Fields, country_of, is_e164
from earlywarn.contract.reasons import ContractError


class Text(str):
    """A str subclass: takes the full path, and passes it."""


@pytest.mark.parametrize(
    "value",
    [
        "TH-AIS",
        "x" * MAX_STR_LEN,
        "x" * (MAX_STR_LEN + 1),
        "",
        "a\nb",
        "tab\there",
        Text("ok"),
        None,
        5,
        True,
        ["TH-AIS"],
        "ไทย",
    ],
)
def test_string_accepts_and_rejects_as_the_full_check(value: object) -> None:
    f = Fields({"operator": value})
    try:
        got: object = f.string("operator")
    except ContractError as err:
        got = err.reason
    if isinstance(value, str) and 0 < len(value) <= MAX_STR_LEN and value.isprintable():
        assert got == value
    else:
        expected = (
            "missing_field"
            if value is None
            else "bad_value"
            if isinstance(value, str)
            else "wrong_type"
        )
        assert got == expected
    assert Fields({}).string("operator", required=False) is None


@pytest.mark.parametrize(
    "number",
    [
        "+66812345678",
        "+6681234",
        "+12025550143",
        "+447700900123",
        "+882351234567",
        "+0123",
        "66812345678",
        "+66 812345678",
        "",
    ],
)
def test_phone_country_is_is_e164_and_country_of_in_one_lookup(number: str) -> None:
    f = Fields({"caller": number})
    if is_e164(number):
        assert f.phone_country("caller") == (number, country_of(number))
        assert f.phone("caller") == number
    else:
        for read in (f.phone, f.phone_country):
            with pytest.raises(ContractError, match="bad_phone"):
                read("caller")
    assert Fields({}).phone_country("caller", required=False) == (None, None)
    with pytest.raises(ContractError, match="wrong_type"):
        Fields({"caller": 66812345678}).phone_country("caller")
