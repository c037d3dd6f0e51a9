"""Certificate documents: private — shown only to their cooperative and to operators —
so they live in the document store (:func:`storefront.media.document_store`), which no
route serves directly, unlike product photos (``site.media``).
"""

from __future__ import annotations

from flask import abort
from werkzeug.wrappers import Response

from catalog.images import is_stored_name
from catalog.models import Certificate
from storefront import media


def send_document(certificate: Certificate) -> Response:
    """The certificate's document as a download (never rendered inline by the site)."""
    name = certificate.document or ""
    if not is_stored_name(name):
        abort(404)
    extension = name.rsplit(".", 1)[-1]
    response = media.send(
        media.document_store(),
        name,
        as_attachment=True,
        download_name=f"certificate-{certificate.id}-{certificate.kind}.{extension}",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
