"""Security headers, cookies, the secret-key refusal, CSRF, enumeration and redirects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import func, select

from catalog.accounts.users import User
from storefront import create_app
from storefront.extensions import csrf, db
from storefront.security import check_secret_key

TEMPLATES = Path(__file__).resolve().parents[2] / "storefront" / "templates"
STRONG_KEY = "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz"


def config(database_url, tmp_path, **extra):
    values = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SECRET_KEY": STRONG_KEY,
    }
    values.update(extra)
    return values


def sample_values(rule) -> dict[str, object]:
    """A value each converter of ``rule`` accepts."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        items = getattr(converter, "items", None)
        values[name] = sorted(items)[0] if items else "1"
    return values


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_response_carries_the_security_headers(client) -> None:
    for url in ("/", "/fr/", "/no-such-page", "/api/v1/regions", "/account/login"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, url
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
        assert "'unsafe-inline'" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers, "no HSTS over plain HTTP"


def test_https_gets_hsts_and_secure_cookies(client) -> None:
    response = client.get("/lang/ar", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
    assert all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


def test_session_cookie_is_httponly_and_samesite(app, client, make, session) -> None:
    response = client.post("/account/login", data={"email": "x@example.ma", "password": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("key", ["dev", "change-me", "short-but-random-7Hq", "a" * 40])
def test_production_refuses_to_start_with_a_placeholder_secret_key(
    key, database_url, tmp_path
) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config(database_url, tmp_path, SECRET_KEY=key))


def test_production_starts_with_a_random_secret_key(database_url, tmp_path) -> None:
    app = create_app(config(database_url, tmp_path))
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    dispose(app)


def test_debug_and_testing_accept_any_key(app) -> None:
    app.config["SECRET_KEY"] = "dev"
    check_secret_key(app)  # TESTING: no error


def test_https_deployments_mark_the_session_cookie_secure(database_url, tmp_path) -> None:
    app = create_app(config(database_url, tmp_path, PREFERRED_URL_SCHEME="https"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    dispose(app)


def _inline_code(text: str) -> list[str]:
    found = []
    for match in re.finditer(r"<script\b([^>]*)>", text, re.I):
        # schema.org data (JSON-LD) is a data block: never run, so outside the CSP
        if "src=" not in match.group(1) and 'type="application/ld+json"' not in match.group(1):
            found.append(match.group(0))
    found += re.findall(r"<style\b", text, re.I)
    found += re.findall(r"\sstyle\s*=", text, re.I)
    found += re.findall(r"\son[a-z]+\s*=", text, re.I)
    found += re.findall(r"javascript:", text, re.I)
    return found


def test_templates_have_no_inline_scripts_styles_or_handlers() -> None:
    # E-mail bodies (mail/) are read in mail clients, which drop <link> stylesheets and are
    # never under the site's Content-Security-Policy: inline styles are how e-mail is styled.
    offenders = {
        str(path.relative_to(TEMPLATES)): _inline_code(path.read_text(encoding="utf-8"))
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] != "mail"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_only_api_and_webhooks_are_exempt_from_csrf(app) -> None:
    assert isinstance(csrf, CSRFProtect)
    exempt_blueprints = {bp.name for bp in csrf._exempt_blueprints}
    exempt_views = set(csrf._exempt_views)
    assert "api_catalog" in exempt_blueprints
    assert all(name.startswith("api_") or "webhook" in name for name in exempt_blueprints)
    # the catalog pages' two forms: checked by where they come from instead
    assert exempt_views - {f"storefront.cart.views.{view}" for view in SAME_ORIGIN_VIEWS} <= {
        name for name in exempt_views if "webhook" in name
    }, exempt_views


#: the forms of the catalog pages, which a shared cache keeps: no token, checked by origin
SAME_ORIGIN_VIEWS = ("add", "deliver_to")


def test_every_form_post_without_a_csrf_token_is_refused(database_url, tmp_path, session) -> None:
    app = create_app(config(database_url, tmp_path, TESTING=True, WTF_CSRF_ENABLED=True))
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint.startswith("api_") or "webhook" in rule.endpoint:
            continue
        values = sample_values(rule)
        if "lang_code" in rule.arguments:
            values["lang_code"] = "fr"
        url = rule.build(values, append_unknown=False)[1]
        response = client.post(url, data={"anything": "x"})
        assert response.status_code == 400, (url, response.status_code)
        expected = (
            "Ce formulaire ne peut être envoyé que depuis une page de ce site"
            if rule.endpoint in {f"cart.{view}" for view in SAME_ORIGIN_VIEWS}
            else "Votre formulaire a expiré"
        )
        assert expected in response.get_data(as_text=True)  # French by default
        checked += 1
    assert checked >= 4
    assert session.scalar(select(func.count(User.id))) == 0
    dispose(app)


def test_login_and_reset_messages_do_not_reveal_accounts(client, make, session) -> None:
    user = User(email="amina@example.ma", name="Amina")
    user.set_password("argan-tree-2026")
    session.add(user)
    session.commit()

    def login(email):
        response = client.post(
            "/account/login", data={"email": email, "password": "wrong-password"}
        )
        return response.status_code, response.get_data(as_text=True).count("Wrong e-mail")

    assert login("amina@example.ma") == login("nobody@example.ma") == (200, 1)

    def reset(email):
        response = client.post("/account/reset", data={"email": email}, follow_redirects=True)
        return response.status_code, response.get_data(as_text=True).count("If an account")

    assert reset("amina@example.ma") == reset("nobody@example.ma") == (200, 1)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x", "http://[::1"],
)
def test_login_only_redirects_inside_the_site(client, session, target) -> None:
    user = User(email="amina@example.ma", name="Amina")
    user.set_password("argan-tree-2026")
    session.add(user)
    session.commit()
    response = client.post(
        "/account/login",
        query_string={"next": target},
        data={"email": "amina@example.ma", "password": "argan-tree-2026"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/")
    assert not response.headers["Location"].startswith("//")


def test_uploads_are_served_from_outside_static_with_their_type(app, client) -> None:
    upload = Path(app.config["UPLOAD_FOLDER"])
    upload.mkdir(parents=True, exist_ok=True)
    (upload / "0a1b2c3d4e5f.jpg").write_bytes(b"\xff\xd8\xff\xe0 fake jpeg")
    assert not upload.resolve().is_relative_to(Path(app.static_folder).resolve())
    with client.get("/media/0a1b2c3d4e5f.jpg") as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/../secret_key").status_code == 404


def test_card_payments_let_the_checkout_form_lead_to_stripe(app, client) -> None:
    assert "checkout.stripe.com" not in client.get("/").headers["Content-Security-Policy"]
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com;" in csp


def test_an_offline_stand_in_for_stripe_may_receive_the_checkout_form(app, client) -> None:
    """``make run`` with the README's loopback fake: its hosted page is on its own origin."""
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:8420"
    assert "127.0.0.1:8420" not in client.get("/").headers["Content-Security-Policy"]
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com http://127.0.0.1:8420;" in csp
