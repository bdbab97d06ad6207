"""The rule engine: reads files, runs policies on every resource, and turns violations into findings.

Files are independent, so a large scan is spread over worker processes (fork): each worker parses its files,
runs the single-resource policies, and returns findings plus the facts cross-resource policies recorded.
Those policies then run once in the parent over the whole scope, indexed by namespace.
"""

from __future__ import annotations

import gc
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from typing import TYPE_CHECKING, Any

from conformance import yamlio
from conformance.catalog.policy import (
    DOCKERFILE,
    KUBERNETES,
    REPOSITORY,
    YAML_FILE,
    CheckContext,
    Policy,
    ScopeEntry,
)
from conformance.inputs import MANIFEST_SUFFIXES, InputFile, repository_path
from conformance.model import (
    DUPLICATE_KEY,
    INTERNAL_ERROR,
    INVALID_OBJECT,
    PARSE_ERROR,
    POLICY_ERROR,
    READ_ERROR,
    Evaluation,
    Finding,
    Location,
    Path,
    PolicyInfo,
    ResourceId,
    ScanResult,
    ScanStats,
    Tally,
    Violation,
    make_fingerprint,
    tally_of,
)
from conformance.scope import ScopeStore
from conformance.store import FindingStore, pack
from conformance.suppressor import (
    NO_ANNOTATIONS,
    NO_MARKERS,
    Hits,
    Suppressor,
    annotation_problem_findings,
    fixed_entries,
)
from conformance.targets import kubernetes as k8s
from conformance.targets.files import YamlDocument
from conformance.watchdog import PolicyTimeout, Watchdog

if TYPE_CHECKING:
    from conformance.targets.repo import Repository

PARALLEL_MIN_FILES = 64
CHUNK_FILES = 16
STDIN_DISPLAY = "<stdin>"


@dataclass(frozen=True)
class ScanOptions:
    fail_on: str = "error"
    max_file_size: int = 20 * 1024 * 1024
    jobs: int = 0
    """Worker processes; 0 picks the number of CPUs for large scans, 1 runs in this process."""
    record_evaluations: bool = False
    """Keep which policies ran on each object (for test reports such as JUnit); costs memory per object."""
    policy_timeout: float = 10.0
    """Seconds one policy may spend on one object (a resource, a document, a Dockerfile, a repository); 0: no
    limit. A policy over budget is interrupted and reported, skipped for the rest of that file, and skipped
    for the rest of the scan after :data:`TIMEOUTS_BEFORE_DISABLED` such interruptions."""
    suppressor: Suppressor | None = None
    """Inline comments, annotations, waivers and the baseline (None: nothing is suppressed)."""
    complete: bool = True
    """The scan covers whole trees (not a list of files or ``--changed-since``): only then can a waiver be
    called stale and every unmatched baseline entry fixed."""


TIMEOUTS_BEFORE_DISABLED = 3
_NOT_RUN = object()
"""What a guarded policy call returns when the policy timed out or failed (its error is already recorded)."""

@dataclass
class FileOutcome:
    """What scanning one file (or a chunk of files) produced; merged in the parent."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    scope: dict[str, list[ScopeEntry]] = field(default_factory=dict)
    files: int = 0
    documents: int = 0
    resources: int = 0
    evaluations: list[Evaluation] = field(default_factory=list)
    packed: bytes = b""
    """Findings packed by a worker (see :func:`conformance.store.pack`), with their ``counts``."""
    counts: Tally = field(default_factory=dict)
    """Their tally by (policy id, severity, status)."""
    hits: Hits = field(default_factory=Hits)

    def merge(self, other: FileOutcome) -> None:
        self.findings.extend(other.findings)
        self.errors.extend(other.errors)
        for policy_id, entries in other.scope.items():
            self.scope.setdefault(policy_id, []).extend(entries)
        self.evaluations.extend(other.evaluations)
        self.hits.merge(other.hits)
        self.files += other.files
        self.documents += other.documents
        self.resources += other.resources


def error_finding(
    policy_id: str, message: str, location: Location, resource: ResourceId | None = None, path: str = ""
) -> Finding:
    """A scan error (unreadable input, crashing policy): always severity error, makes the run exit 2."""
    fingerprint = make_fingerprint(policy_id, repository_path(location.file), resource, path or message)
    return Finding(policy_id, "error", message, location, resource, path, fingerprint, is_error=True)


def policy_failed(
    policy_id: str, resource: ResourceId | None, exc: BaseException, location: Location, subject: str = ""
) -> Finding:
    """The error finding for a policy that raised on one resource (or on ``subject``: a file, a repository)."""
    message = f"policy {policy_id} failed on {subject or resource}: {type(exc).__name__}: {exc}"
    return error_finding(POLICY_ERROR, message, location, resource, policy_id)


def policy_timed_out(policy_id: str, subject: str, budget: float, location: Location, disabled: bool) -> Finding:
    """The error finding for a policy interrupted after its time budget."""
    after = "disabled for the rest of the scan" if disabled else "skipped for the rest of this file"
    message = f"policy {policy_id} exceeded its time budget of {budget:g}s on {subject}: interrupted, {after}"
    return error_finding(POLICY_ERROR, message, location, None, policy_id)


def policy_misbehaved(policy_id: str, resource: ResourceId | None, violation: Any, location: Location) -> Finding:
    """The error finding for a policy that yielded something other than a well-formed Violation."""
    message = f"policy {policy_id} yielded a malformed violation: {violation!r:.200}"
    return error_finding(POLICY_ERROR, message, location, resource, policy_id)


def decode(raw: bytes) -> tuple[str | None, str | None, int]:
    """Text of a manifest (UTF-8, or UTF-16 with a BOM), or an error message and the failing line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None, 0
        except UnicodeDecodeError as exc:
            return None, f"invalid UTF-16: {exc.reason}", 1
    try:
        return raw.decode("utf-8"), None, 0
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", line


def _path_label(data: Any, path: Path) -> str:
    """A readable, index-independent rendering: ``spec.containers[app].image``."""
    parts: list[str] = []
    node = data
    for step in path:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            parts.append(f"[{name}]" if isinstance(name, str) else f"[{step}]")
            node = item
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, Mapping) else None
    return "".join(parts)


class FileScanner:
    """Runs the policies of one scan over files; holds only read-only state, safe to fork."""

    def __init__(self, policies: Sequence[Policy], options: ScanOptions) -> None:
        self.options = options
        kubernetes = [p for p in policies if p.target == KUBERNETES]
        self.policies = tuple(p for p in kubernetes if not p.scope)
        self.scope_policies = tuple(p for p in kubernetes if p.scope)
        self.yaml_policies = tuple(p for p in policies if p.target == YAML_FILE)
        self.dockerfile_policies = tuple(p for p in policies if p.target == DOCKERFILE)
        self.repository_policies = tuple(p for p in policies if p.target == REPOSITORY)
        self._by_kind: dict[str, tuple[Policy, ...]] = {}
        self._ids_by_kind: dict[str, tuple[str, ...]] = {}
        self._contexts = {p.id: CheckContext(p.options) for p in policies if not p.scope}
        self.watchdog = Watchdog(options.policy_timeout)
        self.suppressor = options.suppressor
        self._markers = NO_MARKERS
        """Inline suppression markers of the file being scanned."""
        self._annotations = NO_ANNOTATIONS
        """Ignore annotations of the object being checked."""
        self._skipped: set[str] = set()
        """Policies skipped for the rest of the current file (they ran out of time on it)."""
        self._timeouts: dict[str, int] = {}

    def _timed_out(self, policy_id: str, subject: str, location: Location) -> Finding:
        """Record an interrupted check: skip the policy for this file, or for good after repeated timeouts."""
        count = self._timeouts[policy_id] = self._timeouts.get(policy_id, 0) + 1
        self._skipped.add(policy_id)
        disabled = count >= TIMEOUTS_BEFORE_DISABLED
        return policy_timed_out(policy_id, subject, self.options.policy_timeout, location, disabled)

    def policies_for(self, kind: str) -> tuple[Policy, ...]:
        cached = self._by_kind.get(kind)
        if cached is None:
            cached = tuple(p for p in self.policies if p.applies_to(kind))
            self._by_kind[kind] = cached
        return cached

    def applicable_ids(self, kind: str) -> tuple[str, ...]:
        """Ids of every policy (single-resource and cross-resource) that applies to a kind."""
        cached = self._ids_by_kind.get(kind)
        if cached is None:
            every = (*self.policies, *self.scope_policies)
            cached = self._ids_by_kind[kind] = tuple(p.id for p in every if p.applies_to(kind))
        return cached

    def scan_files(self, files: Sequence[InputFile]) -> FileOutcome:
        outcome = FileOutcome()
        for item in files:
            outcome.merge(self.scan_file_safely(item))
        return outcome

    def scan_file_safely(self, item: InputFile) -> FileOutcome:
        """Scan one file; a bug of ours on one file becomes an error finding, not a lost scan."""
        try:
            return self.scan_file(item)
        except Exception as exc:
            message = f"internal error while scanning: {type(exc).__name__}: {exc}"
            return FileOutcome(files=1, errors=[error_finding(INTERNAL_ERROR, message, Location(item.display))])

    def scan_file(self, item: InputFile) -> FileOutcome:
        outcome = FileOutcome(files=1)
        self._new_file()
        display = item.display
        limit = self.options.max_file_size
        try:
            # Opened without blocking and checked on the open descriptor, so a file swapped for a FIFO or a
            # device after it was listed can neither block the scan nor feed it forever.
            descriptor = os.open(item.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(descriptor, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    message = "not a regular file (a FIFO, socket or device): skipped"
                    outcome.errors.append(error_finding(READ_ERROR, message, Location(display)))
                    return outcome
                raw = b"" if info.st_size > limit else handle.read(limit + 1)
        except OSError as exc:
            message = f"cannot read file: {exc.strerror or exc}"
            outcome.errors.append(error_finding(READ_ERROR, message, Location(display)))
            return outcome
        size = max(info.st_size, len(raw))
        if size > limit:  # over the limit when listed, or grown since: never parse a truncated prefix
            message = f"file is {size} bytes, over the {limit}-byte limit: not read"
            outcome.errors.append(error_finding(PARSE_ERROR, message, Location(display)))
            return outcome
        return self.scan_bytes(raw, display, outcome, item.glob_path)

    def scan_bytes(
        self, raw: bytes, display: str, outcome: FileOutcome | None = None, relative: str = ""
    ) -> FileOutcome:
        """Scan a file's bytes: a Dockerfile when a Dockerfile policy selects it, else YAML documents."""
        outcome = outcome or FileOutcome(files=1)
        self._new_file()
        relative = relative or display
        text, problem, line = decode(raw)
        if text is None:
            outcome.errors.append(error_finding(PARSE_ERROR, problem or "undecodable", Location(display, line)))
            return outcome
        if not relative.endswith(MANIFEST_SUFFIXES):
            dockerfile_policies = [p for p in self.dockerfile_policies if p.applies_to_file(relative)]
            if dockerfile_policies:
                self._read_markers(text, display, "dockerfile", outcome)
                self._scan_dockerfile(text, display, dockerfile_policies, outcome)
                return outcome
        self._read_markers(text, display, "yaml", outcome)
        loaded = yamlio.load(text)
        for issue in loaded.problems:
            location = Location(display, issue.line, issue.column)
            if issue.fatal:
                outcome.errors.append(error_finding(PARSE_ERROR, issue.message, location))
            else:
                fingerprint = make_fingerprint(DUPLICATE_KEY, repository_path(display), None, issue.message)
                finding = Finding(DUPLICATE_KEY, "warning", issue.message, location, None, "", fingerprint)
                outcome.findings.append(self._suppressed(finding, outcome))
        yaml_policies = [p for p in self.yaml_policies if p.applies_to_file(relative)]
        for document in loaded.documents:
            outcome.documents += 1
            for base_path, data in k8s.resources_of(document.data, display, document.index):
                self._scan_object(document, base_path, data, display, outcome)
            if yaml_policies:
                target = YamlDocument(display, relative, document.index, document.data)
                for policy in yaml_policies:
                    for violation in self._violations(policy, target, display, Location(display), outcome):
                        path = tuple(violation.path)
                        location = self._locate(document, path, display)
                        label = _path_label(document.data, path)
                        finding = _plain_finding(policy, violation, location, label)
                        outcome.findings.append(self._suppressed(finding, outcome))
        return outcome

    def _read_markers(self, text: str, display: str, syntax: str, outcome: FileOutcome) -> None:
        if self.suppressor is None:
            self._markers = NO_MARKERS
            return
        self._markers, problems = self.suppressor.inline_markers(text, display, syntax)
        outcome.errors.extend(problems)

    def _suppressed(self, finding: Finding, outcome: FileOutcome, key: str = "") -> Finding:
        if self.suppressor is None:
            return finding
        return self.suppressor.apply(finding, outcome.hits, self._markers, self._annotations, key)

    def _scan_dockerfile(self, text: str, display: str, policies: Sequence[Policy], outcome: FileOutcome) -> None:
        from conformance.targets import dockerfile as docker

        parsed = docker.parse(text, display)
        outcome.documents += 1
        for problem in parsed.problems:
            message = f"Dockerfile: {problem.message}"
            outcome.errors.append(error_finding(PARSE_ERROR, message, Location(display, problem.line, problem.column)))
        for policy in policies:
            for violation in self._violations(policy, parsed, display, Location(display), outcome):
                index = violation.path[0] if violation.path else None
                if isinstance(index, int) and 0 <= index < len(parsed.instructions):
                    line, column, end_line, end_column = parsed.locate(index)
                    location = Location(display, line, column, end_line, end_column)
                    label = parsed.label(index)
                else:
                    location, label = Location(display), ""
                outcome.findings.append(self._suppressed(_plain_finding(policy, violation, location, label), outcome))

    def scan_context(self, files: Sequence[InputFile]) -> FileOutcome:
        """Read files for cross-resource policies only: their objects are looked up, never checked or reported
        (the rest of a repository when a scan covers only some of its files). Unreadable files are skipped."""
        outcome = FileOutcome()
        if not self.scope_policies:
            return outcome
        for item in files:
            try:
                if os.stat(item.path).st_size > self.options.max_file_size:
                    continue
                with open(item.path, "rb") as handle:
                    text = decode(handle.read())[0]
                if text is None:
                    continue
                loaded = yamlio.load(text)
                for document in loaded.documents:
                    for base_path, data in k8s.resources_of(document.data, item.display, document.index):
                        if k8s.shape_problems(data):
                            continue
                        resource = k8s.make_resource(data, item.display, document.index, base_path)
                        for policy in self.scope_policies:
                            self._record_facts(policy, resource, document, item.display, outcome, subject=False)
            except Exception:  # context is best effort: a file that cannot be read adds nothing
                continue
        outcome.errors = []  # faults on files outside the scan are not this scan's errors
        return outcome

    def _new_file(self) -> None:
        """Policies that timed out on the previous file get another chance, unless they did so repeatedly."""
        self._skipped = {pid for pid, n in self._timeouts.items() if n >= TIMEOUTS_BEFORE_DISABLED}

    def _violations(
        self, policy: Policy, target: Any, display: str, fallback: Location, outcome: FileOutcome
    ) -> list[Violation]:
        """Run a file or repository policy on its target; faults become error findings naming the policy."""
        context = self._contexts[policy.id]
        violations = self._guarded(
            policy, lambda: list(policy.check(target, context)), None, display, fallback, outcome
        )
        if violations is _NOT_RUN:
            return []
        good = []
        for violation in violations:
            if _well_formed(violation):
                good.append(violation)
            else:
                outcome.errors.append(policy_misbehaved(policy.id, None, violation, fallback))
        return good

    def _guarded(
        self,
        policy: Policy,
        call: Callable[[], Any],
        resource: ResourceId | None,
        subject: str,
        location: Location | Callable[[], Location],
        outcome: FileOutcome,
    ) -> Any:
        """One call into a policy, under its time budget; a timeout or a fault (an exception, even ``sys.exit``)
        becomes an error finding naming the policy, and the result is ``_NOT_RUN``. ``location`` may be given
        as a function: positions are resolved only for a fault."""
        if policy.id in self._skipped:
            return _NOT_RUN
        try:
            self.watchdog.start()
            return call()
        except PolicyTimeout:
            where = location() if callable(location) else location
            outcome.errors.append(self._timed_out(policy.id, subject, where))
        except (Exception, SystemExit) as exc:  # a faulty policy must not stop the scan (nor exit it)
            where = location() if callable(location) else location
            outcome.errors.append(policy_failed(policy.id, resource, exc, where, subject))
        finally:
            self.watchdog.stop()
        return _NOT_RUN

    def scan_repository(self, repository: Repository) -> FileOutcome:
        """Run the repository policies once on a repository view."""
        outcome = FileOutcome()
        root = Location(repository.display)
        for policy in self.repository_policies:
            for violation in self._violations(policy, repository, repository.display, root, outcome):
                location, label = repository_location(repository, tuple(violation.path))
                outcome.findings.append(self._suppressed(_plain_finding(policy, violation, location, label), outcome))
        return outcome

    def _scan_object(
        self,
        document: yamlio.LoadedDocument,
        base_path: Path,
        data: Mapping[str, Any],
        display: str,
        outcome: FileOutcome,
    ) -> None:
        shape = k8s.shape_problems(data)
        if shape:
            rid = _loose_id(data)
            for path, message in shape:
                location = self._locate(document, (*base_path, *path), display)
                outcome.errors.append(
                    error_finding(
                        INVALID_OBJECT,
                        f"invalid {data.get('kind')}: {message}",
                        location,
                        rid,
                        _path_label(data, path),
                    )
                )
            return
        resource = k8s.make_resource(data, display, document.index, base_path)
        outcome.resources += 1
        self._annotations = NO_ANNOTATIONS
        if self.suppressor is not None:
            self._annotations = self.suppressor.annotations(data)
            if self._annotations is not None and self._annotations.ignores:
                located = tuple(
                    dc_replace(ignore, line=self._locate(document, (*base_path, *ignore.path), display).line)
                    for ignore in self._annotations.ignores
                )
                self._annotations = dc_replace(self._annotations, ignores=located)
            if self._annotations is not None and self._annotations.problems:
                problems = annotation_problem_findings(
                    self._annotations,
                    lambda path: self._locate(document, (*base_path, *path), display),
                    resource.id,
                    repository_path(display),
                )
                outcome.errors.extend(problems)
        if self.options.record_evaluations:
            outcome.evaluations.append(Evaluation(display, resource.id, self.applicable_ids(resource.kind)))
        for policy in self.policies_for(resource.kind):
            self._run(policy, resource, document, display, outcome)
        for policy in self.scope_policies:
            self._record_facts(policy, resource, document, display, outcome)

    def _run(
        self,
        policy: Policy,
        resource: k8s.Resource,
        document: yamlio.LoadedDocument,
        display: str,
        outcome: FileOutcome,
    ) -> None:
        context = self._contexts[policy.id]
        violations = self._guarded(
            policy,
            lambda: list(policy.check(resource, context)),
            resource.id,
            str(resource.id),
            lambda: self._locate(document, resource.base_path, display),
            outcome,
        )
        if violations is _NOT_RUN:
            return
        for violation in violations:
            finding = self._finding(policy, resource, document, violation, display)
            if finding.is_error:
                outcome.errors.append(finding)
            else:
                outcome.findings.append(self._suppressed(finding, outcome, violation.key))

    def _finding(
        self,
        policy: Policy,
        resource: k8s.Resource,
        document: yamlio.LoadedDocument,
        violation: Any,
        display: str,
    ) -> Finding:
        if not _well_formed(violation):
            location = self._locate(document, resource.base_path, display)
            return policy_misbehaved(policy.id, resource.id, violation, location)
        path = tuple(violation.path)
        location = self._locate(document, (*resource.base_path, *path), display)
        label = _path_label(resource.data, path)
        identity = f"{label}#{violation.key}" if violation.key else label
        return Finding(
            policy.id,
            policy.info.severity,
            violation.message,
            location,
            resource.id,
            label,
            make_fingerprint(policy.id, repository_path(display), resource.id, identity),
        )

    def _record_facts(
        self,
        policy: Policy,
        resource: k8s.Resource,
        document: yamlio.LoadedDocument,
        display: str,
        outcome: FileOutcome,
        subject: bool = True,
    ) -> None:
        facts_of = policy.facts
        assert facts_of is not None
        facts = self._guarded(
            policy,
            lambda: facts_of(resource),
            resource.id,
            str(resource.id),
            lambda: self._locate(document, resource.base_path, display),
            outcome,
        )
        if facts is None or facts is _NOT_RUN:
            return
        locations: dict[Path, Location] = {}
        if subject and policy.applies_to(resource.kind):
            locations[()] = self._locate(document, resource.base_path, display)
            for path in policy.locate_paths:
                span = yamlio.locate(document.node, (*resource.base_path, *path))
                if span.matched == len(resource.base_path) + len(path):
                    locations[path] = _location(display, span)
        annotations = self._annotations if locations else None
        entry = ScopeEntry(resource.id, display, resource.document_index, facts, locations, annotations)
        outcome.scope.setdefault(policy.id, []).append(entry)

    @staticmethod
    def _locate(document: yamlio.LoadedDocument, path: Path, display: str) -> Location:
        return _location(display, yamlio.locate(document.node, path))


def _plain_finding(policy: Policy, violation: Violation, location: Location, label: str) -> Finding:
    """A finding of a file or repository policy (no Kubernetes object)."""
    identity = f"{label}#{violation.key}" if violation.key else label
    fingerprint = make_fingerprint(policy.id, repository_path(location.file), None, identity)
    return Finding(policy.id, policy.info.severity, violation.message, location, None, label, fingerprint)


def repository_location(repository: Repository, path: Path) -> tuple[Location, str]:
    """Where a repository policy's violation points, and its label: the root, a file, or a line in a file."""
    if not path or not isinstance(path[0], str):
        return Location(repository.display), ""
    file = path[0]
    display = file if repository.display in ("", ".") else f"{repository.display.rstrip('/')}/{file}"
    line = path[1] if len(path) > 1 and isinstance(path[1], int) and path[1] > 0 else 1
    column = path[2] if len(path) > 2 and isinstance(path[2], int) and path[2] > 0 else 1
    return Location(display, line, column), file


def _location(display: str, span: yamlio.NodeSpan) -> Location:
    return Location(display, span.line, span.column, span.end_line, span.end_column)


def _well_formed(violation: Any) -> bool:
    return (
        isinstance(violation, Violation)
        and isinstance(violation.message, str)
        and isinstance(violation.path, (tuple, list))
        and isinstance(violation.key, str)
        and all(isinstance(step, (str, int)) for step in violation.path)
    )


def _loose_id(data: Mapping[str, Any]) -> ResourceId:
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return ResourceId(
        str(data.get("kind")),
        str(name or ""),
        namespace if isinstance(namespace, str) else None,
        str(data.get("apiVersion")),
    )


def run_scope_policies(
    policies: Iterable[Policy],
    store: ScopeStore,
    watchdog: Watchdog | None = None,
    suppressor: Suppressor | None = None,
    known_markers: Mapping[str, Any] | None = None,
) -> FileOutcome:
    """Run each cross-resource policy once per subject, with every recorded entry in scope."""
    outcome = FileOutcome()
    watchdog = watchdog or Watchdog(0)
    markers: dict[str, Any] = dict(known_markers or {})
    for policy in policies:
        scope = store.scope(policy.id)
        ctx = CheckContext(policy.options, scope)
        timeouts = 0
        for subject in scope.entries:
            if not subject.locations or not policy.applies_to(subject.kind) or timeouts >= TIMEOUTS_BEFORE_DISABLED:
                continue  # entries without positions come from context files: looked up, never reported
            try:
                watchdog.start()
                violations = list(policy.check(subject, ctx))
            except PolicyTimeout:
                timeouts += 1
                disabled = timeouts >= TIMEOUTS_BEFORE_DISABLED
                outcome.errors.append(
                    policy_timed_out(policy.id, str(subject.resource), watchdog.budget, subject.locate(()), disabled)
                )
                continue
            except (Exception, SystemExit) as exc:
                outcome.errors.append(policy_failed(policy.id, subject.resource, exc, subject.locate(())))
                continue
            finally:
                watchdog.stop()
            for violation in violations:
                if not _well_formed(violation):
                    outcome.errors.append(policy_misbehaved(policy.id, subject.resource, violation, subject.locate(())))
                    continue
                path = tuple(violation.path)
                label = ".".join(str(p) for p in path)
                identity = f"{label}#{violation.key}" if violation.key else label
                finding = Finding(
                    policy.id,
                    policy.info.severity,
                    violation.message,
                    subject.locate(path),
                    subject.resource,
                    label,
                    make_fingerprint(policy.id, repository_path(subject.file), subject.resource, identity),
                )
                if suppressor is not None:
                    if subject.file not in markers:
                        markers[subject.file] = _file_markers(suppressor, subject.file)
                    annotations = subject.annotations or NO_ANNOTATIONS
                    finding = suppressor.apply(finding, outcome.hits, markers[subject.file], annotations, violation.key)
                outcome.findings.append(finding)
    return outcome


def _file_markers(suppressor: Suppressor, display: str) -> Any:
    """Inline markers of a file, read again in the parent for cross-resource findings (problems were reported
    when the file was scanned)."""
    try:
        with open(display, "rb") as handle:
            text = decode(handle.read())[0]
    except OSError:
        return NO_MARKERS
    return suppressor.inline_markers(text, display)[0] if text is not None else NO_MARKERS


_WORKER: FileScanner | None = None


def _install_worker(scanner: FileScanner) -> None:
    global _WORKER  # per-process state of a forked worker, set once at its start
    _WORKER = scanner
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    scanner.watchdog.install()  # interval timers do not survive fork
    # Bulk parsing makes the cyclic collector run constantly for nothing; it is paused, and what exists now
    # (modules, policies) is moved out of its sight so the explicit collection after each chunk stays cheap.
    gc.disable()
    gc.freeze()


def _work(files: Sequence[InputFile]) -> FileOutcome:
    assert _WORKER is not None
    outcome = _WORKER.scan_files(files)
    outcome.findings.sort(key=Finding.sort_key)
    outcome.packed = pack(outcome.findings)  # the parent stores these bytes without unpickling them
    outcome.counts = tally_of(outcome.findings)
    outcome.findings = []
    gc.collect()
    return outcome


def _work_context(files: Sequence[InputFile]) -> FileOutcome:
    assert _WORKER is not None
    outcome = _WORKER.scan_context(files)
    gc.collect()
    return outcome


def _in_pool(
    scanner: FileScanner, function: Any, files: Sequence[InputFile], jobs: int
) -> Iterator[FileOutcome]:
    """``function`` over chunks of files in a pool of forked workers, in order."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_install_worker, initargs=(scanner,)) as pool:
        yield from pool.imap(function, list(_chunks(files, CHUNK_FILES)))


def _chunks(files: Sequence[InputFile], size: int) -> Iterator[Sequence[InputFile]]:
    for start in range(0, len(files), size):
        yield files[start : start + size]


def _jobs(requested: int, files: int) -> int:
    if requested > 0:
        return requested
    if files < PARALLEL_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


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
) -> ScanResult:
    """Scan files (and stdin's bytes, if given) with the given policies.

    ``context_files`` are read only when a cross-resource policy has a subject among the scanned objects, and
    only to record what such policies look up (a partial scan's view of the rest of the repository).

    Files are scanned in the order reports list them, so each chunk's findings go straight to the store in
    order and memory stays bounded by a chunk, not by the tree (see :mod:`conformance.store`).
    """
    started = time.perf_counter()
    scanner = FileScanner(policies, options)
    store = FindingStore()
    errors: list[Finding] = [*extra_errors]
    scope = ScopeStore()
    evaluations: list[Evaluation] = []
    stats = FileOutcome()
    hits = Hits()
    subjects = [False]

    def absorb(outcome: FileOutcome, ordered: bool) -> None:
        if outcome.packed:
            store.append_packed(outcome.packed, outcome.counts)
        elif ordered:
            store.append_ordered(outcome.findings)
        else:
            store.add_unordered(outcome.findings)
        errors.extend(outcome.errors)
        for policy_id, entries in outcome.scope.items():
            scope.add(policy_id, entries)
            subjects[0] = subjects[0] or any(entry.locations for entry in entries)
        evaluations.extend(outcome.evaluations)
        hits.merge(outcome.hits)
        stats.files += outcome.files
        stats.documents += outcome.documents
        stats.resources += outcome.resources

    ordered_files = sorted(files, key=lambda item: item.display)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    scanner.watchdog.install()
    try:
        stdin_markers: dict[str, Any] = {}
        if stdin is not None:
            absorb(scanner.scan_bytes(stdin, STDIN_DISPLAY), ordered=False)
            stdin_markers[STDIN_DISPLAY] = scanner._markers  # standard input cannot be read again
        jobs = _jobs(options.jobs, len(ordered_files))
        if jobs > 1 and len(ordered_files) > 1:
            for outcome in _in_pool(scanner, _work, ordered_files, jobs):
                absorb(outcome, ordered=True)
        else:
            for chunk in _chunks(ordered_files, CHUNK_FILES):
                outcome = scanner.scan_files(chunk)
                outcome.findings.sort(key=Finding.sort_key)
                absorb(outcome, ordered=True)
        if context_files and subjects[0]:
            scanned = {os.path.realpath(item.path) for item in files}
            others = [item for item in context_files if os.path.realpath(item.path) not in scanned]
            context_jobs = _jobs(options.jobs, len(others))
            if context_jobs > 1 and len(others) > 1:  # a pre-commit hook in a large repository
                for outcome in _in_pool(scanner, _work_context, others, context_jobs):
                    absorb(outcome, ordered=False)
            else:
                absorb(scanner.scan_context(others), ordered=False)
        absorb(
            run_scope_policies(scanner.scope_policies, scope, scanner.watchdog, options.suppressor, stdin_markers),
            ordered=False,
        )
        for repository in repositories:
            absorb(scanner.scan_repository(repository), ordered=False)
        suppressor = options.suppressor
        late = list(extra_findings)
        fixed: tuple[Mapping[str, Any], ...] = ()
        if suppressor is not None:
            late = [suppressor.apply(finding, hits) for finding in late]
            late.extend(suppressor.waiver_findings(hits, options.complete, [item.display for item in files]))
            if suppressor.baseline is not None and suppressor.report_fixed:
                scanned_paths = [repository_path(item.display) for item in files]
                fixed = fixed_entries(suppressor.baseline, hits, options.complete, scanned_paths)
        store.add_unordered(late)
    finally:
        scanner.watchdog.uninstall()
        scope.close()
        if gc_was_enabled:
            gc.enable()
    infos: tuple[PolicyInfo, ...] = tuple(p.info for p in policies)
    scan_stats = ScanStats(stats.files, stats.documents, stats.resources, time.perf_counter() - started)
    evaluations.sort(key=lambda evaluation: evaluation.file)  # stable: document order within a file
    return ScanResult(
        infos,
        store,
        tuple(sorted(errors, key=Finding.sort_key)),
        scan_stats,
        options.fail_on,
        tuple(evaluations),
        fixed=fixed,
    )
