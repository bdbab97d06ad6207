"""The org-scan history: every run appended to a database, read back by the report.

SQLite by default (a file, no server), PostgreSQL by URL, through one SQLAlchemy Core code path, with schema
versions migrated on open. Importing this package imports no database code: SQLAlchemy loads on first use.

- :func:`append_run` stores one run (refused when its run id is already stored).
- :func:`load_runs` returns the newest runs as full records, oldest first, equal to what was appended.
- :func:`list_runs` returns ids, times and counts only.
- :func:`resolve_url` picks the URL: ``--db``, else ``$CONFORMANCE_DB``, else ``sqlite:///conformance-history.sqlite``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from conformance.history.errors import HistoryError
from conformance.history.urls import display_url, resolve_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from conformance.history.reader import RunSummary
    from conformance.org.results import RunResult

__all__ = ["HistoryError", "append_run", "display_url", "list_runs", "load_runs", "migrate", "resolve_url"]

log = logging.getLogger("conformance.history")


def append_run(url: str, run: RunResult) -> None:
    """Append ``run`` to the history at ``url`` (created or migrated first), in one transaction."""
    from conformance.history.database import opened
    from conformance.history.schema import build
    from conformance.history.writer import write_run

    with opened(url, create=True) as engine, engine.begin() as connection:
        write_run(connection, build(), run)
    log.info(
        "appended run %s (%d repositories, %d findings) to %s",
        run.run_id,
        len(run.repositories),
        sum(len(r.findings) for r in run.repositories),
        display_url(url),
    )


def load_runs(url: str, limit: int | None = None) -> list[RunResult]:
    """The newest ``limit`` runs (every run when None), oldest first, as full records."""
    from conformance.history.database import opened
    from conformance.history.reader import load
    from conformance.history.schema import build

    with opened(url, create=False) as engine, engine.connect() as connection:
        return load(connection, build(), limit)


def list_runs(url: str, limit: int | None = None) -> list[RunSummary]:
    """Every run (the newest ``limit`` when given), oldest first: ids, times and counts, without rows."""
    from conformance.history.database import opened
    from conformance.history.reader import summaries
    from conformance.history.schema import build

    with opened(url, create=False) as engine, engine.connect() as connection:
        return summaries(connection, build(), limit)


def migrate(engine: Engine) -> int:
    """Bring the database behind ``engine`` to the current schema version; returns the version it had (0: new)."""
    from conformance.history.migrations import migrate as run_migrations

    return run_migrations(engine)
