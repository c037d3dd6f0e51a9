"""Every back-office page renders in Arabic, list pages cost a fixed number of queries,
and the profile form explains bad input."""

import pytest
from sqlalchemy import select

from catalog.audit import Actor
from catalog.db import utcnow
from catalog.models import Cooperative, CooperativeStatus
from catalog.onboarding import invite_member
from tests.conftest import NOW
from tests.storefront.backoffice import PASSWORD, english, login, member


@pytest.fixture
def inside(make, session, client, app):
    coop = make.cooperative(name_fr="Coopérative Tafoukt", name_ar="تعاونية تافوكت")
    user = member(session, coop)
    session.commit()
    login(client, user)
    return coop


def grow(make, session, coop, n: int) -> None:
    for i in range(n):
        product = make.product(coop, on_hand=2, made_to_order=i % 2 == 0, units_per_day=5)
        make.certificate(
            coop, "onssa", product_id=product.id, expires_on=NOW.date().replace(year=2099)
        )
        make.order({product: 1}, method="cod", now=utcnow())
        invite_member(session, coop, f"p{i}-{coop.id}@example.ma", actor=Actor(None), now=utcnow())
    session.commit()


GET_PAGES = [
    "/back-office/",
    "/back-office/products",
    "/back-office/orders?status=all",
    "/back-office/certificates",
    "/back-office/certificates/new",
    "/back-office/import",
    "/back-office/members",
    "/back-office/profile",
    "/back-office/activity",
    "/back-office/capacity",
    "/back-office/reports",
    "/back-office/bank",
    "/back-office/products/new",
]


@pytest.mark.parametrize("url", GET_PAGES)
def test_every_page_speaks_arabic_right_to_left(client, session, make, inside, url) -> None:
    grow(make, session, inside, 2)
    client.get("/lang/ar")
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page and "تعاونية تافوكت" in page


@pytest.mark.parametrize("url", [u for u in GET_PAGES if "new" not in u])
def test_pages_send_a_fixed_number_of_queries(client, session, make, inside, count_queries, url):
    grow(make, session, inside, 2)
    client.get(url)
    count_queries.clear()
    client.get(url)
    few = len(count_queries)
    grow(make, session, inside, 8)
    count_queries.clear()
    assert client.get(url).status_code == 200
    assert len(count_queries) == few <= 14, count_queries


PROFILE = {
    "name_fr": "Coopérative Tafoukt",
    "name_ar": "تعاونية تافوكت",
    "registration_number": "1/2010",
    "registration_court": "TPI Essaouira",
    "region_code": "09",
    "province_code": "09.001",
    "members": "12",
    "women_members": "6",
    "sector": "argan",
    "rural": "y",
}


def test_the_profile_is_saved_but_the_verified_identity_is_locked(client, session, inside):
    inside.registration_number, inside.registration_court = "1/2010", "TPI Essaouira"
    session.commit()
    form = {**PROFILE, "ice": inside.ice, "story_fr": "Nous pressons l'argan à la main."}
    assert client.post("/back-office/profile", data=form).status_code == 302
    session.expire_all()
    assert session.get(Cooperative, inside.id).story_fr.startswith("Nous pressons")
    page = client.post("/back-office/profile", data={**form, "name_fr": "Autre nom"}).get_data(
        as_text=True
    )
    assert "write to the operator to change it" in page
    session.expire_all()
    assert session.get(Cooperative, inside.id).name_fr == "Coopérative Tafoukt"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"members": "-1"}, "members"),
        ({"women_members": "40"}, "women_members"),
        ({"province_code": "01.511"}, "province_code"),
        ({"phone": "12"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"founded_year": "3000"}, "founded_year"),
        ({"sector": "mining"}, "sector"),
    ],
)
def test_bad_profile_input_is_explained_and_changes_nothing(
    client, session, inside, changes, field
) -> None:
    inside.status = CooperativeStatus.PENDING
    session.commit()
    before = session.scalar(select(Cooperative.__table__).where(Cooperative.id == inside.id))
    form = {**PROFILE, "ice": inside.ice, "name_fr": inside.name_fr, **changes}
    response = client.post("/back-office/profile", data=form)
    assert response.status_code == 200
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    session.expire_all()
    assert (
        session.scalar(select(Cooperative.__table__).where(Cooperative.id == inside.id)) == before
    )


def test_accepting_an_invitation_with_a_bad_password_creates_nothing(client, session, make):
    english(client)
    coop = make.cooperative()
    _, token = invite_member(session, coop, "k@example.ma", actor=Actor(None), now=utcnow())
    session.commit()
    data = {"name": "K", "password": "short", "confirm": "short"}
    response = client.post(f"/join/invitation/{token}", data=data)
    assert response.status_code == 200 and 'id="password-errors"' in response.get_data(as_text=True)
    ok = {"name": "K", "password": PASSWORD, "confirm": PASSWORD}
    assert client.post(f"/join/invitation/{token}", data=ok).status_code == 302


@pytest.mark.translated
def test_the_back_office_is_in_french_by_default(client, session, inside) -> None:
    client.delete_cookie("lang")
    page = client.get("/back-office/").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    assert "Tableau de bord" in page and "Dashboard" not in page
    client.get("/lang/ar")
    page = client.get("/back-office/").get_data(as_text=True)
    assert "لوحة القيادة" in page and "Dashboard" not in page


def test_the_back_office_menu_leads_to_every_section_including_api_tokens(client, inside) -> None:
    page = client.get("/back-office/").get_data(as_text=True)
    for path in ("/back-office/orders", "/back-office/products", "/back-office/api-tokens"):
        assert f'href="{path}"' in page, path
    assert client.get("/back-office/api-tokens").status_code == 200
