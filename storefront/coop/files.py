"""Where uploaded files live.

Product photos go to ``UPLOAD_FOLDER``, which the shop serves publicly
(``site.media``). Certificate documents are private — shown only to their cooperative
and to operators — so they live in ``DOCUMENT_FOLDER``, a sibling folder that no route
serves directly (default: ``documents`` next to ``UPLOAD_FOLDER``).
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_from_directory
from werkzeug.wrappers import Response

from catalog.images import is_stored_name
from catalog.models import Certificate


def photo_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def document_folder() -> Path:
    configured = current_app.config.get("DOCUMENT_FOLDER")
    if configured:
        return Path(configured)
    return photo_folder().parent / "documents"


def send_document(certificate: Certificate) -> Response:
    """The certificate's document as a download (never rendered inline by the site)."""
    name = certificate.document or ""
    if not is_stored_name(name):
        abort(404)
    extension = name.rsplit(".", 1)[-1]
    response = send_from_directory(
        document_folder(),
        name,
        as_attachment=True,
        download_name=f"certificate-{certificate.id}-{certificate.kind}.{extension}",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
