"""What leaves the marketplace to reach a person: the outbox (e-mail and SMS written in
the caller's transaction, sent later one by one) and the operator's tasks for people
nobody can reach. It sits at the bottom layer so that every package can tell people
things without reaching up."""

from catalog.notifications.outbox import (
    Attachment,
    Channel,
    HeaderTextError,
    OutboxAttachment,
    OutboxMessage,
    OutboxStatus,
    claim_next,
    enqueue_email,
    enqueue_sms,
    record_failure,
    record_sent,
)
from catalog.notifications.tasks import OperatorTask, open_task, resolve_task

__all__ = [
    "Attachment",
    "Channel",
    "HeaderTextError",
    "OperatorTask",
    "OutboxAttachment",
    "OutboxMessage",
    "OutboxStatus",
    "claim_next",
    "enqueue_email",
    "enqueue_sms",
    "open_task",
    "record_failure",
    "record_sent",
    "resolve_task",
]
