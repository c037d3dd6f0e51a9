"""The privacy notice in French, Arabic and English. Its legal text is written per
language (a legal notice is translated as a whole, not sentence by sentence); the
controller's details and the CNDP declaration number come from the configuration."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from storefront.httpcache import catalog_page
from storefront.i18n import current_language, per_language
from storefront.pages.commands import privacy as privacy_commands

bp = per_language(Blueprint("pages", __name__, cli_group=None))
bp.cli.add_command(privacy_commands)

#: Configuration read by the privacy notice (set them with ``TAAWUN_…``).
PRIVACY_DEFAULTS = {
    "PRIVACY_CONTROLLER": "Taawun",
    "PRIVACY_ADDRESS": "",
    "PRIVACY_CONTACT_EMAIL": "privacy@taawun.ma",
    #: the receipt number of the CNDP declaration (filed by whoever runs the site)
    "CNDP_DECLARATION_NUMBER": "",
    #: shoppers' contact details are kept this long after their last order
    "PRIVACY_RETENTION_MONTHS": 24,
    #: invoices and order records are kept for the legal accounting period
    "PRIVACY_ACCOUNTING_YEARS": 10,
    "PRIVACY_HOSTING": "",
}


@bp.get("/privacy")
@catalog_page
def privacy() -> str:
    config = {
        key: current_app.config.get(key, default) for key, default in PRIVACY_DEFAULTS.items()
    }
    return render_template(
        "pages/privacy.html", body=f"pages/privacy_{current_language()}.html", privacy=config
    )
