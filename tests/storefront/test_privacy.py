"""The privacy notice (law 09-08) and the export and erasure of a shopper's data."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("lang", "heading", "direction"),
    [
        ("fr", "Protection de vos données personnelles", "ltr"),
        ("ar", "حماية معطياتك الشخصية", "rtl"),
        ("en", "Your personal data", "ltr"),
    ],
)
def test_privacy_page_in_each_language(client, lang, heading, direction) -> None:
    page = client.get(f"/{lang}/privacy").get_data(as_text=True)
    assert heading in page and f'dir="{direction}"' in page
    assert "09-08" in page and ("CNDP" in page or "اللجنة الوطنية" in page)


def test_privacy_page_shows_the_configured_controller_and_declaration(app, client) -> None:
    app.config.update(
        PRIVACY_CONTROLLER="Taawun SARL",
        CNDP_DECLARATION_NUMBER="D-GC-123/2026",
        PRIVACY_CONTACT_EMAIL="dpo@example.ma",
        PRIVACY_RETENTION_MONTHS=18,
    )
    page = client.get("/fr/privacy").get_data(as_text=True)
    assert "Taawun SARL" in page and "D-GC-123/2026" in page
    assert "dpo@example.ma" in page and "18 mois" in page


def test_every_page_links_to_the_privacy_notice_and_the_api_docs(client) -> None:
    page = client.get("/fr/").get_data(as_text=True)
    assert 'href="/fr/privacy"' in page and 'href="/api/v1/docs"' in page


@pytest.fixture
def shopper_with_orders(make, session):
    from catalog.accounts.users import Role, User
    from orders.status import OrderStatus

    user = User(email="amina@example.ma", name="Amina Alaoui", phone="+212612345678")
    user.role = Role.SHOPPER
    user.set_password("argan-tree-2026")
    session.add(user)
    session.flush()
    done = make.order(email="amina@example.ma", user_id=user.id)
    done.status = OrderStatus.COMPLETED
    guest = make.order(email="amina@example.ma")  # placed as a guest, same address
    guest.status = OrderStatus.CANCELLED
    session.commit()
    return user, [done, guest]


def test_export_gives_everything_kept_about_a_shopper_as_json(runner, shopper_with_orders) -> None:
    import json

    result = runner.invoke(args=["privacy", "export", "Amina@Example.ma"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["data"]
    assert data["account"][0]["name"] == "Amina Alaoui"
    assert "password_hash" not in data["account"][0]
    assert len(data["orders"]) == 2
    assert data["orders"][0]["address"].startswith("12 rue des Orangers")
    assert data["order_lines"][0]["quantity"] == 1
    unknown = runner.invoke(args=["privacy", "export", "nobody@example.ma"])
    assert unknown.exit_code != 0 and "Nothing is kept" in unknown.output


def test_erase_anonymises_the_shopper_and_keeps_the_accounts_valid(
    runner, session, shopper_with_orders
) -> None:
    from sqlalchemy import select

    from catalog.accounts.users import User, authenticate
    from orders.models import Order, OrderLine
    from tests.conftest import NOW

    user, orders = shopper_with_orders
    totals = {o.number: (o.total_minor, o.goods_minor, len(o.lines)) for o in orders}
    result = runner.invoke(args=["privacy", "erase", "amina@example.ma", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 order(s) anonymised" in result.output
    session.expire_all()
    for order in session.scalars(select(Order)):
        assert (order.customer_name, order.phone, order.address) == ("—", "", "")
        assert "amina" not in order.email
        assert (order.total_minor, order.goods_minor, len(order.lines)) == totals[order.number]
    assert session.scalar(select(OrderLine.title_fr)) is not None
    erased = session.get(User, user.id)
    assert (erased.name, erased.phone, erased.active) == ("", "", False)
    assert authenticate(session, "amina@example.ma", "argan-tree-2026", now=NOW) is None
    assert runner.invoke(args=["privacy", "export", "amina@example.ma"]).exit_code != 0


def test_erase_waits_for_open_orders_unless_forced(runner, make, session) -> None:
    from sqlalchemy import select

    from orders.models import Order

    order = make.order(email="karim@example.ma")
    session.commit()
    refused = runner.invoke(args=["privacy", "erase", "karim@example.ma", "--yes"])
    assert refused.exit_code != 0 and order.number in refused.output
    session.expire_all()
    assert session.scalar(select(Order.address)).startswith("12 rue")
    forced = runner.invoke(args=["privacy", "erase", "karim@example.ma", "--yes", "--force"])
    assert forced.exit_code == 0
    session.expire_all()
    assert session.scalar(select(Order.address)) == ""


def test_members_and_operators_are_not_erased_this_way(runner, make, session) -> None:
    from catalog.accounts.users import Role, User

    coop = make.cooperative()
    member = User(email="fatima@coop.ma", role=Role.COOPERATIVE, cooperative_id=coop.id)
    member.set_password("argan-tree-2026")
    session.add(member)
    session.commit()
    result = runner.invoke(args=["privacy", "erase", "fatima@coop.ma", "--yes"])
    assert result.exit_code != 0 and "cooperative account" in result.output
