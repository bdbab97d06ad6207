from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from conformance.history import HistoryError, append_run, list_runs, load_runs
from conformance.history.reader import RunSummary
from history_samples import sample_run


def test_a_run_reads_back_equal_to_what_was_appended(history_url: str) -> None:
    run = sample_run(repositories=5)
    append_run(history_url, run)
    assert load_runs(history_url) == [run]
    assert load_runs(history_url)[0].to_dict() == run.to_dict()


def test_zero_counts_read_back_as_absent_statuses(history_url: str) -> None:
    run = sample_run()
    repository = run.repositories[0]
    zero = dataclasses.replace(repository.policies[2], counts={"fail": 1, "waived": 0})
    changed = dataclasses.replace(repository, policies=(zero,))
    append_run(history_url, dataclasses.replace(run, repositories=(changed,)))
    assert load_runs(history_url)[0].repositories[0].policies[0].counts == {"fail": 1}


def _three_runs(url: str) -> list:
    runs = [
        sample_run("week-11", "2026-03-16T06:00:00Z", repositories=2),
        sample_run("week-10", "2026-03-09T06:00:00Z", repositories=3),
        sample_run("week-12", "2026-03-23T06:00:00Z", repositories=4),
    ]
    for run in runs:
        append_run(url, run)
    return sorted(runs, key=lambda run: run.started)


def test_runs_come_oldest_first_and_limit_takes_the_newest(history_url: str) -> None:
    week10, week11, week12 = _three_runs(history_url)
    assert load_runs(history_url) == [week10, week11, week12]
    assert load_runs(history_url, limit=2) == [week11, week12]
    assert load_runs(history_url, limit=1) == [week12]
    assert load_runs(history_url, limit=10) == [week10, week11, week12]
    assert load_runs(history_url, limit=0) == []


def test_list_runs_gives_ids_and_counts(history_url: str) -> None:
    _three_runs(history_url)
    summaries = list_runs(history_url)
    assert [s.run_id for s in summaries] == ["week-10", "week-11", "week-12"]
    first = summaries[0]
    assert isinstance(first, RunSummary)
    assert (first.started, first.finished, first.tool_version, first.shard_count) == (
        "2026-03-09T06:00:00Z",
        "2026-03-09T06:05:30Z",
        "0.1.0",
        4,
    )
    assert first.repositories == {"scanned": 1, "reused": 1, "failed": 1}
    assert first.findings == {"fail": 2, "suppressed": 2, "waived": 2, "baselined": 2, "error": 2}
    assert [sum(s.repositories.values()) for s in summaries] == [3, 2, 4]
    assert [s.run_id for s in list_runs(history_url, limit=1)] == ["week-12"]
    assert list_runs(history_url, limit=1)[0].findings["fail"] == 3


def test_runs_started_at_the_same_time_keep_the_order_they_were_appended(history_url: str) -> None:
    for run_id in ("b", "a", "c"):
        append_run(history_url, sample_run(run_id, repositories=1))
    assert [run.run_id for run in load_runs(history_url)] == ["b", "a", "c"]
    assert [run.run_id for run in load_runs(history_url, limit=2)] == ["a", "c"]


def test_reading_the_newest_runs_does_not_read_older_rows(tmp_path) -> None:
    """The oldest run's row is damaged: reading every run fails naming it, reading the newest two does not touch it."""
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    _three_runs(url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE repositories SET tags = '{not json' WHERE repo_id = 'svc-1' AND run_pk = "
                "(SELECT id FROM runs WHERE run_id = 'week-10')"
            )
        )
    engine.dispose()
    assert [run.run_id for run in load_runs(url, limit=2)] == ["week-11", "week-12"]
    with pytest.raises(HistoryError, match=r"run 'week-10', repository 'svc-1': unreadable JSON in the database"):
        load_runs(url)


def test_tags_that_are_not_an_object_are_an_error_naming_the_repository(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    append_run(url, sample_run(repositories=1))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE repositories SET tags = '[1, 2]'"))
    engine.dispose()
    with pytest.raises(
        HistoryError, match=r"run 'run-1', repository 'zz-broken': expected a JSON dict in the database"
    ):
        load_runs(url)
