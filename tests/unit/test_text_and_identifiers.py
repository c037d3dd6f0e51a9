import pytest

from catalog.db import whole_number
from catalog.errors import InvalidIdentifier
from catalog.identifiers import clean_ice, clean_phone
from catalog.text import normalise, token_stems, tokens
from storefront.demo.identifiers import make_ice


def stems(text: str) -> list[str]:
    """The stems of every word of ``text``, as the index keeps them."""
    return [stem for token in tokens(text) for stem in token_stems(token)]


def test_arabic_hamza_alef_forms_and_diacritics_are_unified() -> None:
    assert normalise("زَيْتُ الأَرْكَان") == normalise("زيت الاركان")
    assert normalise("إبداعات") == normalise("ابداعات")
    assert normalise("آمال") == normalise("امال")
    assert normalise("مدرسة") == normalise("مدرسه")
    assert normalise("عسـل") == normalise("عسل")  # tatweel


def test_french_accents_case_elisions_and_plurals_are_folded() -> None:
    # surface tokens keep the plural (exact matches); the stems fold it
    assert tokens("Huiles d'Argan COSMÉTIQUES") == ["huiles", "argan", "cosmetiques"]
    assert stems("Huiles d'Argan COSMÉTIQUES") == stems("huile argan cosmétique")
    assert normalise("Œuf") == "oeuf"


def test_ice_with_a_valid_checksum_is_accepted() -> None:
    assert clean_ice("001561191000066") == "001561191000066"
    assert clean_ice(" 001 561 191 000 066 ") == "001561191000066"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("001561191000065", "ice_checksum"),
        ("12345", "ice_length"),
        ("00156119100006A", "ice_format"),
    ],
)
def test_bad_ice_is_refused_with_a_reason(value: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as err:
        clean_ice(value)
    assert err.value.code == code


def test_generated_ices_are_valid() -> None:
    for entity in (1, 42, 999_999_999):
        assert clean_ice(make_ice(entity)) == make_ice(entity)


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("0612345678", "+212612345678"),
        ("06 12 34 56 78", "+212612345678"),
        ("+212 612-345-678", "+212612345678"),
        ("0522123456", "+212522123456"),
    ],
)
def test_moroccan_phone_numbers_are_normalised(value: str, e164: str) -> None:
    assert clean_phone(value) == e164


@pytest.mark.parametrize(
    "value",
    [
        "",
        "123",
        "06123",
        "hello",
        "+33 1 23 45 67 89 00",
        "+33 6 12 34 56 78",  # a valid French mobile, not a Moroccan line
        "+34 612 345 678",
    ],
)
def test_bad_phone_numbers_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        clean_phone(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("0", 0),
        ("", None),
        ("-1", None),
        (" 4", None),
        ("4.0", None),
        ("\u00b2", None),
        ("\u0664", None),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
    ],
)
def test_a_whole_number_from_outside_is_ascii_digits_within_a_column(text, expected):
    assert whole_number(text) == expected
