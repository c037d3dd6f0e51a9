"""The privacy notice (law 09-08) and the export and erasure of a shopper's data."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("lang", "heading", "direction"),
    [
        ("fr", "Protection de vos données personnelles", "ltr"),
        ("ar", "حماية معطياتك الشخصية", "rtl"),
        ("en", "Your personal data", "ltr"),
    ],
)
def test_privacy_page_in_each_language(client, lang, heading, direction) -> None:
    client.set_cookie("lang", lang)
    page = client.get("/privacy").get_data(as_text=True)
    assert heading in page and f'dir="{direction}"' in page
    assert "09-08" in page and ("CNDP" in page or "اللجنة الوطنية" in page)


def test_privacy_page_shows_the_configured_controller_and_declaration(app, client) -> None:
    app.config.update(
        PRIVACY_CONTROLLER="Taawun SARL",
        CNDP_DECLARATION_NUMBER="D-GC-123/2026",
        PRIVACY_CONTACT_EMAIL="dpo@example.ma",
        PRIVACY_RETENTION_MONTHS=18,
    )
    page = client.get("/privacy", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Taawun SARL" in page and "D-GC-123/2026" in page
    assert "dpo@example.ma" in page and "18 mois" in page


def test_every_page_links_to_the_privacy_notice_and_the_api_docs(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in page and 'href="/api/v1/docs"' in page
