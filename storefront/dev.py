"""Development only: the outbox as a page, ``/dev/messages``, so that in ``make run``
every e-mail and text message the marketplace would send can be read without a mail
server or an SMS provider. Registered only when ``DEV_MESSAGES`` is set (``make run``
sets it); production never has the route."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from catalog.notifications import OutboxAttachment, OutboxMessage
from storefront.extensions import db

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.get("/messages")
def messages() -> str:
    # the files' names for every message in one query, without their contents
    files = selectinload(OutboxMessage.attachments).load_only(
        OutboxAttachment.filename, OutboxAttachment.message_id
    )
    rows = db.session.scalars(
        select(OutboxMessage).options(files).order_by(OutboxMessage.id.desc()).limit(100)
    )
    return render_template("dev/messages.html", messages=list(rows))


@bp.get("/messages/<int:message_id>")
def message_html(message_id: int) -> str:
    message = db.session.get(OutboxMessage, message_id)
    if message is None or not message.body_html:
        abort(404)
    return message.body_html


@bp.get("/messages/<int:message_id>/files/<int:file_id>")
def message_file(message_id: int, file_id: int) -> Response:
    file = db.session.get(OutboxAttachment, file_id)
    if file is None or file.message_id != message_id:
        abort(404)
    return Response(
        file.content,
        mimetype=file.content_type,
        headers={"Content-Disposition": f'inline; filename="{file.filename}"'},
    )


def init_app(app: Flask) -> None:
    if app.config.get("DEV_MESSAGES"):
        app.register_blueprint(bp)
