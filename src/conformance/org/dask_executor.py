"""Run the per-repository task on a Dask cluster (``--executor dask://HOST:PORT``, extra ``conformance[dask]``).

The same shape as the local executor: built with the task function, ``run(tasks, on_result)``. Every task is
submitted through :class:`distributed.Client` (``client.map``) and each result handed to ``on_result`` as it
completes. The function's own contract is never to raise; a worker can still die under it (out of memory, a
segfault in a parser) or the task can fail to unpickle, so an exception or a lost worker becomes a ``failed``
:class:`RepositoryResult` for that task alone, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from conformance.errors import ConformanceError
from conformance.org.results import FAILED, RepositoryResult, redact_url

Task = TypeVar("Task")

CONNECT_TIMEOUT = 30.0
"""Seconds to wait for the scheduler before the run is a usage error."""


def scheduler_address(address: str) -> str:
    """``dask://host:8786`` → ``tcp://host:8786``; ``tcp://``, ``tls://`` and ``inproc://`` addresses as given."""
    if address.startswith("dask://"):
        return "tcp://" + address.removeprefix("dask://")
    return address


def failed_result(task: Any, reason: str) -> RepositoryResult:
    """The result of a task that did not return one: its repository, failed, with the reason. The repository
    is the task's inventory ``entry`` (``conformance.org.task.RepositoryTask``), or the task itself when it
    has the entry's fields (``id``, ``url`` or ``path``, ``branch``, ``team``, ``tags``)."""
    entry = getattr(task, "entry", task)
    identity = str(getattr(entry, "id", "") or getattr(entry, "url", "") or entry)
    shown = getattr(entry, "display", None)
    url = shown if isinstance(shown, str) else str(getattr(entry, "url", None) or getattr(entry, "path", None) or "")
    team = getattr(entry, "team", None)
    return RepositoryResult(
        id=redact_url(identity),
        url=redact_url(url),
        status=FAILED,
        branch=getattr(entry, "branch", None),
        team=team,
        team_source="inventory" if team else None,
        tags=dict(getattr(entry, "tags", None) or {}),
        reason=redact_url(reason),
        exit_code=2,
    )


def _lost_worker(future: Any) -> bool:
    """Whether a finished future failed because its worker died (the scheduler's KilledWorker)."""
    if future.status != "error":
        return False
    return type(future.exception()).__name__ == "KilledWorker"


def _reason(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return "the Dask worker running this repository's scan died (out of memory or crashed)"
    return f"the scan raised on the Dask worker: {name}: {exc}"


class DaskExecutor(Generic[Task]):
    """Submits tasks to the Dask scheduler at ``address``; ``failure(task, reason)`` builds the result of a
    task that raised or lost its worker (default: :func:`failed_result`)."""

    def __init__(
        self,
        address: str,
        function: Callable[[Task], RepositoryResult],
        failure: Callable[[Task, str], RepositoryResult] = failed_result,
    ) -> None:
        self.address = scheduler_address(address)
        self.function = function
        self.failure = failure

    def _client(self) -> Any:
        from distributed import Client

        try:
            return Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConformanceError(f"--executor: cannot reach the Dask scheduler at {self.address}: {exc}") from None

    def run(self, tasks: Iterable[Task], on_result: Callable[[RepositoryResult], None]) -> int:
        """Run every task; each result (in completion order) goes to ``on_result``, and its future is released at
        once (neither this process nor the cluster keeps results: memory stays flat in the fleet's size). Returns
        how many results were handed on."""
        from distributed import as_completed

        pending = list(tasks)
        if not pending:
            return 0
        handed = 0
        client = self._client()
        try:
            with client.as_current():  # as_completed finds the client here, not in a process-wide default
                futures = client.map(self.function, pending, pure=False)
                task_of = {future.key: task for future, task in zip(futures, pending, strict=True)}
                completed = as_completed(futures)
                del futures  # as_completed holds them until each is done
                resubmitted: set[int] = set()
                for future in completed:
                    task = task_of.pop(future.key)
                    if _lost_worker(future) and id(task) not in resubmitted:
                        # a bystander of a worker that died (it ran beside the culprit) gets one more try alone
                        resubmitted.add(id(task))
                        again = client.submit(self.function, task, pure=False)
                        task_of[again.key] = task
                        completed.add(again)
                        continue
                    result = self._result_of(future, task)
                    future.release()
                    on_result(result)
                    handed += 1
        finally:
            client.close()
        return handed

    def _result_of(self, future: Any, task: Task) -> RepositoryResult:
        try:
            result = future.result()
        except Exception as exc:  # the task raised, or its worker died (KilledWorker)
            return self.failure(task, _reason(exc))
        if not isinstance(result, RepositoryResult):
            return self.failure(task, f"the scan returned {type(result).__name__}, not a repository result")
        return result
