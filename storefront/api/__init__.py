"""The JSON API, ``/api/v1``: catalog reads for everyone, listing management,
order status and basket quotes for holders of an API token.

Built on flask-smorest: the marshmallow schemas that validate each request also
produce the OpenAPI 3 document served at ``/api/v1/openapi.json`` and rendered, on
the server, as the readable page ``/api/v1/docs``. Every error is a problem-details
JSON body (:mod:`storefront.api.problems`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from storefront.api import docs
from storefront.api.base import BEARER, Api
from storefront.api.problems import CODES
from storefront.extensions import csrf
from storefront.security import limit_api_blueprint, limiter_of

API_VERSION = "1"
DESCRIPTION = (
    "Taawun's partner API. Amounts are integers in minor units (centimes: "
    "6.00 MAD = 600) with a currency code. Errors are problem details "
    "(`application/problem+json`) with a stable `code`. Endpoints that change or "
    "reveal what a cooperative or organisation owns need a personal API token, "
    "created in the back office and sent as `Authorization: Bearer <token>`."
)

pages = FlaskBlueprint("api_docs", __name__, url_prefix="/api/v1")


def _api() -> Api:
    return current_app.extensions["taawun_api"]


@pages.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3 document, generated from the schemas that validate requests."""
    response = jsonify(_api().spec.to_dict())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@pages.get("/docs")
def docs_page() -> str:
    """The API reference as a plain HTML page (no script, works offline)."""
    spec: dict[str, Any] = _api().spec.to_dict()
    return render_template(
        "api/docs.html",
        reference=docs.reference(spec),
        spec=spec,
        problem_codes=CODES,
        md=docs.inline_code,
    )


def init_app(app: Flask) -> None:
    """Create the API for ``app`` and register its blueprints."""
    from storefront.api.baskets import bp as baskets_bp
    from storefront.api.catalog import bp as catalog_bp
    from storefront.api.listings import bp as listings_bp
    from storefront.api.orders import bp as orders_bp

    api = Api(
        spec_kwargs={
            "title": "Taawun API",
            "version": API_VERSION,
            "openapi_version": "3.0.3",
            "info": {"description": DESCRIPTION},
        }
    )
    api.init_app(app)
    api.spec.components.security_scheme(
        BEARER,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`taw_…`), shown once when created.",
        },
    )
    app.extensions["taawun_api"] = api
    limiter = limiter_of(app)
    blueprints = ((catalog_bp, False), (listings_bp, True), (orders_bp, True), (baskets_bp, True))
    for blueprint, needs_token in blueprints:
        # token-authenticated JSON, never a browser session: no CSRF cookie to abuse
        csrf.exempt(blueprint)
        limit_api_blueprint(limiter, blueprint, app, tokens=needs_token)
        api.register_blueprint(blueprint)
    app.register_blueprint(pages)
