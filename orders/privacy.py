"""A shopper's rights under law 09-08: a copy of everything kept about them, and
erasure that leaves the accounts valid — both read from one registry,
:mod:`catalog.personal_data`, which lists every table and column holding personal
data and what erasure does with it.

A person is found by e-mail (their account, every order placed with that address,
guest orders included) or, for a guest who proved they hold the phone, by one order
(its number and phone). Erasure overwrites names, e-mails, phones and addresses, and
deletes the person's mail, text messages (the cooperatives' copies of a delivery
address included), cart, tokens, alerts and codes. Order numbers, dates, regions,
lines and amounts stay, no longer linked to a person, so invoices, the cooperatives'
ledgers and the marketplace's accounts still add up; the erasure report says so.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from catalog.accounts.users import Role, User, normalise_email
from catalog.db import Base
from catalog.personal_data import ERASED_EMAIL, PERSONAL, Action, Finder, Table
from orders.errors import OrderError
from orders.models import Order
from orders.status import OrderStatus

#: orders that are over: nothing is left to deliver or to collect
CLOSED = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED}
)


class PrivacyError(OrderError):
    """Erasure refused: ``not_a_shopper`` (``role``: members and operators are erased
    by their organisation's process, not this one) or ``open_orders`` (``numbers``:
    they still have to be delivered, to this address)."""

    code = "privacy_error"


@dataclass(slots=True)
class Person:
    """Whose data: an account, addresses and phones, orders."""

    user: User | None = None
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    orders: list[Order] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.user is not None or bool(self.orders)


@dataclass(frozen=True, slots=True)
class Done:
    """What erasure did with one table: ``key`` and ``action`` as in the registry."""

    key: str
    action: Action
    rows: int
    reason: str


@dataclass(slots=True)
class Erasure:
    user_id: int | None
    orders: list[str] = field(default_factory=list)
    done: list[Done] = field(default_factory=list)

    def rows(self, key: str) -> int:
        return sum(d.rows for d in self.done if d.key == key)


def by_email(session: Session, email: str) -> Person:
    """The person with this e-mail: their account if any, and every order placed with
    the address or by the account."""
    email = normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    cond = Order.email == email
    if user is not None:
        cond = or_(cond, Order.user_id == user.id)
    orders = list(session.scalars(select(Order).where(cond).order_by(Order.id)))
    phones = {o.phone for o in orders if o.phone} | ({user.phone} if user and user.phone else set())
    return Person(user=user, emails={email}, phones=phones, orders=orders)


def by_order(order: Order) -> Person:
    """A guest who proved they hold the order's phone: that order, the messages about
    it, and what was sent to that phone — not the account it may belong to."""
    return Person(phones={order.phone} if order.phone else set(), orders=[order])


def _model(table: str) -> type[Any]:
    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and getattr(mapper.local_table, "name", "") == table:
            return mapper.class_
    raise LookupError(table)


def _condition(cls: type[Any], entry: Table, person: Person) -> ColumnElement[bool]:
    numbers = [o.number for o in person.orders]
    found: list[ColumnElement[bool]] = []
    for finder, name in entry.finders:
        column = getattr(cls, name)
        if finder == Finder.USER and person.user is not None:
            found.append(column == person.user.id)
        elif finder == Finder.EMAIL and person.emails:
            found.append(column.in_(person.emails))
        elif finder == Finder.PHONE and person.phones:
            found.append(column.in_(person.phones))
        elif finder == Finder.ADDRESSEE and (person.emails or person.phones):
            found.append(column.in_(person.emails | person.phones))
        elif finder == Finder.ORDER and person.orders:
            found.append(column.in_([o.id for o in person.orders]))
        elif finder == Finder.ORDER_NUMBER and numbers:
            found.append(column.in_(numbers))
        elif finder == Finder.ORDER_TOPIC and numbers:
            found.extend(column.startswith(f"order:{n}:", autoescape=True) for n in numbers)
    return or_(*found) if found else false()


def _rows(session: Session, entry: Table, person: Person) -> list[Any]:
    cls = _model(entry.name)
    return list(session.scalars(select(cls).where(_condition(cls, entry, person)).order_by(cls.id)))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def export(session: Session, person: Person) -> dict[str, Any] | None:
    """Everything kept about ``person``, as JSON-ready data: for each kind of record
    (the registry's ``key``), its rows (secrets left out) and what erasure would do
    with them. None when nothing is kept."""
    if not person.found and not person.emails and not person.phones:
        return None
    data: dict[str, Any] = {}
    on_erasure: dict[str, str] = {}
    for entry in PERSONAL:
        rows = _rows(session, entry, person)
        if not rows:
            continue
        names = [c.key for c in _columns(entry) if c.key not in entry.secret]
        data[entry.key] = [{n: _plain(getattr(row, n)) for n in names} for row in rows]
        on_erasure[entry.key] = f"{entry.action.value}" + (
            f": {entry.reason}" if entry.reason else ""
        )
    if not data:
        return None
    return {
        "emails": sorted(person.emails),
        "phones": sorted(person.phones),
        "data": data,
        "on_erasure": on_erasure,
    }


def _columns(entry: Table) -> Iterable[Any]:
    columns: Iterable[Any] = _model(entry.name).__table__.columns
    return columns


def erase(session: Session, person: Person, *, force: bool = False) -> Erasure:
    """Erase ``person``'s data as the registry says (see the module's docstring).

    :param force: erase even with orders still open (their delivery address is lost).
    :raises PrivacyError: ``not_a_shopper`` or ``open_orders``.
    """
    user = person.user
    if user is not None and user.role != Role.SHOPPER:
        raise PrivacyError("not_a_shopper", role=str(user.role))
    still_open = [o.number for o in person.orders if o.status not in CLOSED]
    if still_open and not force:
        raise PrivacyError("open_orders", numbers=still_open)
    result = Erasure(user_id=user.id if user else None, orders=[o.number for o in person.orders])
    for entry in PERSONAL:
        rows = _rows(session, entry, person)
        for row in rows:
            if entry.action == Action.DELETE:
                session.delete(row)
            elif entry.action == Action.ERASE:
                for name, value in entry.columns.items():
                    erased = ERASED_EMAIL.format(id=row.id) if value == ERASED_EMAIL else value
                    setattr(row, name, erased)
        result.done.append(Done(entry.key, entry.action, len(rows), entry.reason))
    if user is not None:  # the account is closed: nobody can sign in to it again
        user.active = False
        user.marketing_consent = False
        user.set_password(secrets.token_urlsafe(32))  # nobody knows it
        user.end_sessions()
    session.flush()
    return result


# -- by e-mail: the operator's commands -------------------------------------------------
def export_shopper(session: Session, email: str) -> dict[str, Any] | None:
    return export(session, by_email(session, email))


def erase_shopper(session: Session, email: str, *, force: bool = False) -> Erasure:
    return erase(session, by_email(session, email), force=force)
