"""``flask mail send``: the outbox, one message at a time, each in its own transaction
(claimed, sent, committed), so one bad message never holds back the others and two
senders at once never send the same message twice."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from catalog.db import utcnow
from catalog.notifications import Channel, OutboxMessage, OutboxStatus
from catalog.notifications import outbox as box

Sender = Callable[[OutboxMessage], str]


@dataclass(slots=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def deliver(
    session: Session,
    channels: Mapping[Channel, Sender],
    *,
    limit: int = 100,
    max_attempts: int = box.DEFAULT_MAX_ATTEMPTS,
    clock: Callable[[], datetime] = utcnow,
) -> Delivery:
    """Send up to ``limit`` pending messages of the given channels, oldest first; each
    message is tried at most once per run. Commits after each message."""
    result = Delivery()
    session.commit()  # start from a clean transaction: claims must not share one
    last = 0
    for _ in range(limit):
        message = box.claim_next(session, after_id=last, channels=tuple(channels))
        if message is None:
            break
        last = message.id
        try:
            ref = channels[Channel(message.channel)](message)
        except Exception as exc:  # noqa: BLE001 (any failure counts an attempt, kept)
            box.record_failure(message, exc, now=clock(), max_attempts=max_attempts)
            result.failed += 1
            result.dead += message.status == OutboxStatus.DEAD
        else:
            box.record_sent(message, now=clock(), provider_ref=ref)
            result.sent += 1
        session.commit()
    session.commit()
    return result
