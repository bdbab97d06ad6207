"""Schema versions: create a new history at the current version, bring an older one up step by step.

Each step runs in its own transaction and records its version in ``schema_version``, so an interrupted
migration leaves the database at the last version completed. A database newer than this code is refused: an
older conformance must not write rows a newer schema would misread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from conformance.history import schema
from conformance.history.errors import HistoryError


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def database_version(connection: Connection) -> int | None:
    """The schema version of the database, None when it holds no history yet."""
    inspector = sa.inspect(connection)
    if not inspector.has_table("schema_version"):
        foreign = [table for table in ("runs", "repositories", "findings") if inspector.has_table(table)]
        if foreign:
            raise HistoryError(
                f"the database has a {foreign[0]!r} table but no schema_version table: "
                "it is not a conformance history database"
            )
        return None
    versions = schema.build(1).schema_version
    version = connection.execute(sa.select(sa.func.max(versions.c.version))).scalar()
    if version is None:
        raise HistoryError("the schema_version table is empty: not a conformance history database")
    return int(version)


def create(connection: Connection, version: int = schema.CURRENT_VERSION) -> None:
    """Create every table of schema ``version`` in an empty database and record the version."""
    tables = schema.build(version)
    tables.metadata.create_all(connection)
    connection.execute(sa.insert(tables.schema_version).values(version=version, applied=_now()))


def _add_column(connection: Connection, column: sa.Column[object]) -> None:
    preparer = connection.dialect.identifier_preparer
    column_type = column.type.compile(dialect=connection.dialect)
    table = column.table
    connection.execute(
        sa.text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {preparer.quote(column.name)} {column_type}")
    )


def _version_2(connection: Connection) -> None:
    """Repositories get the level they reached; the report's lookups get indexes (findings by run and fingerprint
    for new and fixed findings, outcomes by run and policy for pass rates). Runs stored before have no level."""
    target = schema.build(2)
    _add_column(connection, target.repositories.c.level)
    for index in schema.version_2_indexes(target.policy_outcomes, target.findings):
        index.create(connection)


STEPS: dict[int, Callable[[Connection], None]] = {2: _version_2}
"""Version N ← the step that turns version N-1 into N."""


def migrate(engine: Engine, create_missing: bool = True) -> int:
    """Bring the database to the current schema version (creating it when empty); returns the version it had."""
    with engine.begin() as connection:
        found = database_version(connection)
        if found is None:
            if not create_missing:
                raise HistoryError("no conformance history in this database: nothing has been appended yet")
            create(connection)
            return 0
    if found > schema.CURRENT_VERSION:
        raise HistoryError(
            f"the history database has schema version {found}, newer than this conformance knows "
            f"({schema.CURRENT_VERSION}): upgrade conformance to read or write it"
        )
    versions = schema.build(schema.CURRENT_VERSION).schema_version
    for version in range(found + 1, schema.CURRENT_VERSION + 1):
        with engine.begin() as connection:
            if (database_version(connection) or 0) >= version:
                continue  # another process got there first
            STEPS[version](connection)
            connection.execute(sa.insert(versions).values(version=version, applied=_now()))
    return found
