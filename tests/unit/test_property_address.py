"""Properties of the checkout's delivery details: a valid Moroccan address and phone
are accepted in any spelling and normalised; anything else is refused with codes,
never an exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from catalog import regions
from orders.placing import MAX_ADDRESS_LENGTH, Address, Customer, check_details

pairs = st.sampled_from(
    [
        (p.region_code, p.code)
        for p in regions.provinces()
        if p.kind != "prefecture_of_arrondissements"
    ]
)
phones = st.sampled_from(["0612345678", "06 12 34 56 78", "+212 6 12 34 56 78", "00212612345678"])
spaces = st.text(alphabet=" \t", max_size=3)
KNOWN = {
    "invalid_name", "invalid_email", "invalid_phone", "unknown_region", "province_mismatch",
    "invalid_address",
}  # fmt: skip


@given(
    pairs, phones, spaces, st.text(min_size=5, max_size=80).filter(lambda t: len(t.strip()) >= 5)
)
def test_valid_details_are_accepted_and_normalised(pair, phone, pad, street) -> None:
    customer = Customer(
        name=f"{pad}Amina  Alaoui{pad}", email=f"{pad}Amina@Example.MA", phone=phone
    )
    cleaned, problems = check_details(customer, Address(pair[0], pair[1], street))
    assert problems == []
    assert cleaned.name == "Amina Alaoui" and cleaned.email == "amina@example.ma"
    assert cleaned.phone == "+212612345678"


@given(
    st.text(max_size=130),
    st.text(max_size=40),
    st.text(max_size=20),
    st.text(max_size=4),
    st.text(max_size=8),
    st.text(max_size=MAX_ADDRESS_LENGTH + 20),
)
def test_anything_typed_is_refused_with_codes_never_an_error(
    name, email, phone, region, province, street
) -> None:
    _, problems = check_details(
        Customer(name=name, email=email, phone=phone), Address(region, province, street)
    )
    assert {p.code for p in problems} <= KNOWN


@given(pairs, pairs)
def test_a_province_of_another_region_is_refused(pair, other) -> None:
    _, problems = check_details(
        Customer(name="Amina", email="a@example.ma", phone="0612345678"),
        Address(pair[0], other[1], "12 rue des Orangers"),
    )
    assert ("province_mismatch" in {p.code for p in problems}) == (pair[0] != other[0])
