"""One scan from start to end: files in report order (serially or in workers), context files, cross-resource
policies, repositories, then the late findings (waivers, untrusted policies) and the baseline's fixed entries.

Files are scanned in the order reports list them, so each chunk's findings go straight to the store in order
and memory stays bounded by a chunk, not by the tree (see :mod:`conformance.store`).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.catalog.policy import Policy
from conformance.engine.findings import origin_of
from conformance.engine.options import ScanOptions
from conformance.engine.outcome import FileOutcome
from conformance.engine.scanner import FileScanner
from conformance.engine.scope_run import run_scope_policies
from conformance.inputs import InputFile
from conformance.model import Evaluation, Finding, PolicyInfo, ScanResult, ScanStats
from conformance.scope import ScopeStore
from conformance.store import FindingStore
from conformance.suppressor import Hits, fixed_entries

if TYPE_CHECKING:
    from conformance.targets.helm import Rendered
    from conformance.targets.kustomize import Built
    from conformance.targets.repo import Repository


PARALLEL_MIN_FILES = 64
CHUNK_FILES = 16


def chunks_of(files: Sequence[InputFile], size: int = CHUNK_FILES) -> list[Sequence[InputFile]]:
    return [files[start : start + size] for start in range(0, len(files), size)]


def jobs_for(requested: int, files: int) -> int:
    """Worker processes for a number of files: as asked, else one below :data:`PARALLEL_MIN_FILES`, else the
    CPUs (at most 8)."""
    if requested > 0:
        return requested
    if files < PARALLEL_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass
class _Collected:
    """What the outcomes of a scan add up to, as they arrive."""

    store: FindingStore = field(default_factory=FindingStore)
    errors: list[Finding] = field(default_factory=list)
    scope: ScopeStore = field(default_factory=lambda: ScopeStore())  # looked up at each scan
    evaluations: list[Evaluation] = field(default_factory=list)
    hits: Hits = field(default_factory=Hits)
    markers: dict[str, Any] = field(default_factory=dict)
    totals: FileOutcome = field(default_factory=FileOutcome)
    subjects: bool = False
    """Whether some recorded scope entry is a subject (only then are context files worth reading)."""

    def absorb(self, outcome: FileOutcome, ordered: bool) -> None:
        if outcome.packed:
            self.store.append_packed(outcome.packed, outcome.counts)
        elif ordered:
            self.store.append_ordered(outcome.findings)
        else:
            self.store.add_unordered(outcome.findings)
        self.errors.extend(outcome.errors)
        for policy_id, entries in outcome.scope.items():
            self.scope.add(policy_id, entries)
            self.subjects = self.subjects or any(entry.locations for entry in entries)
        self.evaluations.extend(outcome.evaluations)
        self.hits.merge(outcome.hits)
        self.markers.update(outcome.markers)
        self.totals.files += outcome.files
        self.totals.documents += outcome.documents
        self.totals.resources += outcome.resources


def scan(
    files: Sequence[InputFile],
    policies: Sequence[Policy],
    options: ScanOptions,
    *,
    stdin: bytes | None = None,
    extra_errors: Sequence[Finding] = (),
    extra_findings: Sequence[Finding] = (),
    repositories: Sequence[Repository] = (),
    context_files: Sequence[InputFile] = (),
    rendered: Sequence[Rendered | Built] = (),
) -> ScanResult:
    """Scan files (and stdin's bytes, if given) with the given policies.

    ``context_files`` are read only when a cross-resource policy has a subject among the scanned objects, and
    only to record what such policies look up (a partial scan's view of the rest of the repository).
    ``rendered`` are charts rendered by Helm and Kustomize builds: each is its own project for cross-resource
    policies.
    """
    started = time.perf_counter()
    scanner = FileScanner(policies, options)
    collected = _Collected(errors=list(extra_errors))
    ordered_files = sorted(files, key=lambda item: item.display)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    scanner.watchdog.install()
    report_stream = sys.stdout
    sys.stdout = sys.stderr  # what a policy prints never lands in a report written to standard output
    previous_interrupt = scanner.watchdog.track_interrupts()
    fixed: tuple[Mapping[str, Any], ...] = ()
    try:
        if stdin is not None:
            collected.absorb(scanner.scan_stdin(stdin), ordered=False)
        _scan_files(scanner, ordered_files, options.jobs, collected)
        for stream in rendered:
            collected.absorb(scanner.scan_rendered(stream, stream.project, stream.tree), ordered=False)
        if context_files and collected.subjects:
            _read_context(scanner, files, context_files, options.jobs, collected)
        collected.absorb(
            run_scope_policies(
                scanner.scope_policies,
                collected.scope,
                scanner.watchdog,
                options.suppressor,
                collected.markers,
                scanner.contained,
            ),
            ordered=False,
        )
        for repository in repositories:
            collected.absorb(scanner.scan_repository(repository), ordered=False)
        fixed = _late_findings(options, files, extra_findings, collected)
    finally:
        sys.stdout = report_stream
        if previous_interrupt is not None:
            signal.signal(signal.SIGINT, previous_interrupt)
        scanner.watchdog.uninstall()
        collected.scope.close()
        if gc_was_enabled:
            gc.enable()
    infos: tuple[PolicyInfo, ...] = tuple(p.info for p in policies)
    totals = collected.totals
    stats = ScanStats(totals.files, totals.documents, totals.resources, time.perf_counter() - started)
    collected.evaluations.sort(key=lambda evaluation: evaluation.file)  # stable: document order within a file
    return ScanResult(
        infos,
        collected.store,
        tuple(sorted(collected.errors, key=Finding.sort_key)),
        stats,
        options.fail_on,
        tuple(collected.evaluations),
        fixed=fixed,
    )


def _scan_files(scanner: FileScanner, files: Sequence[InputFile], requested: int, collected: _Collected) -> None:
    jobs = jobs_for(requested, len(files))
    # User Python policies always run in a worker: one that ends its process or will not stop costs a batch.
    if (jobs > 1 and len(files) > 1) or (scanner.contained and files):
        from conformance.engine.pool import in_pool, scan_chunk

        for outcome in in_pool(scanner, scan_chunk, chunks_of(files), jobs):
            collected.absorb(outcome, ordered=True)
        return
    for chunk in chunks_of(files):
        outcome = scanner.scan_files(chunk)
        outcome.findings.sort(key=Finding.sort_key)
        collected.absorb(outcome, ordered=True)


def _read_context(
    scanner: FileScanner,
    files: Sequence[InputFile],
    context_files: Sequence[InputFile],
    requested: int,
    collected: _Collected,
) -> None:
    scanned = {os.path.realpath(item.path) for item in files}
    others = [item for item in context_files if os.path.realpath(item.path) not in scanned]
    jobs = jobs_for(requested, len(others))
    if (jobs > 1 and len(others) > 1) or (scanner.contained and others):  # a hook in a large repository
        from conformance.engine.pool import in_pool, read_context

        for outcome in in_pool(scanner, read_context, chunks_of(others), jobs):
            collected.absorb(outcome, ordered=False)
    else:
        collected.absorb(scanner.scan_context(others), ordered=False)


def _late_findings(
    options: ScanOptions, files: Sequence[InputFile], extra: Sequence[Finding], collected: _Collected
) -> tuple[Mapping[str, Any], ...]:
    """Findings made outside the files (untrusted policies, waivers) into the store; the fixed baseline entries."""
    suppressor = options.suppressor
    late = list(extra)
    fixed: tuple[Mapping[str, Any], ...] = ()
    if suppressor is not None:
        incomplete = {error.location.file for error in collected.errors}
        late.extend(suppressor.unused_inline(collected.hits, incomplete))
        late = [suppressor.apply(finding, collected.hits) for finding in late]
        late.extend(suppressor.waiver_findings(collected.hits, options.complete, [item.display for item in files]))
        if suppressor.baseline is not None and suppressor.report_fixed:
            scanned_paths = [origin_of(item.display).path for item in files]
            fixed = fixed_entries(suppressor.baseline, collected.hits, options.complete, scanned_paths)
    collected.store.add_unordered(late)
    return fixed
