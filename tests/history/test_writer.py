from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from conformance.history import HistoryError, append_run, load_runs
from conformance.history.urls import engine_url
from conformance.org.results import PolicyOutcome, RepositoryResult
from history_samples import sample_run


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_a_run_is_stored_as_one_row_per_run_repository_outcome_and_finding(history_url: str) -> None:
    append_run(history_url, sample_run(repositories=4))
    assert [_count(history_url, t) for t in ("runs", "repositories", "policy_outcomes", "findings")] == [1, 4, 15, 15]


def test_appending_the_same_run_id_twice_is_refused_and_changes_nothing(history_url: str) -> None:
    run = sample_run("2026-w10")
    append_run(history_url, run)
    with pytest.raises(HistoryError, match=r"run '2026-w10' is already in the history; a run is appended once"):
        append_run(history_url, dataclasses.replace(run, repositories=run.repositories[:1]))
    assert _count(history_url, "repositories") == 3
    assert _count(history_url, "findings") == 10
    assert load_runs(history_url) == [run]


def test_credentials_in_a_repository_url_never_reach_the_database(history_url: str) -> None:
    run = sample_run()
    leaky = dataclasses.replace(run.repositories[0], url="https://x-token:ghp_SECRET123@github.com/org/a.git")
    append_run(history_url, dataclasses.replace(run, repositories=(leaky, *run.repositories[1:])))
    engine = sa.create_engine(engine_url(history_url))
    with engine.connect() as connection:
        urls = connection.execute(sa.text("SELECT url FROM repositories ORDER BY position")).scalars().all()
    engine.dispose()
    assert urls[0] == "https://***@github.com/org/a.git"
    assert "ghp_SECRET123" not in repr(load_runs(history_url))


def test_a_repository_twice_in_one_run_is_refused_before_anything_is_written(history_url: str) -> None:
    run = sample_run()
    twice = dataclasses.replace(run, repositories=(run.repositories[0], run.repositories[0]))
    with pytest.raises(HistoryError, match=r"run 'run-1': repository 'svc-0' appears twice"):
        append_run(history_url, twice)
    assert _count(history_url, "runs") == 0


def test_a_count_of_an_unknown_status_is_refused(history_url: str) -> None:
    run = sample_run()
    odd = RepositoryResult(
        "odd", "file:///srv/odd", "scanned", policies=(PolicyOutcome("k8s/x", "error", "fail", 1, {"broken": 1}),)
    )
    with pytest.raises(HistoryError, match=r"repository 'odd', policy 'k8s/x': unknown finding status 'broken'"):
        append_run(history_url, dataclasses.replace(run, repositories=(odd,)))
    assert _count(history_url, "runs") == 0


def test_a_run_without_repositories_is_stored(history_url: str) -> None:
    empty = dataclasses.replace(sample_run(), repositories=())
    append_run(history_url, empty)
    assert load_runs(history_url) == [empty]
