"""The key pages of the site (public, cooperative back office, NGO, operator console),
rendered with the demo's data, for the tests that read every page in every language."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

from flask import Flask, url_for
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from catalog.models import Cooperative, Product
from storefront.demo.orders import DEMO_PASSWORD
from storefront.extensions import db

PUBLIC = [
    ("shop.home", {}),
    ("shop.category", {"slug": "alimentation"}),
    ("shop.regions", {}),
    ("shop.region", {"code": "09"}),
    ("shop.search", {"q": "miel"}),
    ("cart.show", {}),
    ("orders.track", {}),
    ("join.cooperative", {}),
    ("ngo.signup", {}),
]
COOPERATIVE = [
    ("coop.dashboard", {}),
    ("coop.products", {}),
    ("coop.orders", {}),
    ("coop.certificates_list", {}),
    ("coop.reports_page", {}),
    ("coop.activity", {}),
    ("coop.capacity", {}),
    ("coop.profile", {}),
    ("coop.import_upload", {}),
    ("coop.bank", {}),
    ("coop.members", {}),
]
OPERATOR = [
    ("admin.dashboard", {}),
    ("admin.audit_log", {}),
    ("admin.orders", {}),
    ("admin.cooperatives", {}),
    ("admin.products", {}),
    ("admin.certificates", {}),
    ("admin.payouts", {}),
    ("admin.shipping", {}),
    ("admin.commission", {}),
    ("admin.organisations", {}),
    ("admin.messages", {}),
    ("admin.categories", {}),
]
NGO = [("ngo.dashboard", {}), ("ngo.template_list", {})]
#: pages reached from the ones above: the first link of each kind is read too
FOLLOWED = (
    "/fr/p/",
    "/fr/coop/",
    "/back-office/orders/",
    "/back-office/import/",
    "/admin/orders/TW",
    "/admin/cooperatives/",
    "/admin/payouts/",
    "/ngo/orders/",
    "/ngo/quotes/",
    "/ngo/templates/",
)
#: a file a cooperative may well send: a price above the category's cap, a made-up
#: status, a word where a number goes
CSV_WITH_MISTAKES = (
    "\ufeffsku;category;title_fr;price;on_hand;status;made_to_order\n"
    "MASK-NEW;masques;Masque en lin;14999,00;12;published;0\n"
    "MIEL-9;miel;Miel;45,50;beaucoup;online;0\n"
)


def seed_demo(app: Flask, runner: FlaskCliRunner) -> None:
    """The demo's catalogue, orders, accounts and baskets, and a product whose
    translations were never written, as cooperatives often leave them."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == "al-jil-al-jadid"))
        assert coop is not None
        product = db.session.scalar(select(Product).where(Product.cooperative_id == coop.id))
        product.description_ar = product.description_en = ""
        db.session.commit()


def _log_in(app: Flask, client: FlaskClient, email: str) -> None:
    (login,) = _urls(app, [("account.login", {})])
    response = client.post(login, data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def _urls(app: Flask, pages: list[tuple[str, dict[str, str]]]) -> list[str]:
    with app.test_request_context():
        return [url_for(endpoint, **values) for endpoint, values in pages]


def _upload_with_mistakes(app: Flask, client: FlaskClient, urls: list[str]) -> None:
    (upload,) = _urls(app, [("coop.import_upload", {})])
    response = client.post(
        upload,
        data={"file": (io.BytesIO(CSV_WITH_MISTAKES.encode()), "produits.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    urls.append(response.headers["Location"])


def _read(
    client: FlaskClient, urls: list[str], langs: tuple[str, ...]
) -> Iterator[tuple[str, str, str]]:
    followed: list[str] = []
    for lang in langs:
        client.set_cookie("lang", lang)
        for url in urls + followed:
            # a public page's language is in its URL; the others' in the cookie
            response = client.get(re.sub(r"^/(fr|ar|en)/", f"/{lang}/", url))
            assert response.status_code == 200, (url, response.status_code)
            html = response.get_data(as_text=True)
            yield lang, url, html
            if lang == langs[0] and url in urls:
                for prefix in FOLLOWED:
                    # (a language segment may come first: /fr/p/...)
                    pattern = rf'href="((?:/[a-z]{{2}})?{re.escape(prefix)}[^"?#]+)"'
                    links = re.findall(pattern, html)
                    links = [link for link in links if link not in urls + followed]
                    followed.extend(links[:1])


def key_pages(
    app: Flask, client: FlaskClient, langs: tuple[str, ...] = ("fr", "ar", "en")
) -> Iterator[tuple[str, str, str]]:
    """``(lang, url, html)`` of every key page, read as a visitor, a cooperative (with a
    CSV import that has mistakes), the operator and an NGO, in each of ``langs``."""
    yield from _read(client, _urls(app, PUBLIC), langs)
    roles: list[tuple[str, list[tuple[str, dict[str, str]]], Callable | None]] = [
        ("aljil@taawun.ma", COOPERATIVE, _upload_with_mistakes),
        ("operator@taawun.ma", OPERATOR, None),
        ("ngo@taawun.ma", NGO, None),
    ]
    for email, pages, prepare in roles:
        _log_in(app, client, email)
        urls = _urls(app, pages)
        if prepare is not None:
            prepare(app, client, urls)
        yield from _read(client, urls, langs)
        client.post(_urls(app, [("account.logout", {})])[0])
