from __future__ import annotations

from pathlib import Path

import pytest
from gitrepos import die_on_broken

from conformance.errors import ConfigError
from conformance.org.executors import LocalExecutor, executor_for
from conformance.org.inventory import InventoryEntry
from conformance.org.results import FAILED, SCANNED, RepositoryResult
from conformance.org.task import RepositoryTask


def tasks(tmp_path: Path, names: list[str]) -> list[RepositoryTask]:
    return [RepositoryTask(InventoryEntry(name, url=f"https://example.com/{name}"), str(tmp_path)) for name in names]


def test_every_task_gives_one_result_in_worker_processes(tmp_path: Path) -> None:
    import os

    results: list[RepositoryResult] = []
    LocalExecutor(function=die_on_broken, jobs=2).run(tasks(tmp_path, [f"r{i}" for i in range(6)]), results.append)
    assert sorted(r.id for r in results) == [f"r{i}" for i in range(6)]
    assert {r.status for r in results} == {SCANNED}
    assert str(os.getpid()) not in {r.commit for r in results}  # not run in this process


def test_a_dying_worker_fails_only_its_own_repository(tmp_path: Path) -> None:
    results: list[RepositoryResult] = []
    names = ["a", "b", "die", "c", "raise", "d", "e"]
    LocalExecutor(function=die_on_broken, jobs=2).run(tasks(tmp_path, names), results.append)
    by_id = {r.id: r for r in results}
    assert sorted(by_id) == sorted(names) and len(results) == len(names)
    assert by_id["die"].status == FAILED
    assert by_id["die"].reason == "the worker process scanning it died (killed, or out of memory)"
    assert by_id["raise"].status == FAILED
    assert by_id["raise"].reason == "internal error: RuntimeError: boom"
    assert {by_id[name].status for name in ("a", "b", "c", "d", "e")} == {SCANNED}


def test_the_executor_is_chosen_by_name() -> None:
    executor = executor_for("local", die_on_broken, 3)
    assert isinstance(executor, LocalExecutor) and executor.jobs == 3
    for spec in ("dask://", "spark://h:1", "dask"):
        with pytest.raises(ConfigError, match="expected local or dask://HOST:PORT"):
            executor_for(spec, die_on_broken, 1)
