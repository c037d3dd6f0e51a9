"""The cooperative's API tokens, in its back office (``/back-office/api-tokens``).
The views live in :mod:`storefront.api.token_pages`; these routes add them to the back
office's blueprint."""

from __future__ import annotations

from werkzeug.wrappers import Response

from storefront.api import token_pages
from storefront.auth import cooperative_required
from storefront.coop.views import bp


@bp.route("/api-tokens", methods=["GET", "POST"])
@cooperative_required
def api_tokens() -> Response | str:
    return token_pages.handle("coop/api_tokens.html", "coop.revoke_api_token")


@bp.post("/api-tokens/revoke")
@cooperative_required
def revoke_api_token() -> Response:
    return token_pages.revoke("coop.api_tokens")
