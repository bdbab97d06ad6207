"""Opening a history database: the engine, the schema migrated to the current version, errors made readable.

An engine lives for one call (no pool kept between calls, nothing global). SQLite gets foreign keys switched on.
Every database error leaves as a :class:`HistoryError` naming the URL with its password hidden.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.history.errors import HistoryError
from conformance.history.urls import display_url, engine_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("conformance.history")


def _sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _check_sqlite_file(database: str | None, shown: str, create: bool) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.is_dir():
        raise HistoryError(f"{shown}: {database} is a directory, not a SQLite file")
    if not create and not path.exists():
        raise HistoryError(f"{shown}: no history database at {database} (nothing has been appended yet)")
    if create and not path.parent.is_dir():
        raise HistoryError(f"{shown}: the directory {path.parent} does not exist")


def _message(exc: BaseException, password: str | None) -> str:
    original = getattr(exc, "orig", None) or exc
    text = " ".join(str(original).split()) or type(original).__name__
    if password:
        text = text.replace(password, "***")
    return text


@contextmanager
def opened(url: str, create: bool) -> Iterator[Engine]:
    """An engine on ``url`` with the current schema; ``create``: make the database when it holds no history."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from conformance.history.migrations import migrate
    from conformance.history.schema import CURRENT_VERSION

    target = engine_url(url)
    shown = display_url(url)
    sqlite = target.get_backend_name() == "sqlite"
    if sqlite:
        _check_sqlite_file(target.database, shown, create)
    try:
        engine = create_engine(target, poolclass=NullPool)
    except (SQLAlchemyError, ImportError) as exc:
        raise HistoryError(f"{shown}: {_message(exc, target.password)}") from None
    if sqlite:
        event.listen(engine, "connect", _sqlite_foreign_keys)
    try:
        found = migrate(engine, create_missing=create)
        if found == 0:
            log.info("created history database %s (schema version %d)", shown, CURRENT_VERSION)
        elif found < CURRENT_VERSION:
            log.info("migrated history database %s from schema version %d to %d", shown, found, CURRENT_VERSION)
        yield engine
    except HistoryError as exc:
        raise HistoryError(f"{shown}: {exc}") from None
    except SQLAlchemyError as exc:
        raise HistoryError(f"{shown}: {_message(exc, target.password)}") from None
    finally:
        engine.dispose()
