"""Worker processes for large scans: forked children that each run the scanner they were started with.

Each worker gets the scanner as an argument of its process (inherited through fork, never pickled and never
kept in a module-level variable) and its own pipe. The parent hands out chunks of files, at most
:data:`IN_FLIGHT` per worker, and yields the outcomes in chunk order. A worker that dies (killed, or a policy
calling ``os._exit``) is noticed through its sentinel: the files of the chunk it was scanning become
internal-error findings, the chunks it had not started go to the other workers, a new worker takes its place,
and the scan goes on.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.engine.findings import error_finding
from conformance.engine.outcome import FileOutcome
from conformance.engine.scanner import FileScanner
from conformance.inputs import InputFile
from conformance.model import INTERNAL_ERROR, Finding, Location, tally_of
from conformance.store import pack

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkProcess

RUNAWAY = -1
"""The index of a worker's last message before it ends itself: a policy would not stop (see the watchdog)."""
RUNAWAY_EXIT = 86
IN_FLIGHT = 2
_exit = os._exit
"""The real ``os._exit``: a contained check replaces the module's (see :mod:`conformance.engine.containment`)."""
"""Chunks handed to one worker before it returns the first: it never waits for the parent."""
Work = Callable[[FileScanner, Sequence[InputFile]], FileOutcome]


def scan_chunk(scanner: FileScanner, files: Sequence[InputFile]) -> FileOutcome:
    """A worker's job on a chunk of scanned files: findings sorted and packed, so the parent stores bytes."""
    outcome = scanner.scan_files(files)
    outcome.findings.sort(key=Finding.sort_key)
    outcome.packed = pack(outcome.findings)
    outcome.counts = tally_of(outcome.findings)
    outcome.findings = []
    return outcome


def read_context(scanner: FileScanner, files: Sequence[InputFile]) -> FileOutcome:
    """A worker's job on a chunk of context files (see :meth:`FileScanner.scan_context`)."""
    return scanner.scan_context(files)


def _worker(connection: Connection, scanner: FileScanner, work: Work) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler unwinds the parent, not a worker
    scanner.watchdog.install()  # interval timers do not survive fork

    def stop_process(policy_id: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            connection.send((RUNAWAY, policy_id))
        _exit(RUNAWAY_EXIT)

    scanner.watchdog.stop_process = stop_process
    # Bulk parsing makes the cyclic collector run constantly for nothing; it is paused, and what exists now
    # (modules, policies) is moved out of its sight so the explicit collection after each chunk stays cheap.
    gc.disable()
    gc.freeze()
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        index, files = message
        outcome = work(scanner, files)
        gc.collect()
        connection.send((index, outcome))


@dataclass
class _Worker:
    process: ForkProcess
    connection: Connection
    held: deque[int] = field(default_factory=deque)
    runaway: str = ""
    """The policy that would not stop, when the worker ended itself for it."""


def _drain(worker: _Worker, done: dict[int, FileOutcome]) -> None:
    """Every result a worker has sent so far (a worker that died may have sent some before)."""
    try:
        while worker.connection.poll():
            index, outcome = worker.connection.recv()
            if index == RUNAWAY:
                worker.runaway = outcome
                continue
            worker.held.remove(index)
            done[index] = outcome
    except (EOFError, OSError):
        pass


def _lost(files: Sequence[InputFile], exitcode: int | None, runaway: str = "") -> FileOutcome:
    if runaway:
        how = f"was stopped: policy {runaway} kept running after its time budget and would not stop"
    elif exitcode is not None and exitcode < 0:
        how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited ({exitcode})"
    message = (
        f"internal error: the worker process scanning this file (or another of its batch of {len(files)}) {how}: "
        "its findings are not known"
    )
    return FileOutcome(
        files=len(files), errors=[error_finding(INTERNAL_ERROR, message, Location(f.display)) for f in files]
    )


class WorkerPool:
    """Forked workers running ``work`` with one scanner; see the module docstring."""

    def __init__(self, scanner: FileScanner, work: Work, jobs: int) -> None:
        import multiprocessing

        self._context = multiprocessing.get_context("fork")
        self._scanner = scanner
        self._work = work
        self._workers = [self._start() for _ in range(jobs)]

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker, args=(child, self._scanner, self._work), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def map(self, chunks: Sequence[Sequence[InputFile]]) -> Iterator[FileOutcome]:
        """The outcome of every chunk, in order."""
        from multiprocessing.connection import wait

        waiting = deque(range(len(chunks)))
        done: dict[int, FileOutcome] = {}
        following = 0
        while following < len(chunks):
            if following in done:
                yield done.pop(following)
                following += 1
                continue
            for worker in self._workers:
                while waiting and len(worker.held) < IN_FLIGHT:
                    index = waiting.popleft()
                    try:
                        worker.connection.send((index, chunks[index]))
                    except OSError:  # it died: its sentinel says so below
                        waiting.appendleft(index)
                        break
                    worker.held.append(index)
            ready = set(wait([w.connection for w in self._workers] + [w.process.sentinel for w in self._workers]))
            for position, worker in enumerate(list(self._workers)):
                died = worker.process.sentinel in ready
                if died or worker.connection in ready:
                    _drain(worker, done)
                if died:
                    worker.process.join()
                    if worker.held:  # the first was being scanned; the others wait for another worker
                        lost = worker.held.popleft()
                        done[lost] = _lost(chunks[lost], worker.process.exitcode, worker.runaway)
                        waiting.extendleft(reversed(worker.held))
                    worker.connection.close()
                    self._workers[position] = self._start()

    def close(self) -> None:
        """Stop every worker (at once when the scan was interrupted)."""
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(None)
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join()
            worker.connection.close()

    def terminate(self) -> None:
        for worker in self._workers:
            worker.process.terminate()
        for worker in self._workers:
            worker.process.join()
            worker.connection.close()


def in_pool(
    scanner: FileScanner, work: Work, chunks: Sequence[Sequence[InputFile]], jobs: int
) -> Iterator[FileOutcome]:
    """``work`` over chunks of files in ``jobs`` forked workers, outcomes in chunk order."""
    pool = WorkerPool(scanner, work, min(jobs, len(chunks)) or 1)
    finished = False
    try:
        yield from pool.map(chunks)
        finished = True
    finally:
        if finished:
            pool.close()
        else:
            pool.terminate()
