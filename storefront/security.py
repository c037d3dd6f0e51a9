"""Hardening that applies to every page: security headers, secure cookies, a refusal
to run in production with a guessable secret key, and rate limits on the endpoints
attackers hammer (log-in, sign-up, password reset, checkout, API tokens).

Rate limits use Flask-Limiter. Storage is in memory by default (one counter per
worker process); several workers or hosts share counters in Redis when ``REDIS_URL``
is set (:mod:`storefront.sharing`), or in the store ``RATELIMIT_STORAGE_URI`` names.
Limits are off when ``TESTING`` unless a test turns them on (``RATELIMIT_ENABLED``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, render_template, request
from flask.typing import RouteCallable
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from catalog.db import MAX_INTEGER
from storefront.extensions import csrf

#: Secret keys that are placeholders, whatever their length.
WEAK_SECRETS = frozenset(
    {"dev", "development", "secret", "secret-key", "change-me", "changeme", "test", "xxx"}
)
MIN_SECRET_LENGTH = 32

CONTENT_SECURITY_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "script-src": "'self'",
    "style-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}

HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"

#: (endpoint, config key of the limit, scope shared by the endpoints of one purpose)
RATE_LIMITED_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("account.login", "RATELIMIT_LOGIN", "login"),
    ("account.signup", "RATELIMIT_SIGNUP", "signup"),
    ("account.reset_request", "RATELIMIT_PASSWORD_RESET", "password-reset"),
    ("account.reset", "RATELIMIT_PASSWORD_RESET", "password-reset"),
    # every way to open an account shares the sign-up allowance of an address
    ("join.cooperative", "RATELIMIT_SIGNUP", "signup"),
    ("join.invitation", "RATELIMIT_SIGNUP", "signup"),
    ("ngo.signup", "RATELIMIT_SIGNUP", "signup"),
    # guessing order numbers and phones from many browsers
    ("orders.track", "RATELIMIT_TRACKING", "tracking"),
)
#: Blueprints whose limits count reading requests too (the API's)
LIMITED_BLUEPRINTS = "taawun_limited_blueprints"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Endpoints of these blueprints that accept POST are limited as a checkout.
CHECKOUT_BLUEPRINTS = ("checkout",)

DEFAULTS: dict[str, Any] = {
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_LOGIN": "10 per minute; 60 per hour",
    "RATELIMIT_SIGNUP": "5 per minute; 30 per hour",
    "RATELIMIT_PASSWORD_RESET": "5 per minute; 30 per hour",
    "RATELIMIT_CHECKOUT": "10 per minute; 100 per hour",
    "RATELIMIT_TRACKING": "10 per minute; 60 per hour",
    #: every call made with one API token
    "RATELIMIT_API_TOKEN": "120 per minute",
    #: calls answered 401 (a wrong or revoked token), per address
    "RATELIMIT_API_BAD_TOKEN": "20 per minute",
    #: anonymous catalog reads, per address
    "RATELIMIT_API_READ": "300 per minute",
    #: how many reverse proxies set X-Forwarded-For/-Proto/-Host in front of the app
    "TRUSTED_PROXIES": 0,
}


FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_nul(value: Any) -> bool:
    """Whether ``value`` (a string, or JSON data) holds a NUL character anywhere."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative or backslash tricks,
    no control characters (a CR/LF would split the Location header)."""
    if not target:
        return default
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:  # a host urllib cannot read, such as "http://[::1"
        return default
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def from_this_site() -> bool:
    """Whether the browser says this request comes from one of our own pages: its
    ``Sec-Fetch-Site`` is ``same-origin`` or, from a browser that does not send it,
    its ``Origin`` (else its ``Referer``) is this site's. A request that says nothing
    is refused."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin") or ""
    if not origin:
        try:
            referrer = urlsplit(request.headers.get("Referer") or "")
        except ValueError:  # a host urllib cannot read, such as "http://[::1"
            return False
        origin = f"{referrer.scheme}://{referrer.netloc}" if referrer.netloc else ""
    return origin == request.host_url.rstrip("/")


def same_origin(view: RouteCallable) -> RouteCallable:
    """For the two forms of the catalog pages (add to cart, the province delivery is
    estimated for), instead of a CSRF token, so that the pages a shared cache keeps
    hold nothing personal: the post must come from our own pages
    (:func:`from_this_site`). What they change is the visitor's own cart or province,
    and the session cookie is ``SameSite=Lax``, so a post from another site would not
    even carry it. Off with ``WTF_CSRF_ENABLED`` (tests that leave CSRF out)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("WTF_CSRF_ENABLED", True) and not from_this_site():
            message = _(
                "This form can only be sent from a page of this site. "
                "Please reload the page and try again."
            )
            return render_template("errors/error.html", code=400, message=message), 400
        return view(*args, **kwargs)

    return cast(RouteCallable, csrf.exempt(wrapper))


class DatabaseInt(IntegerConverter):
    """``<int:…>`` in every route: only ids the database can hold match, so a path with
    ``99999999999999999999`` is a 404 and never reaches a query."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(map, *args, **kwargs)


def is_production(app: Flask) -> bool:
    return not (app.debug or app.testing)


def check_secret_key(app: Flask) -> None:
    """Refuse to run in production with a missing or guessable secret key: anyone
    knowing it can forge sessions (log in as anyone) and CSRF tokens.

    :raises RuntimeError: when not in debug or testing mode and the key is weak.
    """
    if not is_production(app):
        return
    key = app.config.get("SECRET_KEY")
    text = key.decode(errors="replace") if isinstance(key, bytes) else str(key or "")
    if (
        not text
        or text.strip().lower() in WEAK_SECRETS
        or len(text) < MIN_SECRET_LENGTH
        or len(set(text)) < 8
    ):
        raise RuntimeError(
            "Refusing to start: SECRET_KEY is missing or a placeholder. Unset it to use "
            "the random key kept in instance/secret_key, or set TAAWUN_SECRET_KEY to at "
            f"least {MIN_SECRET_LENGTH} random characters (python -c "
            "'import secrets; print(secrets.token_urlsafe(48))')."
        )


def _https(app: Flask) -> bool:
    return request.is_secure or app.config.get("PREFERRED_URL_SCHEME") == "https"


#: where a form may lead when card payments are on: the checkout's confirmation answers
#: with a redirect to Stripe's hosted page, and browsers apply form-action to redirects
STRIPE_CHECKOUT = "https://checkout.stripe.com"
#: the written policy, and the configuration it was written from
POLICY = "taawun_content_security_policy"


def content_security_policy(app: Flask) -> str:
    """The policy the app's configuration gives (card payments widen ``form-action``),
    written again only when that configuration changes."""
    config = app.config
    override = config.get("CONTENT_SECURITY_POLICY")
    inputs = (
        bool(config.get("STRIPE_SECRET_KEY")),
        config.get("STRIPE_API_BASE"),
        dict(override) if override else None,  # a copy: the app may change it in place
    )
    written = app.extensions.get(POLICY)
    if written is None or written[0] != inputs:
        written = app.extensions[POLICY] = (inputs, _write_policy(*inputs))
    return written[1]


def _write_policy(stripe: bool, stripe_base: str | None, override: dict[str, str] | None) -> str:
    policy = dict(CONTENT_SECURITY_POLICY)
    if stripe:
        policy["form-action"] += f" {STRIPE_CHECKOUT}"
        # a stand-in for Stripe (``STRIPE_API_BASE``, the offline fake of the README)
        # serves its hosted page from its own origin
        base = urlsplit(stripe_base or "")
        if base.scheme in ("http", "https") and base.netloc:
            policy["form-action"] += f" {base.scheme}://{base.netloc}"
    policy.update(override or {})
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def _set_missing(response: Response, headers: list[tuple[str, str]]) -> None:
    """``response.headers.setdefault`` for each of ``headers``, with one look at the
    headers already there instead of two per header."""
    present = {name.lower() for name, _ in response.headers}
    response.headers.extend([(k, v) for k, v in headers if k.lower() not in present])


def _secure_cookies(response: Response) -> None:
    """Over HTTPS every cookie (session, remember-me, language) gets ``Secure``."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie += "; Secure"
        response.headers.add("Set-Cookie", cookie)


def _token_key() -> str:
    """One bucket per API token (its digest, never the token), else per address."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "ip:" + get_remote_address()


def _limit(app: Flask, key: str) -> Callable[[], str]:
    return lambda: str(app.config[key])


def _limited(decorator: Callable[[RouteCallable], Any], view: RouteCallable) -> RouteCallable:
    """``view`` wrapped by a Flask-Limiter decorator (which keeps its signature; its
    generic typing cannot follow Flask's sync-or-async view union)."""
    return cast(RouteCallable, decorator(view))


def _apply_rate_limits(app: Flask, limiter: Limiter) -> None:
    for endpoint, key, scope in RATE_LIMITED_ENDPOINTS:
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = _limited(
                limiter.shared_limit(_limit(app, key), scope=scope, methods=["POST"]), view
            )
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint in CHECKOUT_BLUEPRINTS and "POST" in (rule.methods or ()):
            view = app.view_functions[rule.endpoint]
            app.view_functions[rule.endpoint] = _limited(
                limiter.shared_limit(
                    _limit(app, "RATELIMIT_CHECKOUT"), scope="checkout", methods=["POST"]
                ),
                view,
            )


def limit_api_blueprint(limiter: Limiter, blueprint: Any, app: Flask, *, tokens: bool) -> None:
    """Limits of an API blueprint: per token (or per address when anonymous) and,
    for token-protected endpoints, wrong tokens per address. They count every method."""
    app.extensions.setdefault(LIMITED_BLUEPRINTS, set()).add(blueprint.name)
    if tokens:
        limiter.limit(_limit(app, "RATELIMIT_API_TOKEN"), key_func=_token_key)(blueprint)
        limiter.limit(
            _limit(app, "RATELIMIT_API_BAD_TOKEN"),
            key_func=get_remote_address,
            deduct_when=lambda response: response.status_code == 401,
        )(blueprint)
    else:
        limiter.limit(_limit(app, "RATELIMIT_API_READ"), key_func=_token_key)(blueprint)


def limiter_of(app: Flask | None = None) -> Limiter:
    target = app or current_app
    return target.extensions["taawun_limiter"]


def init_app(app: Flask) -> None:
    """Headers, cookies and the secret-key check; the limiter, whose per-endpoint
    limits :func:`apply_rate_limits` installs once the blueprints are registered."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.url_map.converters["int"] = DatabaseInt
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing)
    if app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    check_secret_key(app)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    # one limiter per app: its counters and limits never leak from one app to another
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["taawun_limiter"] = limiter
    limited_blueprints: set[str] = app.extensions.setdefault(LIMITED_BLUEPRINTS, set())

    @limiter.request_filter
    def reading_a_page() -> bool:
        """Outside the API every limit counts posts only: spare the pages people read
        (most requests) the limiter's work of resolving limits that never apply."""
        return request.method in SAFE_METHODS and request.blueprint not in limited_blueprints

    _spare_page_reads(app, limiter, reading_a_page)

    @app.before_request
    def refuse_nul_characters() -> None:
        """A NUL character has no business in a URL or a form, and PostgreSQL cannot
        store or even compare it: refuse the request (400) before any query."""
        if "\x00" in request.path or (
            request.query_string
            and any(has_nul(k) or has_nul(v) for k, v in request.args.items(multi=True))
        ):
            abort(400)
        if (
            request.environ.get("CONTENT_TYPE")  # (a GET has none: no header to parse)
            and request.mimetype in FORM_MIMETYPES
            and any(has_nul(k) or has_nul(v) for k, v in request.form.items(multi=True))
        ):
            abort(400)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = [("Content-Security-Policy", content_security_policy(app)), *HEADERS.items()]
        https = _https(app)
        if https:
            headers.append(("Strict-Transport-Security", HSTS))
        _set_missing(response, headers)
        if https:
            _secure_cookies(response)
        return response


def _spare_page_reads(app: Flask, limiter: Limiter, reading_a_page: Callable[[], bool]) -> None:
    """Skip the limiter's own hooks (before, after and at the end of every request) on
    the requests its filter ``reading_a_page`` exempts from every limit: there they only
    find out that nothing applies, at some 0.1 ms a page. Not with meta limits, which
    the limiter checks even on exempt requests."""
    if app.config.get("RATELIMIT_META"):
        return

    def limiters(hook: Any) -> bool:
        return getattr(hook, "__self__", None) is limiter or (
            isinstance(hook, partial) and hook.args[:1] == (limiter,)
        )

    def before(hook: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: None if reading_a_page() else hook()

    def after(hook: Callable[[Response], Response]) -> Callable[[Response], Response]:
        return lambda response: response if reading_a_page() else hook(response)

    def teardown(hook: Callable[..., None]) -> Callable[..., None]:
        return lambda error=None: None if reading_a_page() else hook(error)

    hooks: list[tuple[list[Any], Callable[[Any], Any]]] = [
        (app.before_request_funcs[None], before),
        (app.after_request_funcs[None], after),
        (app.teardown_request_funcs[None], teardown),
    ]
    for funcs, wrap in hooks:
        funcs[:] = [wrap(f) if limiters(f) else f for f in funcs]


def apply_rate_limits(app: Flask) -> None:
    _apply_rate_limits(app, limiter_of(app))
