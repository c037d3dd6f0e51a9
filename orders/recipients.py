"""Who is told about an order, and how they can be reached.

A shopper is reached by the channel chosen at checkout (e-mail, or a text message to
the phone given). A cooperative is reached through its active members' e-mails in
each member's language, else its own e-mail, else a text message to its phone; an
organisation likewise through its members, its e-mail, its phone. When nobody can be
reached the list is empty and the caller opens an operator task
(:func:`catalog.notifications.open_task`) rather than dropping the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.users import Organisation, Role, User
from catalog.models import Cooperative
from catalog.notifications import Channel
from orders.models import Order


@dataclass(frozen=True, slots=True)
class Contact:
    channel: Channel
    address: str
    language: str


@dataclass(frozen=True, slots=True)
class Party:
    """Someone to tell: what they are (for the operator's task) and how to reach them."""

    kind: str  # "shopper", "cooperative", "organisation"
    id: int | None
    name: str
    contacts: tuple[Contact, ...]


def shopper(order: Order) -> Party:
    lang = order.language or "fr"
    contacts: list[Contact] = []
    if order.notify_channel == Channel.SMS and order.phone:
        contacts.append(Contact(Channel.SMS, order.phone, lang))
    elif order.email and not order.email.endswith("@invalid"):
        contacts.append(Contact(Channel.EMAIL, order.email, lang))
    elif order.phone:
        contacts.append(Contact(Channel.SMS, order.phone, lang))
    return Party("shopper", order.user_id, order.customer_name, tuple(contacts))


def _members(session: Session, *conditions: object) -> list[Contact]:
    users = session.scalars(
        select(User).where(User.active.is_(True), *conditions).order_by(User.id)  # type: ignore[arg-type]
    ).all()
    return [Contact(Channel.EMAIL, u.email, u.language or "fr") for u in users]


def _fallback(email: str, phone: str) -> list[Contact]:
    if email:
        return [Contact(Channel.EMAIL, email, "fr")]
    if phone:
        return [Contact(Channel.SMS, phone, "fr")]
    return []


def cooperative(session: Session, coop: Cooperative) -> Party:
    return cooperatives(session, [coop])[coop.id]


def cooperatives(session: Session, coops: Sequence[Cooperative]) -> dict[int, Party]:
    """Each cooperative's party, with one query for all their members."""
    members: dict[int, list[Contact]] = {}
    if coops:
        users = session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.role == Role.COOPERATIVE,
                User.cooperative_id.in_({c.id for c in coops}),
            )
            .order_by(User.id)
        )
        for user in users:
            assert user.cooperative_id is not None
            members.setdefault(user.cooperative_id, []).append(
                Contact(Channel.EMAIL, user.email, user.language or "fr")
            )
    return {
        c.id: Party(
            "cooperative",
            c.id,
            c.name_fr,
            tuple(members.get(c.id) or _fallback(c.email, c.phone)),
        )
        for c in coops
    }


def organisation(session: Session, org: Organisation) -> Party:
    contacts = _members(session, User.organisation_id == org.id) or _fallback(org.email, org.phone)
    return Party("organisation", org.id, org.name, tuple(contacts))
