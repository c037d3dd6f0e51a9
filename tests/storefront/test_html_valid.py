"""Valid HTML on every key page: the Nu HTML Checker (vnu.jar, run with Java) reads the
key pages rendered with the demo's data in French and Arabic. ``make html-check``
installs the checker and runs this test; elsewhere it is skipped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.storefront.keypages import key_pages, seed_demo

pytestmark = pytest.mark.translated


@pytest.fixture
def vnu() -> list[str]:
    jar = os.environ.get("TAAWUN_VNU_JAR", "")
    java = shutil.which("java")
    if not (jar and Path(jar).is_file() and java):
        if os.environ.get("TAAWUN_REQUIRE_VNU"):
            pytest.fail(f"the Nu HTML Checker cannot run (jar {jar!r}, java {java!r})")
        pytest.skip("the Nu HTML Checker is not installed: run make html-check")
    return [java, "-Xss4m", "-jar", jar]


def test_key_pages_are_valid_html(app, client, runner, session, tmp_path, vnu) -> None:
    seed_demo(app, runner)
    pages: dict[str, str] = {}
    for lang, url, html in key_pages(app, client, ("fr", "ar")):
        path = tmp_path / f"page-{len(pages):03d}.html"
        path.write_text(html, encoding="utf-8")
        pages[path.resolve().as_uri()] = f"{lang} {url}"
    assert len(pages) > 40
    checked = subprocess.run(
        [
            *vnu,
            "--format",
            "json",
            "--exit-zero-always",
            *(p.removeprefix("file://") for p in pages),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    messages = json.loads(checked.stderr)["messages"]
    errors = [
        f"{pages.get(m.get('url', '').replace('file:/', 'file:///', 1), m.get('url'))} "
        f"line {m.get('lastLine')}: {m['message']} {m.get('extract', '')!r}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert errors == [], "\n".join(errors)
