"""Where a running basket job is, and whether its organisation asked it to stop: the
one :class:`solidarity_baskets.jobs.ProgressStore` of the database (:func:`store`),
which the runner (:mod:`storefront.jobs`) reports to, and the progress page and its
cancel button (:mod:`storefront.ngo.progress`) read.

* :class:`RowStore` — the job's own row (``stage``, ``percent``, ``cancel_requested``),
  written by the runner on a connection of its own: on PostgreSQL the work does not
  lock that row before its end.
* :class:`SideFileStore` — on SQLite, the work holds the database's only write lock
  from its first write to its commit: nothing can write the job's row meanwhile (a
  cancel would wait for the end, then say "cancelling" of a job already done). The
  stage and the request to stop live in a small SQLite database of their own beside
  it (``<database>-progress``), which that lock does not block.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import ClassVar

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from solidarity_baskets.jobs import CANCELLABLE_STAGES, ProgressStore
from solidarity_baskets.models import BasketJob, JobStatus

log = logging.getLogger(__name__)


class RowStore:
    """Progress on the job's row."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, job_id: int) -> None:
        """Nothing to do: a job's row is at its start when it is claimed."""

    def report(self, job_id: int, stage: str, percent: int) -> bool:
        with self.engine.begin() as conn:
            asked = conn.scalar(
                update(BasketJob)
                .where(BasketJob.id == job_id)
                .values(stage=stage, percent=percent)
                .returning(BasketJob.cancel_requested)
            )
        return bool(asked)

    def where(self, job: BasketJob) -> tuple[str, int]:
        return job.stage, job.percent

    def ask_to_stop(self, session: Session, job: BasketJob) -> bool:
        result = session.execute(
            update(BasketJob)
            .where(
                BasketJob.id == job.id,
                BasketJob.status == JobStatus.RUNNING,
                BasketJob.stage.in_(CANCELLABLE_STAGES),
            )
            .values(cancel_requested=True)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def forget(self, job_id: int) -> None:
        """Nothing to drop: the row is the job's own."""


class SideFileStore:
    """Progress in a SQLite database of its own, ``path``."""

    #: the side files this process has made (or found) with their table
    _made: ClassVar[set[str]] = set()

    def __init__(self, path: str) -> None:
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction, committed at the end of the block. The file
        and its table are made by this process's first use (the progress page asks
        every few seconds), and again after an error (the file may have been removed)."""
        try:
            with closing(sqlite3.connect(self.path, timeout=5)) as conn:
                if self.path not in self._made:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute(
                        "CREATE TABLE IF NOT EXISTS running_job (job_id INTEGER PRIMARY KEY,"
                        " stage TEXT NOT NULL, percent INTEGER NOT NULL,"
                        " stop INTEGER NOT NULL DEFAULT 0)"
                    )
                    self._made.add(self.path)
                with conn:
                    yield conn
        except sqlite3.Error:
            self._made.discard(self.path)
            raise

    def start(self, job_id: int) -> None:
        """Replaces what a run of the same job that never ended may have left."""
        try:
            with self._db() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO running_job (job_id, stage, percent, stop)"
                    " VALUES (?, '', 0, 0)",
                    (job_id,),
                )
        except sqlite3.Error:
            log.warning("basket job %s: its start could not be written beside the database", job_id)

    def report(self, job_id: int, stage: str, percent: int) -> bool:
        try:
            with self._db() as conn:
                rows = conn.execute(
                    "INSERT INTO running_job (job_id, stage, percent) VALUES (?, ?, ?)"
                    " ON CONFLICT (job_id) DO UPDATE"
                    " SET stage = excluded.stage, percent = excluded.percent RETURNING stop",
                    (job_id, stage, percent),
                ).fetchall()
        except sqlite3.Error:
            log.warning("basket job %s: its stage could not be written beside the database", job_id)
            return False
        return bool(rows and rows[0][0])

    def where(self, job: BasketJob) -> tuple[str, int]:
        row = None
        if job.status == JobStatus.RUNNING:
            try:
                with self._db() as conn:
                    row = conn.execute(
                        "SELECT stage, percent FROM running_job WHERE job_id = ?", (job.id,)
                    ).fetchone()
            except sqlite3.Error:
                log.warning("basket job %s: its stage could not be read", job.id)
        return (str(row[0]), int(row[1])) if row is not None else (job.stage, job.percent)

    def ask_to_stop(self, session: Session, job: BasketJob) -> bool:
        stages = sorted(CANCELLABLE_STAGES)
        try:
            with self._db() as conn:
                changed = conn.execute(
                    "UPDATE running_job SET stop = 1"  # noqa: S608 (placeholders only)
                    f" WHERE job_id = ? AND stage IN ({', '.join('?' * len(stages))})",
                    (job.id, *stages),
                ).rowcount
        except sqlite3.Error:
            log.warning("basket job %s: the request to stop could not be written", job.id)
            return False
        return changed > 0

    def forget(self, job_id: int) -> None:
        try:
            with self._db() as conn:
                conn.execute("DELETE FROM running_job WHERE job_id = ?", (job_id,))
        except sqlite3.Error:
            log.warning("basket job %s: its stage could not be dropped", job_id)


def store(engine: Engine) -> ProgressStore:
    """The progress store of ``engine``'s database: beside the file on SQLite, the job
    rows elsewhere (and in a SQLite database held in memory, which has no file)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        return SideFileStore(f"{database}-progress")
    return RowStore(engine)
