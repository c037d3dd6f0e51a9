"""What browsers, reverse proxies and CDNs may keep.

- **Catalog pages** (home, listings, search, products, cooperatives, regions, the
  privacy notice) carry a weak ``ETag``; a browser asking again with
  ``If-None-Match`` gets ``304 Not Modified``. Seen anonymously they also carry
  ``Last-Modified``: when the catalog stamp last moved (it moves with every change of
  what they show), or the start of the UTC day (dates on them, such as a
  certificate's validity or a made-to-order promise, turn with it), or the start of
  this process (a new release renders them differently), whichever is latest; an
  ``If-Modified-Since`` at or after it gets ``304`` too. Seen by an anonymous visitor, and when
  the rendering put nothing in the session (no cookie set, no form token), they are
  ``public`` for a shared cache ``CATALOG_SHARED_SECONDS`` (``s-maxage``, 60 by
  default), then ``stale-while-revalidate`` for ``CATALOG_STALE_SECONDS`` (30);
  browsers revalidate each time (``max-age=0``). Their language is in the URL, so
  they do not vary on the cookie: no ``Vary: Cookie``. A proxy must not use its copy
  for a visitor who has a session cookie (the README's nginx configuration
  bypasses the cache for them).
- **Everything personal** — a signed-in visitor, a session holding more than a form
  token (a cart, a message), the account, cart, checkout, orders, back-office, NGO
  and console pages, any request with credentials — is ``private, no-store``,
  whatever the view said.
- Anything else without its own policy is ``private, no-cache``. Static files and
  uploaded media keep the long lifetimes they are given where they are served."""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from copy import deepcopy
from datetime import datetime, time
from email.utils import formatdate
from functools import lru_cache, wraps
from typing import Any

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer, want_bytes
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import parse_cache_control_header

from catalog.db import utcnow
from storefront.shop.pagecache import anonymous, token_field

SHARED_SECONDS = 60
STALE_SECONDS = 30
#: blueprints whose pages are about the visitor: never kept by a shared cache
PERSONAL_BLUEPRINTS = frozenset(
    {
        "account",
        "admin",
        "cart",
        "checkout",
        "coop",
        "dev",
        "join",
        "ngo",
        "orders",
        "supply",
        "tokens",
    }  # fmt: skip
)
#: the same for everyone, with their own lifetimes
ASSET_ENDPOINTS = frozenset({"static", "site.media"})
#: when this process started serving: its templates and code may differ from before
STARTED = "httpcache_started_at"
#: kinds of responses (:func:`cache_control`)
PERSONAL, SHARED, OTHER = "personal", "shared", "other"
#: the session's signing serializer, and the keys it was made with
SERIALIZER = "httpcache_session_serializer"
#: the request headers that can make a response ``304``/``412`` (``If-Range`` only
#: counts with ranges, which catalog pages do not offer)
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH")


def catalog_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``view`` as a catalog page: validators, and shareable when anonymous."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.catalog_page = True
        g.catalog_changed_at = None  # it shows nothing of the catalog
        return view(*args, **kwargs)

    return wrapper


def is_personal() -> bool:
    """Whether this response is about the visitor (so never for a shared cache)."""
    if request.blueprint in PERSONAL_BLUEPRINTS or "Authorization" in request.headers:
        return True
    return bool(current_user.is_authenticated) or not anonymous()


def _shareable(response: Response) -> bool:
    return (
        response.status_code == 200
        and request.method in ("GET", "HEAD")
        and not session.modified  # no cookie will be set
        and token_field() not in g  # no form token signed for this visitor
    )


def apply_policy(response: Response) -> Response:
    if request.endpoint in ASSET_ENDPOINTS:
        return response
    given = response.headers.get("Cache-Control")
    if is_personal():
        g.shared_response = False
        written = cache_control(given, PERSONAL)
        if written is None:
            return response  # kept nowhere already
    elif g.get("catalog_page") and _shareable(response):
        config = current_app.config
        written = cache_control(
            given,
            SHARED,
            int(config.get("CATALOG_SHARED_SECONDS", SHARED_SECONDS)),
            int(config.get("CATALOG_STALE_SECONDS", STALE_SECONDS)),
        )
        g.shared_response = True
    else:
        written = cache_control(given, OTHER)
    if written is not None:
        response.headers["Cache-Control"] = written
    if g.get("catalog_page") and response.status_code == 200 and not response.is_streamed:
        response.add_etag(weak=True)
        if "catalog_changed_at" in g and g.get("shared_response") is not False:
            modified = last_modified(g.catalog_changed_at)
            if modified is not None:  # (None would be dumped as the time now)
                response.last_modified = modified
        _make_conditional(response)
    return response


@lru_cache(maxsize=256)
def cache_control(given: str | None, kind: str, shared: int = 0, stale: int = 0) -> str | None:
    """The ``Cache-Control`` a response of ``kind`` gets when its view gave ``given``
    (None: none); None to leave it as it is. Worked out once per case: views give a few
    fixed values, and the header's parsing and writing cost more than the rest of the
    policy."""
    policy = parse_cache_control_header(given, None, ResponseCacheControl)
    if kind == PERSONAL:
        if policy.no_store and not policy.public:
            return None  # kept nowhere already
        policy.public = False
        policy.s_maxage = None
        policy.max_age = None
        policy.private = True
        policy.no_store = True
    elif kind == SHARED:
        policy.public = True
        policy.max_age = 0
        policy.s_maxage = shared
        policy.stale_while_revalidate = stale
    elif given is None:
        policy.private = True
        policy.no_cache = True
    else:
        return None  # the view's own policy stays
    return policy.to_header()


def _make_conditional(response: Response) -> None:
    """``response.make_conditional(request)``, which, for a request that asks nothing
    conditional, only adds ``Date`` (and ``Content-Length`` when missing): that date
    written once a second, and the comparisons skipped when there is nothing to compare."""
    environ = request.environ
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        return
    if "Date" not in response.headers:
        response.headers["Date"] = http_date_now()
    if "Content-Length" not in response.headers or any(
        name in environ for name in CONDITIONAL_HEADERS
    ):
        response.make_conditional(request)


def http_date_now() -> str:
    """The current time as an HTTP date (``Sat, 05 Dec 2026 10:19:26 GMT``), as
    :func:`werkzeug.http.http_date` writes it (whole seconds), formatted once a second."""
    return _http_date(int(clock.time()))


@lru_cache(maxsize=2)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


def last_modified(changed: datetime | None) -> datetime | None:
    """When what an anonymous catalog page shows last changed (see the module's
    notes): ``changed`` (the catalog stamp's time, read before the page was made),
    the start of the UTC day, or this process's start, whichever is latest. None
    while that second lasts: HTTP dates count whole seconds, so a change later in
    the same second would carry the same date."""
    now = utcnow()
    times = [datetime.combine(now.date(), time(), now.tzinfo), current_app.extensions[STARTED]]
    latest = max(times if changed is None else [*times, changed]).replace(microsecond=0)
    return latest if latest < now.replace(microsecond=0) else None


class VerifiedCookies(URLSafeTimedSerializer):
    """The session's serializer, checking each cookie's signature once: a cookie that
    passed is kept by its whole signed text (which no other content can have) with its
    content and the time it was signed, and read again while its age allows. Anything
    else (a cookie never seen, or past its age) goes through the whole check. A copy
    of the content is given each time: the session may change it in place."""

    #: cookies kept at most (a few MB at worst: a cookie holds at most 4 kB); then all are
    #: forgotten at once, which costs only the checks again
    KEPT = 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.verified: dict[bytes, tuple[int, Any]] = {}

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> Any:
        if return_timestamp or salt is not None:
            return super().loads(s, max_age, return_timestamp, salt)
        signed = want_bytes(s)
        kept = self.verified.get(signed)
        if kept is not None:
            age = int(clock.time()) - kept[0]  # as itsdangerous measures it
            if 0 <= age and (max_age is None or age <= max_age):
                return deepcopy(kept[1])
        payload, signed_at = super().loads(signed, max_age, return_timestamp=True)
        if len(self.verified) >= self.KEPT:
            self.verified.clear()
        self.verified[signed] = (int(signed_at.timestamp()), deepcopy(payload))
        return payload


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without ``Vary: Cookie`` on the pages a shared
    cache may keep: for an anonymous visitor they are the same whatever the cookie.
    Its signing serializer is made once per key, not on every request, and checks each
    cookie's signature once (:class:`VerifiedCookies`)."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = app.extensions.get(SERIALIZER)
        if made is None or made[0] != keys:
            made = app.extensions[SERIALIZER] = (keys, self._serializer(app))
        return made[1]

    def _serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        return VerifiedCookies(
            [*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key],
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if g.get("shared_response"):
            kept = [name for name in response.vary if name.lower() != "cookie"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                del response.headers["Vary"]


def init_app(app: Flask) -> None:
    app.extensions[STARTED] = utcnow().replace(microsecond=0)
    app.session_interface = SessionInterface()
    app.after_request(apply_policy)
