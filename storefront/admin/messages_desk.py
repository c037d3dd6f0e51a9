"""What did not reach people: messages that failed too often (dead letters, which the
operator can send again) and tasks for parties nobody can reach (the operator tells
them another way and closes the task with a note). Both go to the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import audit
from catalog.db import utcnow
from catalog.notifications import OperatorTask, OutboxMessage, OutboxStatus, tasks
from catalog.notifications import outbox as box
from storefront.admin.forms import NoteForm
from storefront.admin.views import actor, bp
from storefront.auth import operator_required
from storefront.coop.forms import ActionForm
from storefront.extensions import db


@bp.get("/messages")
@operator_required
def messages() -> str:
    return render_template(
        "admin/messages.html",
        counts=box.count_by_status(db.session),
        dead=box.dead_messages(db.session),
        open_tasks=tasks.open_tasks(db.session),
        action_form=ActionForm(),
        note_form=NoteForm(),
    )


@bp.post("/messages/<int:message_id>/retry")
@operator_required
def message_retry(message_id: int) -> Response:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if ActionForm().validate_on_submit() and message.status == OutboxStatus.DEAD:
        box.retry(message)
        audit.record(
            db.session,
            actor(),
            "outbox.retry",
            object_type="outbox_message",
            object_id=message.id,
            now=utcnow(),
            details={"to": message.to, "topic": message.topic},
        )
        db.session.commit()
        flash(_("The message will be sent again with the next batch."), "success")
    return redirect(url_for("admin.messages"))


@bp.post("/tasks/<int:task_id>/resolve")
@operator_required
def task_resolve(task_id: int) -> Response:
    task = db.session.get(OperatorTask, task_id)
    if task is None:
        abort(404)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("Write what you did before closing the task."), "error")
    elif task.resolved_at is None:
        now = utcnow()
        tasks.resolve_task(task, note=form.note.data or "", actor_id=actor().id, now=now)
        audit.record(
            db.session,
            actor(),
            "task.resolve",
            object_type="operator_task",
            object_id=task.id,
            now=now,
            details={"party": task.party_name, "topic": task.topic, "note": task.resolution_note},
        )
        db.session.commit()
        flash(_("Task closed."), "success")
    return redirect(url_for("admin.messages"))
