"""Taawun's Flask storefront: ``flask --app storefront run``."""

from __future__ import annotations

import gc
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask

from catalog.db import configure_sqlite, import_models, include_object
from storefront import (
    api,
    cli,
    details,
    dev,
    errors,
    filters,
    httpcache,
    i18n,
    media,
    outcomes,
    payments,
    security,
    sharing,
)
from storefront.auth import login_manager
from storefront.cart import link as cart_link
from storefront.cart import store
from storefront.config import DEFAULTS
from storefront.extensions import babel, compress, csrf, db, migrate
from storefront.shop import alerts, facets, fragments, pagecache, pictures
from storefront.shop import search as search_state

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``test_config`` replaces the instance config and the
    environment, so tests never read the developer's settings."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TAAWUN")
    else:
        app.config.from_mapping(test_config)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'taawun.db'}"
    )
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "uploads"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    media.init_app(app)
    sharing.init_app(app)
    security.init_app(app)

    import_models()
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS),
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=None)
    with app.app_context():
        configure_sqlite(db.engine)

    # after-request functions run last-registered first: compression sees the final
    # response, and the cache policy sees every other function's work
    compress.init_app(app)
    httpcache.init_app(app)
    i18n.init_app(app)
    filters.init_app(app)
    details.init_app(app)
    pictures.init_app(app)
    errors.init_app(app)
    outcomes.init_app(app)
    cli.init_app(app)

    login_manager.init_app(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    payments.init_app(app)
    store.init_app(app)
    cart_link.init_app(app)
    search_state.init_app(app)
    facets.init_app(app)
    pagecache.init_app(app)
    fragments.init_app(app)
    alerts.init_app(app)
    api.init_app(app)
    dev.init_app(app)
    security.apply_rate_limits(app)
    if not app.testing:
        # What exists now (modules, mappers, templates' environment) lives as long as
        # the process: keep it out of the collector's full passes, which otherwise
        # stall a request for a couple of hundred milliseconds now and then.
        gc.freeze()
    return app


def _blueprints() -> list[Blueprint]:
    from storefront.account import bp as account_bp
    from storefront.admin import bp as admin_bp
    from storefront.api.token_pages import bp as tokens_bp
    from storefront.cart import bp as cart_bp
    from storefront.checkout import bp as checkout_bp
    from storefront.coop import bp as coop_bp
    from storefront.coop import join_bp
    from storefront.coop import tokens as coop_tokens  # noqa: F401 (adds the back office's token pages)
    from storefront.ngo import bp as ngo_bp
    from storefront.ngo import supply_bp, trace_bp
    from storefront.orders import bp as orders_bp
    from storefront.pages import bp as pages_bp
    from storefront.pages import data_requests_bp
    from storefront.shop import bp as shop_bp
    from storefront.shop import site_bp
    from storefront.webhooks import bp as webhooks_bp

    return [
        shop_bp,
        site_bp,
        account_bp,
        coop_bp,
        join_bp,
        admin_bp,
        cart_bp,
        checkout_bp,
        orders_bp,
        webhooks_bp,
        pages_bp,
        data_requests_bp,
        tokens_bp,
        ngo_bp,
        supply_bp,
        trace_bp,
    ]


def _instance_secret(app: Flask) -> str:
    """A random secret kept in the instance folder, made on first start. Several hosts
    behind a load balancer must share one: set ``TAAWUN_SECRET_KEY`` instead."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
