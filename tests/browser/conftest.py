"""Real-browser tests: Debian's ``chromium`` driven by Playwright (``executable_path``,
never a downloaded browser) against the storefront served on loopback with the demo data.

Needs chromium on the PATH, the ``browser`` extra (playwright, pytest-playwright) and, for
the accessibility checks, axe-core's ``axe.min.js`` (``TAAWUN_AXE_JS``; ``make browser-deps``
fetches it from the npm registry). Without them these tests are skipped with the reason;
with ``TAAWUN_REQUIRE_BROWSER=1`` (CI) a missing piece fails the run instead.

Screenshots go to ``test-output/browser/<test>/`` (``TAAWUN_BROWSER_OUTPUT`` elsewhere).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The shopper's phone (journeys 1 and 4, and the Arabic screenshots).
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def required() -> bool:
    return os.environ.get("TAAWUN_REQUIRE_BROWSER", "") not in ("", "0")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    for module, extra in (("playwright", "playwright"), ("pytest_playwright", "pytest-playwright")):
        if importlib.util.find_spec(module) is None:
            return f"{extra} is not installed (pip install -e '.[browser]')"
    if shutil.which("chromium") is None:
        return "Debian's chromium is not on the PATH (apt-get install chromium)"
    return None


def axe_path() -> Path:
    return Path(os.environ.get("TAAWUN_AXE_JS") or DEFAULT_AXE)


def skip_or_fail(reason: str) -> None:
    if required():
        pytest.fail(f"TAAWUN_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


DROPPED_DOWNLOAD = (
    r"ignore:Exception ignored in. <_io\.FileIO name=.*/uploads/"
    ":pytest.PytestUnraisableExceptionWarning"
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every browser test, with the reason, when chromium or Playwright is missing;
    with TAAWUN_REQUIRE_BROWSER the run stops instead, so CI never passes without them."""
    ours = [item for item in items if HERE in Path(str(item.path)).parents]
    for item in ours:
        # A page left while its images load drops their connections; werkzeug's
        # development server then leaves the open file to the garbage collector.
        item.add_marker(pytest.mark.filterwarnings(DROPPED_DOWNLOAD))
    reason = missing_browser() if ours else None
    if reason is None:
        return
    if required():
        raise pytest.UsageError(f"TAAWUN_REQUIRE_BROWSER is set but {reason}")
    for item in ours:
        item.add_marker(pytest.mark.skip(reason=reason))


# -- the application ---------------------------------------------------------------------
class LiveServer:
    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url

    def text(self, lang: str, msgid: str) -> str:
        """``msgid`` as the app shows it in ``lang`` (tests find buttons by their words)."""
        from flask_babel import gettext

        with self.app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
            return str(gettext(msgid))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The storefront on a fresh SQLite file, migrated and loaded with the demo data by
    the same commands as ``make run``, served by werkzeug on a free loopback port."""
    from werkzeug.serving import make_server

    from storefront import create_app
    from storefront.extensions import db

    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests-" + "k" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'taawun.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            # the real forms post their CSRF tokens, as in production
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- pytest-playwright's fixtures, pointed at Debian's chromium ---------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = shutil.which("chromium")
    if executable is None:
        skip_or_fail("Debian's chromium is not on the PATH")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "reduced_motion": "reduce"}


OpenContext = Callable[..., Any]


@pytest.fixture
def open_context(new_context: Callable[..., Any], base_url: str) -> OpenContext:
    """``open_context(lang="ar", phone=True, javascript=True, bypass_csp=False)``: a fresh
    browser context (its own cookies) in that language, on a phone or a desktop.

    ``bypass_csp`` is for the accessibility runs only: axe-core is injected as an inline
    script, which the app's Content-Security-Policy (``script-src 'self'``) rightly refuses.
    """

    def _open(
        lang: str = "fr",
        *,
        phone: bool = True,
        javascript: bool = True,
        bypass_csp: bool = False,
    ) -> Any:
        context = new_context(
            viewport=PHONE if phone else DESKTOP,
            locale={"fr": "fr-MA", "ar": "ar-MA", "en": "en"}[lang],
            timezone_id="Africa/Casablanca",
            java_script_enabled=javascript,
            bypass_csp=bypass_csp,
            is_mobile=phone,
            has_touch=phone,
        )
        context.add_cookies([{"name": "lang", "value": lang, "url": base_url}])
        context.set_default_timeout(15_000)
        return context

    return _open


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``shots(page, "03-cart")`` saves a full-page screenshot under the test's folder."""
    root = Path(os.environ.get("TAAWUN_BROWSER_OUTPUT") or ROOT / "test-output" / "browser")
    folder = root / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)

    def _shot(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture(scope="session")
def axe_js() -> Path:
    path = axe_path()
    if not path.is_file():
        skip_or_fail(f"axe-core is missing at {path} (make browser-deps, or set TAAWUN_AXE_JS)")
    return path


# -- what the demo data offers -----------------------------------------------------------
@dataclass
class Samples:
    #: two products on sale, in stock, from two cooperatives of one region
    products: tuple[str, str]
    cooperatives: tuple[str, str]
    region: str
    category: str
    #: a demo order a guest can track: (number, phone)
    order: tuple[str, str]


@pytest.fixture(scope="session")
def samples(live_server: LiveServer) -> Samples:
    from sqlalchemy import select

    from catalog.models import Cooperative, Product
    from orders.models import Order
    from storefront.extensions import db

    with live_server.app.app_context():
        rows = db.session.execute(
            select(Product.slug, Cooperative.slug, Cooperative.region_code)
            .join(Cooperative, Product.cooperative_id == Cooperative.id)
            .where(
                Product.sellable.is_(True),
                Product.made_to_order.is_(False),
                Product.available >= 10,
            )
            .order_by(Cooperative.region_code, Cooperative.id, Product.id)
        ).all()
        by_region: dict[str, dict[str, str]] = {}
        for product, coop, region in rows:
            by_region.setdefault(region, {}).setdefault(coop, product)
        region, firsts = next((r, c) for r, c in by_region.items() if len(c) >= 2)
        (coop_a, product_a), (coop_b, product_b) = list(firsts.items())[:2]
        order = db.session.execute(select(Order.number, Order.phone).order_by(Order.id)).first()
        assert order is not None, "the demo has no order to track"
    return Samples(
        products=(product_a, product_b),
        cooperatives=(coop_a, coop_b),
        region=region,
        category="alimentation",
        order=(order.number, order.phone),
    )


# -- the report: axe results and page weights per page -----------------------------------
@pytest.fixture(scope="session")
def report() -> Iterator[dict[str, dict[str, Any]]]:
    """Rows keyed by "page (lang)"; written as Markdown and JSON at the end of the run."""
    rows: dict[str, dict[str, Any]] = {}
    yield rows
    if not rows:
        return
    root = Path(os.environ.get("TAAWUN_BROWSER_OUTPUT") or ROOT / "test-output" / "browser")
    root.mkdir(parents=True, exist_ok=True)
    (root / "report.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    lines = [
        "| page | lang | path | axe violations (impact: rule) | HTML | CSS | JS | "
        "HTML+CSS+JS | images |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(rows.values(), key=lambda r: (r["page"], r["lang"])):
        w = row["weight"]
        found = ", ".join(f"{v['impact']}: {v['id']}" for v in row["violations"]) or "none"
        lines.append(
            f"| {row['page']} | {row['lang']} | `{row['path']}` | {found} | "
            f"{w['html'] / 1024:.1f} KB | {w['css'] / 1024:.1f} KB | {w['js'] / 1024:.1f} KB | "
            f"{(w['html'] + w['css'] + w['js']) / 1024:.1f} KB | {w['images'] / 1024:.1f} KB |"
        )
    (root / "report.md").write_text("\n".join(lines) + "\n")
