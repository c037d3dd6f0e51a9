import re
from html import unescape

import pytest
from sqlalchemy import func, insert, select

from catalog.accounts.users import Organisation, OrganisationStatus
from catalog.audit import AuditEntry
from catalog.models import (
    Category,
    CertificateStatus,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductStatus,
)
from catalog.notifications import OutboxMessage
from tests.storefront.backoffice import login, member, operator, shopper


@pytest.fixture
def console(client, session):
    boss = operator(session)
    session.commit()
    login(client, boss)
    return boss


def admin_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]


@pytest.mark.parametrize("who", ["anonymous", "shopper", "member"])
def test_only_operators_reach_the_console(app, client, session, make, who) -> None:
    coop = make.cooperative()
    user = {"shopper": lambda: shopper(session), "member": lambda: member(session, coop)}.get(who)
    if user:
        account = user()
        session.commit()
        login(client, account)
    before = session.scalar(select(func.count(AuditEntry.id)))
    for rule in admin_rules(app):
        values = {name: 1 for name in rule.arguments}
        if "decision" in rule.arguments:
            values["decision"] = "verify"
        _, path = rule.build(values)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(path, method=method, data={"reason": "x"})
            if who == "anonymous":
                assert response.status_code == 302, path
                assert response.headers["Location"].startswith("/account/login")
            else:
                assert response.status_code == 403, (method, path)
    assert session.scalar(select(func.count(AuditEntry.id))) == before


def test_the_operator_verifies_a_cooperative_which_is_told(client, session, make, console) -> None:
    coop = make.cooperative(status=CooperativeStatus.PENDING, name_fr="Coopérative Tafoukt")
    product = make.product(coop)
    member(session, coop, email="fatima@tafoukt.ma", language="ar")
    session.commit()
    listing = client.get("/admin/cooperatives").get_data(as_text=True)
    assert "Coopérative Tafoukt" in listing
    assert client.get(f"/admin/cooperatives/{coop.id}").status_code == 200
    client.post(f"/admin/cooperatives/{coop.id}/verify")
    session.expire_all()
    assert session.get(Cooperative, coop.id).status == CooperativeStatus.VERIFIED
    assert product.sellable
    mail = session.scalar(select(OutboxMessage))
    assert (mail.to, mail.language, mail.topic) == (
        "fatima@tafoukt.ma",
        "ar",
        f"cooperative:{coop.id}:verified",
    )
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "cooperative.verify"))
    assert entry.actor_email == "operator@taawun.ma"


def test_a_suspension_without_a_reason_changes_nothing(client, session, make, console) -> None:
    coop = make.cooperative(email="contact@coop.ma")  # no member account: its own address
    session.commit()
    response = client.post(f"/admin/cooperatives/{coop.id}/suspend", data={"reason": "  "})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Cooperative, coop.id).status == CooperativeStatus.VERIFIED
    client.post(f"/admin/cooperatives/{coop.id}/suspend", data={"reason": "ICE faux"})
    session.expire_all()
    suspended = session.get(Cooperative, coop.id)
    assert (suspended.status, suspended.status_reason) == (CooperativeStatus.SUSPENDED, "ICE faux")
    mail = session.scalar(select(OutboxMessage))
    assert mail.to == "contact@coop.ma" and mail.topic.endswith(":suspended")
    client.post(f"/admin/cooperatives/{coop.id}/reinstate")
    session.expire_all()
    assert session.get(Cooperative, coop.id).status == CooperativeStatus.VERIFIED


def test_a_certificate_is_rejected_with_a_reason(client, session, make, console) -> None:
    coop = make.cooperative()
    member(session, coop)
    cert = make.certificate(coop, "onssa", status=CertificateStatus.PENDING, number="AS-1")
    session.commit()
    assert "AS-1" in client.get("/admin/certificates").get_data(as_text=True)
    client.post(f"/admin/certificates/{cert.id}/reject", data={"reason": ""})
    session.expire_all()
    assert cert.status == CertificateStatus.PENDING
    client.post(f"/admin/certificates/{cert.id}/reject", data={"reason": "Illisible"})
    session.expire_all()
    assert (cert.status, cert.status_reason) == (CertificateStatus.REJECTED, "Illisible")
    mail = session.scalar(select(OutboxMessage))
    assert "Illisible" in mail.body_text
    again = client.post(f"/admin/certificates/{cert.id}/verify", follow_redirects=True)
    assert "no longer possible" in again.get_data(as_text=True)


def test_a_listing_is_suspended_and_reinstated(client, session, make, console) -> None:
    product = make.product(
        make.cooperative(email="miel@example.ma"), title_fr="Miel miracle", sku="MIEL-1"
    )
    session.commit()
    assert "Miel miracle" in client.get("/admin/products?q=miracle").get_data(as_text=True)
    client.post(f"/admin/products/{product.id}/suspend", data={"reason": "Allégation de santé"})
    session.expire_all()
    assert product.status == ProductStatus.SUSPENDED and not product.sellable
    told = session.scalar(select(OutboxMessage).where(OutboxMessage.to == "miel@example.ma"))
    assert "Miel miracle" in told.subject and "Allégation de santé" in told.body_text
    client.post(f"/admin/products/{product.id}/reinstate")
    session.expire_all()
    assert product.status == ProductStatus.PUBLISHED and product.sellable


def test_organisations_are_verified_and_suspended(client, session, console) -> None:
    org = Organisation(name="Banque alimentaire", email="contact@ba.ma")
    session.add(org)
    session.commit()
    assert "Banque alimentaire" in client.get("/admin/organisations").get_data(as_text=True)
    client.post(f"/admin/organisations/{org.id}/verify")
    session.expire_all()
    assert org.status == OrganisationStatus.VERIFIED
    client.post(f"/admin/organisations/{org.id}/suspend", data={"reason": ""})
    session.expire_all()
    assert org.status == OrganisationStatus.VERIFIED
    client.post(f"/admin/organisations/{org.id}/suspend", data={"reason": "Faux dossier"})
    session.expire_all()
    assert (org.status, org.status_reason) == (OrganisationStatus.SUSPENDED, "Faux dossier")
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.to == "contact@ba.ma")).all()
    assert [m.topic for m in told] == [
        f"organisation:{org.id}:verified",
        f"organisation:{org.id}:suspended",
    ]
    assert "Faux dossier" in told[1].body_text
    assert client.post(f"/admin/organisations/{org.id}/delete").status_code == 404


def test_a_category_rule_caps_the_price_and_stops_listings_above(client, session, make, console):
    masks = make.category("masques", name_fr="Masques")
    cheap = make.product(category=masks, price_minor=500)
    dear = make.product(category=masks, price_minor=900)
    session.commit()
    form = {
        "slug": "masques",
        "name_fr": "Masques",
        "parent_id": "0",
        "position": "0",
        "required_kinds": [],
        "max_price": "6,00",
    }
    response = client.post(f"/admin/categories/{masks.id}", data=form, follow_redirects=True)
    assert "1 products changed" in response.get_data(as_text=True)
    session.expire_all()
    assert masks.rule.max_unit_price_minor == 600
    assert cheap.sellable and not dear.sellable
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "6.00\u00a0MAD" in page


def test_a_rule_that_takes_listings_off_sale_tells_their_cooperatives(
    client, session, make, console
):
    masks = make.category("masques", name_fr="Masques")
    tafoukt = make.cooperative(name_fr="Coopérative Tafoukt", email="tafoukt@example.ma")
    amal = make.cooperative(name_fr="Coopérative Amal")
    member(session, amal, email="amal@example.ma")
    off_sale = make.product(tafoukt, category=masks, price_minor=500, title_fr="Masque bleu")
    make.product(amal, category=masks, price_minor=500, title_fr="Masque rouge")
    elsewhere = make.product(tafoukt, price_minor=500, title_fr="Huile d'argan")
    session.commit()
    form = {
        "slug": "masques",
        "name_fr": "Masques",
        "parent_id": "0",
        "position": "0",
        "required_kinds": ["imanor_mask"],
        "max_price": "",
    }
    page = client.post(f"/admin/categories/{masks.id}", data=form, follow_redirects=True)
    assert "2 cooperatives are told which of their products left the sale" in page.get_data(
        as_text=True
    )
    session.expire_all()
    assert not off_sale.sellable and elsewhere.sellable
    told = {m.to: m for m in session.scalars(select(OutboxMessage))}
    assert set(told) == {"tafoukt@example.ma", "amal@example.ma"}
    mail = told["tafoukt@example.ma"]
    assert "Masques" in mail.subject
    assert "Masque bleu" in mail.body_text and "Huile d'argan" not in mail.body_text
    assert "IMANOR" in mail.body_text  # why: the certificate now required
    assert "Masque rouge" not in mail.body_text  # another cooperative's product
    # saving again without a change tells nobody twice
    client.post(f"/admin/categories/{masks.id}", data=form)
    assert session.scalar(select(func.count(OutboxMessage.id))) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"max_price": "six"}, "max_price"),
        ({"max_price": "0"}, "max_price"),
        ({"required_kinds": ["fake"]}, "required_kinds"),
        ({"name_fr": ""}, "name_fr"),
        ({"parent_id": "999999"}, "parent_id"),
    ],
)
def test_bad_category_input_is_explained_and_changes_nothing(
    client, session, console, changes, field
) -> None:
    form = {"slug": "savons", "name_fr": "Savons", "parent_id": "0", "position": "0", **changes}
    response = client.post("/admin/categories/new", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in page
    assert session.scalar(select(func.count(Category.id))) == 0


def test_the_audit_log_says_who_did_what(client, session, make, console) -> None:
    coop = make.cooperative(status=CooperativeStatus.PENDING)
    session.commit()
    client.post(f"/admin/cooperatives/{coop.id}/verify")
    page = client.get(f"/admin/audit?cooperative={coop.id}").get_data(as_text=True)
    assert "Cooperative verified" in page and "operator@taawun.ma" in page
    assert client.get("/admin/audit?page=abc&cooperative=x&what=%27").status_code == 200
    for garbage in ("\u00b2", "9" * 30):  # a superscript two is a digit to isdigit()
        assert client.get(f"/admin/audit?cooperative={garbage}").status_code == 200


def test_the_audit_log_filters_by_kind_of_change_and_cooperative_by_name(
    client, session, make, console
) -> None:
    tafoukt = make.cooperative(status=CooperativeStatus.PENDING, name_fr="Coopérative Tafoukt")
    other = make.cooperative(status=CooperativeStatus.PENDING, name_fr="Coopérative Nour")
    product = make.product(other)
    session.commit()
    for coop in (tafoukt, other):
        client.post(f"/admin/cooperatives/{coop.id}/verify")
    client.post(f"/admin/products/{product.id}/suspend", data={"reason": "Allégation de santé"})
    page = client.get("/admin/audit").get_data(as_text=True)
    # the choices are words: no action code to type, no cooperative number to know
    assert "Action starts with" not in page and 'placeholder="product."' not in page
    assert f'<option value="{tafoukt.id}">Coopérative Tafoukt</option>' in page
    assert '<option value="products">Products and stock</option>' in page
    assert page.count("Cooperative verified") == 2 and "Product suspended" in page

    products = client.get("/admin/audit?what=products").get_data(as_text=True)
    assert "Product suspended" in products and "Cooperative verified" not in products
    assert '<option value="products" selected>' in products
    one = client.get(f"/admin/audit?what=cooperatives&cooperative={tafoukt.id}")
    one = one.get_data(as_text=True)
    assert one.count("Cooperative verified") == 1 and "Product suspended" not in one
    assert f'<option value="{tafoukt.id}" selected>' in one
    unknown = client.get("/admin/audit?what=product.").get_data(as_text=True)
    assert unknown.count("Cooperative verified") == 2, "an unknown kind shows everything"


def test_every_logged_action_is_in_one_kind_of_the_history_filter() -> None:
    from storefront.labels import AUDIT_ACTIONS, AUDIT_KINDS

    for action in AUDIT_ACTIONS:
        kinds = [k for k, (_, prefixes) in AUDIT_KINDS.items() if action.startswith(prefixes)]
        assert len(kinds) == 1, (action, kinds)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cooperatives?status=all",
        "/admin/certificates?status=all",
        "/admin/products?status=all",
        "/admin/organisations?status=all",
        "/admin/audit",
        "/admin/",
        "/admin/categories",
    ],
)
def test_console_lists_send_a_fixed_number_of_queries(
    client, session, make, console, count_queries, url
) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            coop = make.cooperative(status=CooperativeStatus.PENDING)
            make.certificate(coop, "onssa", status=CertificateStatus.PENDING)
            make.product(coop)
            session.add(Organisation(name="ONG"))
            client.post(f"/admin/cooperatives/{coop.id}/verify")
        session.commit()

    grow(2)
    client.get(url)
    count_queries.clear()
    client.get(url)
    few = len(count_queries)
    grow(12)
    count_queries.clear()
    assert client.get(url).status_code == 200
    assert len(count_queries) == few <= 10, count_queries


def _bulk_products(session, make, n: int) -> None:  # noqa: ANN001
    """``n`` draft products of one cooperative, in one statement."""
    coop, cat = make.cooperative(), make.category()
    session.execute(
        insert(Product),
        [
            {
                "cooperative_id": coop.id,
                "category_id": cat.id,
                "sku": f"BULK-{i}",
                "slug": f"bulk-{i}",
                "title_fr": f"Produit {i}",
                "price_minor": 10_000,
                "shipping_weight_g": 500,
            }
            for i in range(n)
        ],
    )
    session.commit()


def test_the_console_counts_in_thousands_as_the_language_writes_numbers(
    client, session, make, console
) -> None:
    """At national scale the lists' headings count hundreds of thousands: "Produits
    (1 204)", not "(1204)"."""
    _bulk_products(session, make, 1_204)
    client.set_cookie("lang", "fr")
    page = client.get("/admin/products").get_data(as_text=True)
    assert '<small class="n">(1\u202f204)</small>' in page


def test_a_back_office_pager_keeps_the_search_and_filter(client, session, make, console) -> None:
    """The pager every paged list shares: the next page is the same search, the same
    status, one page on."""
    _bulk_products(session, make, 120)
    page = client.get("/admin/products?status=draft&q=Produit&page=2").get_data(as_text=True)
    links = re.findall(r'<a rel="(?:prev|next)" href="([^"]+)"', unescape(page))
    assert links == [
        "/admin/products?status=draft&q=Produit&page=1",
        "/admin/products?status=draft&q=Produit&page=3",
    ]
