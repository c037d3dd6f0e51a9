"""Shared fixtures. The database is SQLite in a temporary file unless
``TAAWUN_TEST_DATABASE_URL`` names another (CI runs the suite again on PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from catalog.audit import AuditEntry
from catalog.db import Base, configure_sqlite, import_models
from catalog.models import create_all, drop_all
from tests import audit_words, factories

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
#: A fixed "today" for tests that do not care about the real clock.
TODAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TAAWUN_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    import_models()
    eng = create_engine(database_url)
    configure_sqlite(eng)
    drop_all(eng)
    create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def history_reads_as_words() -> Iterator[None]:
    """No test's history entry would show a raw code (tests/audit_words.py)."""
    written, seen = audit_words.written_entries()
    event.listen(AuditEntry, "before_insert", seen)
    yield
    event.remove(AuditEntry, "before_insert", seen)
    raw = [part for action, details in written for part in audit_words.raw_parts(action, details)]
    assert not raw, f"history entries that would show raw codes: {raw}"


def _clean(eng: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (our own table names)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A real Session on a clean database; everything is wiped afterwards."""
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()
    _clean(engine)


@pytest.fixture
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent through ``engine`` while the test runs."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    yield statements
    event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def make(session: Session) -> factories.Factory:
    return factories.Factory(session, today=TODAY)
