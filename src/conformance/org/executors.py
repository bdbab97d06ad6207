"""Executors run the per-repository task over many repositories and hand each result back as it arrives.

The shape every executor has (``conformance.org.dask_executor.DaskExecutor`` too): built with the task
function, then ``run(tasks, on_result)``, which calls ``on_result(result)`` once per task, in completion order,
and returns when all are done. The function must be a picklable top-level function that never raises
(``conformance.org.task.scan_repository``); should a worker die anyway, only its own repository is recorded
as failed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from conformance.org.results import RepositoryResult
from conformance.org.task import RepositoryTask, failed

TaskFunction = Callable[[RepositoryTask], RepositoryResult]
ResultCallback = Callable[[RepositoryResult], None]


class Executor(Protocol):
    def run(self, tasks: Iterable[RepositoryTask], on_result: ResultCallback) -> None: ...


def _context() -> multiprocessing.context.BaseContext:
    """``forkserver`` where the platform has it (no copy of the parent's threads or locks), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class LocalExecutor:
    """Worker processes on this machine (``jobs``; 0: one per CPU)."""

    def __init__(self, function: TaskFunction, jobs: int = 0) -> None:
        self.function = function
        self.jobs = jobs if jobs > 0 else (os.cpu_count() or 1)

    def run(self, tasks: Iterable[RepositoryTask], on_result: ResultCallback) -> None:
        pending = deque(tasks)
        while pending:
            for suspect in self._run_pool(pending, on_result):
                self._run_alone(suspect, on_result)

    def _run_pool(self, pending: deque[RepositoryTask], on_result: ResultCallback) -> list[RepositoryTask]:
        """Run tasks from ``pending`` with at most ``jobs`` in flight; when a worker dies the pool breaks, and the
        tasks that were in flight are returned (one of them killed it) while the rest stay in ``pending``."""
        suspects: list[RepositoryTask] = []
        workers = min(self.jobs, len(pending))
        with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
            in_flight: dict[Future[RepositoryResult], RepositoryTask] = {}
            broken = False
            while in_flight or (pending and not broken):
                while pending and not broken and len(in_flight) < workers:
                    task = pending.popleft()
                    try:
                        in_flight[pool.submit(self.function, task)] = task
                    except BrokenProcessPool:
                        pending.appendleft(task)
                        broken = True
                try:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                except BaseException:  # Ctrl-C or SIGTERM: start nothing more, let running repositories end
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
                for future in done:
                    task = in_flight.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(task)
                        continue
                    except Exception as exc:  # the function raised after all, or its result did not unpickle
                        result = failed(task.entry, f"internal error: {type(exc).__name__}: {exc}")
                    on_result(result)
        return suspects

    def _run_alone(self, task: RepositoryTask, on_result: ResultCallback) -> None:
        """Run one task in a pool of its own: a result, or the failure of the worker it kills."""
        with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
            future = pool.submit(self.function, task)
            try:
                result = future.result()
            except BrokenProcessPool:
                result = failed(task.entry, "the worker process scanning it died (killed, or out of memory)")
            except Exception as exc:
                result = failed(task.entry, f"internal error: {type(exc).__name__}: {exc}")
        on_result(result)


def executor_for(spec: str, function: TaskFunction, jobs: int) -> Executor:
    """``local`` or ``dask://HOST:PORT`` (the Dask executor is imported only then)."""
    from conformance.errors import ConfigError

    if spec == "local":
        return LocalExecutor(function=function, jobs=jobs)
    if spec.startswith("dask://") and len(spec) > len("dask://"):
        from importlib import import_module

        try:  # imported by name: a module of its own, with its own extra (conformance[dask])
            dask_executor = import_module("conformance.org.dask_executor")
        except ImportError as exc:
            raise ConfigError(f"--executor {spec}: the Dask executor needs conformance[dask] ({exc})") from None
        executor: Executor = dask_executor.DaskExecutor(f"tcp://{spec[len('dask://') :]}", function=function)
        return executor
    raise ConfigError(f"--executor {spec!r}: expected local or dask://HOST:PORT")
