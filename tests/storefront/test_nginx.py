"""The nginx configuration the README documents, run in front of gunicorn: static files
compressed and kept a year when fingerprinted, anonymous catalog pages kept by the
proxy, never for a visitor with a session cookie, personal pages never kept."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bench._gunicorn import free_port, gunicorn
from catalog.rules import refresh_products
from deploy.cluster import nginx_conf

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


@pytest.fixture
def proxy(make, session, database_url, tmp_path) -> Iterator[str]:
    if not database_url.startswith("sqlite"):
        pytest.skip("gunicorn reads the test database file")
    coop = make.cooperative(slug="nour")
    make.product(coop, make.category("miel", name_fr="Miel"), slug="miel-thym")
    refresh_products(session, make.today)
    session.commit()
    port = free_port()
    with gunicorn(database_url, tmp_path) as app_base:
        app_port = app_base.rsplit(":", 1)[1]
        # both documented hosts are this one
        conf = nginx_conf(tmp_path, port, [int(app_port), int(app_port)])
        process = subprocess.Popen(  # noqa: S603
            [
                str(NGINX),
                "-p",
                str(tmp_path),
                "-c",
                str(conf),
                "-g",
                "daemon off;",
            ]
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    requests.get(f"{base}/robots.txt", timeout=5)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_the_documented_nginx_serves_compresses_and_caches_what_it_may(proxy) -> None:
    page = requests.get(f"{proxy}/fr/", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Language"] == "fr"
    assert page.headers["X-Cache-Status"] == "MISS"
    again = requests.get(f"{proxy}/fr/", timeout=30)
    assert again.headers["X-Cache-Status"] == "HIT", "an anonymous catalog page is kept"
    assert again.text == page.text
    cookie = {"session": "someone"}
    mine = requests.get(f"{proxy}/fr/", cookies=cookie, timeout=30)
    assert mine.headers["X-Cache-Status"] == "BYPASS", "never the shared copy with a session"
    for _ in range(2):
        cart = requests.get(f"{proxy}/cart/", timeout=30)
    assert cart.headers["X-Cache-Status"] != "HIT", "a personal page is never kept"
    for host in ("www.taawun.example", "taawun.example"):  # each host its own copy
        shown = requests.get(f"{proxy}/fr/p/miel-thym", headers={"Host": host}, timeout=30)
        assert shown.headers["X-Cache-Status"] == "MISS"
        assert f"http://{host}/fr/p/miel-thym" in shown.text

    (css,) = re.findall(r'href="(/static/css/site\.css\?v=[0-9a-f]+)"', page.text)
    sheet = requests.get(f"{proxy}{css}", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert sheet.status_code == 200 and sheet.headers["Content-Encoding"] == "gzip"
    assert sheet.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = requests.get(f"{proxy}{css}", headers={"Accept-Encoding": "identity"}, timeout=30)
    assert sheet.text == plain.text and "Content-Encoding" not in plain.headers

    packed = requests.get(f"{proxy}/fr/c/miel", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert packed.headers["Content-Encoding"] == "gzip" and "miel-thym" in packed.text
    sitemap = requests.get(
        f"{proxy}/sitemaps/products-0.xml", headers={"Accept-Encoding": "gzip"}, timeout=30
    )
    assert sitemap.headers["Content-Encoding"] == "gzip" and "/fr/p/miel-thym" in sitemap.text
