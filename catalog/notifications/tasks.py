"""The operator's tasks: something a person had to be told and nobody could be reached
(no member account, no e-mail, no phone). The order desk lists the open ones; the
operator tells the person another way and closes the task with a note."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base


class OperatorTask(Base):
    __tablename__ = "notifications_operator_task"
    __table_args__ = (Index("ix_notifications_operator_task_open", "resolved_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what could not be delivered, e.g. "no_contact"
    kind: Mapped[str] = mapped_column(String(40))
    #: the outbox topic of the message nobody received, e.g. "order:TW-7K3-9QX:part:1"
    topic: Mapped[str] = mapped_column(String(120), default="")
    #: who should have been told: "cooperative", "organisation", "shopper"
    party_type: Mapped[str] = mapped_column(String(20))
    party_id: Mapped[int | None]
    party_name: Mapped[str] = mapped_column(String(200), default="")
    #: the order it concerns, when there is one (its number, to link the desk)
    order_number: Mapped[str] = mapped_column(String(12), default="", index=True)
    #: the message's subject, in French, for the operator
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None]
    resolution_note: Mapped[str] = mapped_column(Text, default="")


def open_task(
    session: Session,
    *,
    kind: str,
    party_type: str,
    party_id: int | None,
    party_name: str,
    summary: str,
    now: datetime,
    topic: str = "",
    order_number: str = "",
) -> OperatorTask:
    """Open a task, or return the open one already about the same topic and party (a
    message queued twice is one task)."""
    existing = session.scalar(
        select(OperatorTask).where(
            OperatorTask.resolved_at.is_(None),
            OperatorTask.kind == kind,
            OperatorTask.topic == topic,
            OperatorTask.party_type == party_type,
            OperatorTask.party_id == party_id,
        )
    )
    if existing is not None:
        return existing
    task = OperatorTask(
        kind=kind,
        party_type=party_type,
        party_id=party_id,
        party_name=party_name[:200],
        summary=summary,
        topic=topic[:120],
        order_number=order_number,
        details={},
        created_at=now,
    )
    session.add(task)
    session.flush()
    return task


def resolve_task(task: OperatorTask, *, note: str, actor_id: int | None, now: datetime) -> None:
    task.resolved_at = now
    task.resolved_by_id = actor_id
    task.resolution_note = note


def open_tasks(session: Session, *, limit: int = 100) -> list[OperatorTask]:
    return list(
        session.scalars(
            select(OperatorTask)
            .where(OperatorTask.resolved_at.is_(None))
            .order_by(OperatorTask.id.desc())
            .limit(limit)
        )
    )


def waiting_counts(session: Session) -> tuple[int, int]:
    """(open tasks, dead messages), in one query: what the operator's dashboard shows."""
    from catalog.notifications.outbox import OutboxMessage, OutboxStatus

    tasks = select(func.count(OperatorTask.id)).where(OperatorTask.resolved_at.is_(None))
    dead = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.DEAD)
    row = session.execute(select(tasks.scalar_subquery(), dead.scalar_subquery())).one()
    return int(row[0]), int(row[1])
