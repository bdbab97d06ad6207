from __future__ import annotations

import dataclasses
import logging

import pytest
import sqlalchemy as sa

from conformance.history import HistoryError, append_run, list_runs, load_runs, migrate
from conformance.history import migrations as m
from conformance.history.schema import CURRENT_VERSION, build
from conformance.history.urls import display_url, engine_url
from conformance.history.writer import write_run
from history_samples import sample_run


@pytest.fixture
def engine(history_url: str):
    engine = sa.create_engine(engine_url(history_url))
    yield engine
    engine.dispose()


def _version_1_database(engine: sa.Engine, run) -> None:
    """A history as version 1 of the code made it: version-1 tables, a run written with version-1 columns."""
    with engine.begin() as connection:
        m.create(connection, version=1)
        write_run(connection, build(1), run)


def _structure(engine: sa.Engine) -> dict[str, object]:
    inspector = sa.inspect(engine)
    return {
        table: (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)),
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)),
            sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in inspector.get_foreign_keys(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


def test_version_1_has_no_level_column_and_no_report_indexes(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        m.create(connection, version=1)
        assert m.database_version(connection) == 1
    inspector = sa.inspect(engine)
    assert "level" not in {c["name"] for c in inspector.get_columns("repositories")}
    assert {i["name"] for i in inspector.get_indexes("findings")} == {"ix_findings_repository"}
    assert {i["name"] for i in inspector.get_indexes("policy_outcomes")} == {"ix_policy_outcomes_repository"}


def test_a_version_1_database_is_migrated_and_its_run_reads_back(history_url: str, engine: sa.Engine) -> None:
    old = sample_run("before-upgrade", "2026-03-02T06:00:00Z")
    _version_1_database(engine, old)
    assert migrate(engine) == 1
    with engine.connect() as connection:
        assert m.database_version(connection) == CURRENT_VERSION == 2
        applied = connection.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    assert applied == [1, 2]
    # version 1 kept no level: the old run reads back with none, everything else equal
    expected = dataclasses.replace(
        old, repositories=tuple(dataclasses.replace(r, level=None) for r in old.repositories)
    )
    assert old.repositories[0].level == "bronze"
    assert load_runs(history_url) == [expected]
    new = sample_run("after-upgrade", "2026-03-09T06:00:00Z")
    append_run(history_url, new)
    assert load_runs(history_url) == [expected, new]
    assert [s.run_id for s in list_runs(history_url)] == ["before-upgrade", "after-upgrade"]


def test_a_migrated_database_has_the_structure_of_a_new_one(new_history_url, engine: sa.Engine) -> None:
    _version_1_database(engine, sample_run())
    migrate(engine)
    fresh = sa.create_engine(engine_url(new_history_url()))
    assert migrate(fresh) == 0
    migrated, made = _structure(engine), _structure(fresh)
    fresh.dispose()
    assert migrated == made
    assert sorted(migrated) == ["findings", "policy_outcomes", "repositories", "runs", "schema_version"]
    assert ("level", "TEXT", True) in migrated["repositories"][0]
    assert ("ix_findings_run_fingerprint", ("run_pk", "fingerprint"), False) in migrated["findings"][1]


def test_migrating_a_current_database_changes_nothing(history_url: str, engine: sa.Engine) -> None:
    append_run(history_url, sample_run())
    assert migrate(engine) == CURRENT_VERSION
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM schema_version")).scalar_one() == 1


def test_an_empty_database_is_created_at_the_current_version(engine: sa.Engine) -> None:
    assert migrate(engine) == 0
    with engine.connect() as connection:
        assert m.database_version(connection) == CURRENT_VERSION
    assert set(sa.inspect(engine).get_table_names()) == {
        "schema_version",
        "runs",
        "repositories",
        "policy_outcomes",
        "findings",
    }


def test_a_database_newer_than_the_code_is_refused(history_url: str, engine: sa.Engine) -> None:
    append_run(history_url, sample_run())
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO schema_version (version, applied) VALUES (3, '2027-01-01')"))
    message = r"schema version 3, newer than this conformance knows \(2\): upgrade conformance"
    with pytest.raises(HistoryError, match=message):
        migrate(engine)
    with pytest.raises(HistoryError, match=message):
        load_runs(history_url)
    with pytest.raises(HistoryError, match=message):
        append_run(history_url, sample_run("another"))


def test_a_database_with_other_tables_of_these_names_is_refused(history_url: str, engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE runs (id INTEGER PRIMARY KEY, pipeline TEXT)"))
    with pytest.raises(HistoryError, match=r"has a 'runs' table but no schema_version table: it is not a conformance"):
        append_run(history_url, sample_run())


def test_an_empty_schema_version_table_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        build().schema_version.create(connection)
    with pytest.raises(HistoryError, match="the schema_version table is empty"):
        migrate(engine)


def test_reading_a_database_without_history_is_an_error_and_creates_nothing(history_url: str, engine) -> None:
    with pytest.raises(
        HistoryError, match=r"no (conformance history in this|history) database.*nothing has been appended"
    ):
        list_runs(history_url)
    with pytest.raises(HistoryError, match=r"nothing has been appended yet"):
        load_runs(history_url)
    assert sa.inspect(engine).get_table_names() == []


def test_every_version_but_the_first_has_a_step() -> None:
    assert sorted(m.STEPS) == list(range(2, CURRENT_VERSION + 1))
    with pytest.raises(ValueError, match="no schema version 3"):
        build(CURRENT_VERSION + 1)


def test_opening_a_version_1_history_migrates_it_and_says_so(
    history_url: str, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _version_1_database(engine, sample_run("old"))
    with caplog.at_level(logging.INFO, logger="conformance.history"):
        assert [run.run_id for run in load_runs(history_url)] == ["old"]
        assert [run.run_id for run in load_runs(history_url)] == ["old"]
    assert [r.getMessage() for r in caplog.records] == [
        f"migrated history database {display_url(history_url)} from schema version 1 to 2"
    ]
