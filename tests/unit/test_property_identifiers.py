"""Properties of phone and ICE parsing: every way people write a Moroccan number reads
the same, and anything else is refused with a code (never another exception)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.errors import InvalidIdentifier
from catalog.identifiers import clean_ice, clean_phone
from storefront.demo.identifiers import make_ice

#: Moroccan mobile numbers: 06 and 07 followed by 8 digits
mobiles = st.tuples(st.sampled_from("67"), st.text("0123456789", min_size=8, max_size=8))
separators = st.sampled_from(["", " ", ".", "-", "\u00a0"])


def _written(national: str, style: int, sep: str) -> str:
    """``612345678`` as people write it: 06 12 34 56 78, +212 612345678, 00212…"""
    local = "0" + national
    if style == 0:
        return sep.join(local[i : i + 2] for i in range(0, 10, 2))
    if style == 1:
        return "+212" + sep + national
    if style == 2:
        return "00212" + sep + national
    parts = [national[0], national[1:3], national[3:5], national[5:7], national[7:9]]
    return "+212" + sep + sep.join(parts)


@given(mobiles, st.integers(min_value=0, max_value=3), separators)
def test_a_mobile_number_reads_the_same_however_written(mobile, style, sep) -> None:
    national = mobile[0] + mobile[1]
    written = _written(national, style, sep)
    try:
        cleaned = clean_phone(written)
    except InvalidIdentifier:
        # a block phonenumbers' metadata does not allocate: refused in every form
        with pytest.raises(InvalidIdentifier):
            clean_phone("0" + national)
        return
    assert cleaned == "+212" + national


@given(st.text(max_size=25))
def test_anything_else_is_refused_with_a_code_or_normalised(text) -> None:
    try:
        cleaned = clean_phone(text)
    except InvalidIdentifier as exc:
        assert exc.code == "phone_invalid"
    else:
        assert cleaned.startswith("+212") and cleaned[1:].isdigit()
        assert clean_phone(cleaned) == cleaned, "normalising twice changes nothing"


@given(st.integers(min_value=0, max_value=999_999_999), st.integers(min_value=0, max_value=9999))
def test_every_made_ice_is_valid_and_reads_back(entity, establishment) -> None:
    ice = make_ice(entity, establishment)
    assert len(ice) == 15 and clean_ice(ice) == ice
    assert clean_ice(" ".join([ice[:5], ice[5:10], ice[10:]])) == ice


@given(
    st.integers(min_value=0, max_value=999_999_999),
    st.integers(min_value=0, max_value=14),
    st.integers(min_value=1, max_value=9),
)
def test_a_single_mistyped_ice_digit_is_caught(entity, position, delta) -> None:
    ice = make_ice(entity)
    digit = (int(ice[position]) + delta) % 10
    typo = ice[:position] + str(digit) + ice[position + 1 :]
    with pytest.raises(InvalidIdentifier) as exc:
        clean_ice(typo)
    assert exc.value.code == "ice_checksum"


@given(st.text(max_size=20))
def test_ice_parsing_never_fails_otherwise(text) -> None:
    try:
        clean_ice(text)
    except InvalidIdentifier as exc:
        assert exc.code in {"ice_length", "ice_format", "ice_checksum"}
