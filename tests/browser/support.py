"""What the browser tests share: logging in, watching the console, axe-core, page weight."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from storefront.demo.orders import DEMO_PASSWORD

#: axe impacts that fail a page.
BLOCKING = ("serious", "critical")
#: A certificate document the app accepts (a PDF is kept as sent).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(path: Path, size: tuple[int, int] = (640, 480), colour: str = "#c8702a") -> Path:
    """A small photo as a phone would send it."""
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            if (x + y) % 80 == 0:
                image.paste("#2f5d50", (x, y, x + 40, y + 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


class Console:
    """Every console error and uncaught script error of a page: a page that works must
    not log one (a CSP refusal, a 404 on an asset, a script crash)."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _console(self, msg: Any) -> None:
        url = msg.location.get("url", "")
        if msg.type == "error" and not url.endswith("/favicon.ico"):
            self.errors.append(f"{msg.text} ({url})")


def login(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/account/login" not in page.url, f"log-in as {email} failed"


def run_axe(page: Any, axe_js: Path) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.1 A and AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_js))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                 "best-practice"]},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                          summary: n.failureSummary})).slice(0, 5),
            }));
        }"""
    )
    return list(result)


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)


def page_weight(page: Any) -> dict[str, int]:
    """Bytes of the page as served (before compression): its HTML, the stylesheets and
    scripts it links, and the images the browser loaded for the first screen (lazy ones
    further down are not fetched yet)."""
    html, images, css, js = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const images = performance.getEntriesByType("resource")
                .filter(r => r.initiatorType === "img")
                .reduce((sum, r) => sum + r.decodedBodySize, 0);
            const css = [...document.querySelectorAll("link[rel~=stylesheet][href]")]
                .map(l => l.href);
            const js = [...document.querySelectorAll("script[src]")].map(s => s.src);
            return [nav ? nav.decodedBodySize : 0, images, css, js];
        }"""
    )
    return {
        "html": int(html),
        "css": sum(len(page.request.get(url).body()) for url in css),
        "js": sum(len(page.request.get(url).body()) for url in js),
        "images": int(images),
    }
