"""The one SQLAlchemy declarative base shared by every Taawun package.

All library models subclass :class:`Base`, so there is a single ``MetaData`` (foreign
keys across packages resolve) and the storefront can hand it to Flask-SQLAlchemy with
``SQLAlchemy(model_class=Base)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Engine, Integer, MetaData, event, insert
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    Naive datetimes are refused on the way in (they are a bug: we cannot know their
    zone); values read back from SQLite, which forgets the offset, get UTC re-attached.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base: naming convention for constraints, UTC timestamps, 64-bit ints.

    The type map lives on an explicit registry so that Flask-SQLAlchemy, which builds
    its own model class from this base, shares the same registry and metadata.
    """

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UtcDateTime(),
            # 64-bit integers (money in centimes can exceed 2**31 for national orders);
            # plain INTEGER on SQLite so that "INTEGER PRIMARY KEY" keeps its rowid alias.
            int: BigInteger().with_variant(Integer(), "sqlite"),
        },
    )


#: The largest integer a column holds (64-bit on PostgreSQL and SQLite): ids, counts and
#: amounts from outside are checked against it before any query.
MAX_INTEGER = 2**63 - 1


def in_integer_range(value: int) -> bool:
    return -MAX_INTEGER - 1 <= value <= MAX_INTEGER


def whole_number(text: str) -> int | None:
    """A count or id typed or sent as text (``"42"``), else None: ASCII digits only
    (``"²"`` is a digit to :meth:`str.isdigit` but not to :func:`int`), within what a
    column holds."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if in_integer_range(value) else None


#: Every module that defines tables, lowest layer first. Importing a package registers
#: nothing by itself: :func:`import_models` (called by the storefront's ``create_app``,
#: the tests and the benchmarks) loads them all before the whole schema is made,
#: migrated or compared.
MODEL_MODULES = (
    "catalog.models",
    "catalog.audit",
    "catalog.claims",
    "catalog.settings",
    "catalog.accounts.users",
    "catalog.accounts.api_tokens",
    "catalog.notifications.outbox",
    "catalog.notifications.tasks",
    "catalog.one_time_codes",
    "catalog.schedule",
    "orders.models",
    "solidarity_baskets.models",
)


def import_models() -> None:
    """Register every package's tables on :class:`Base`'s metadata."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


#: rows one batched INSERT writes (executemany, no ORM object per row)
ROWS_PER_INSERT = 10_000


def insert_rows(session: Session, model: type[Any], rows: Iterable[dict[str, Any]]) -> int:
    """INSERT ``rows`` (column values) into ``model``'s table
    :data:`ROWS_PER_INSERT` at a time, with no object per row: rows made by a
    generator are never all held in memory. Returns how many were written."""
    written = 0
    pending = iter(rows)
    while batch := list(islice(pending, ROWS_PER_INSERT)):
        session.execute(insert(model), batch)
        written += len(batch)
    return written


def utcnow() -> datetime:
    """The current time, aware, in UTC. Library code takes ``now`` as a parameter;
    this is the default the edges (views, CLI) pass in."""
    return datetime.now(UTC)


def configure_sqlite(engine: Engine, *, busy_timeout_ms: int = 30_000) -> None:
    """Make a SQLite engine safe for several workers: WAL journal (readers never block
    the writer), a busy timeout (a writer waits instead of failing with "database is
    locked") and enforced foreign keys. A no-op on other databases."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


#: Schema objects made by raw DDL (full-text search: the SQLite FTS5 table, the
#: PostgreSQL tsvector column and its GIN index), not by the models.
UNMANAGED_PREFIXES = ("catalog_product_fts", "ix_catalog_product_search", "search_vector")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: leave the full-text search objects to their own DDL."""
    return not (name or "").startswith(UNMANAGED_PREFIXES)
