"""The fast E.164 path agrees with a full libphonenumber parse."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from earlywarn.contract.fields import _parsed_info, phone_info

DIGITS = st.text(alphabet="0123456789", min_size=6, max_size=14)


@settings(max_examples=3000, deadline=None)
@given(first=st.sampled_from("123456789"), rest=DIGITS)
def test_fast_path_matches_full_parse(first: str, rest: str) -> None:
    number = f"+{first}{rest}"
    assert phone_info(number) == _parsed_info.__wrapped__(number)


def test_asean_numbers() -> None:
    assert phone_info("+66812345678") == (True, "TH")
    assert phone_info("+639171234567") == (True, "PH")
    assert phone_info("+14155550123")[1] == "US"  # shared +1: full parse
    assert phone_info("0812345678") == (False, None)
