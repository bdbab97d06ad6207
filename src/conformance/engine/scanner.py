"""Scanning one file (or one repository view): read, parse in its format, visit every adapter's subjects.

:class:`FileScanner` holds only read-only state (the policies grouped by target, their contexts, the guard),
so forked workers share it; everything a file produces goes into its :class:`FileOutcome`, merged in the
parent. Inline markers and annotations are passed down explicitly, never kept on the scanner.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace as dc_replace
from typing import TYPE_CHECKING, Any

from conformance.catalog.policy import CheckContext, Policy, ScopeEntry
from conformance.engine.findings import (
    STDIN_DISPLAY,
    Place,
    error_finding,
    notice_finding,
    origin_of,
    policy_misbehaved,
    project_of,
    violation_finding,
    well_formed,
)
from conformance.engine.guard import NOT_RUN, PolicyGuard
from conformance.engine.options import ScanOptions
from conformance.engine.outcome import FileOutcome
from conformance.engine.reading import decode, read_bytes
from conformance.inputs import MANIFEST_SUFFIXES, InputFile
from conformance.model import (
    DUPLICATE_KEY,
    INTERNAL_ERROR,
    INVALID_OBJECT,
    INVALID_SUPPRESSION,
    PARSE_ERROR,
    TEMPLATE_NOT_RENDERED,
    Evaluation,
    Finding,
    Location,
    Origin,
    Path,
)
from conformance.suppressor import NO_ANNOTATIONS, NO_MARKERS
from conformance.targets.adapters import (
    ADAPTERS,
    FORMATS,
    REPOSITORY_FORMAT,
    YAML_FORMAT,
    Subject,
    read_format,
)

if TYPE_CHECKING:
    from conformance.targets.adapters import TargetAdapter
    from conformance.targets.helm import Rendered
    from conformance.targets.kustomize import Built
    from conformance.targets.repo import Repository

MAX_REMEMBERED_SELECTIONS = 4096


def _configured(adapter: TargetAdapter, options: ScanOptions) -> TargetAdapter:
    """The adapter with what the scan's configuration adds to it (the Kubernetes adapter: custom workloads)."""
    configured = getattr(adapter, "configured", None)
    return configured(options.workloads) if configured is not None else adapter


def contained_ids(policies: Sequence[Policy]) -> frozenset[str]:
    """The Python policies that do not come with conformance: trusted by the user, but not ours."""
    from conformance.catalog.discovery import is_builtin_source

    return frozenset(p.id for p in policies if p.python and not is_builtin_source(p.info.source))


class FileScanner:
    """Runs the policies of one scan over files; holds only read-only state, safe to fork."""

    def __init__(self, policies: Sequence[Policy], options: ScanOptions) -> None:
        self.options = options
        self.contained = contained_ids(policies)
        """User Python policies: their checks run contained (:mod:`conformance.engine.containment`)."""
        self.guard = PolicyGuard(options.policy_timeout, self.contained)
        self.watchdog = self.guard.watchdog
        self.suppressor = options.suppressor
        self.checks: dict[str, tuple[Policy, ...]] = {}
        """Single-subject policies of each target."""
        self.scope_checks: dict[str, tuple[Policy, ...]] = {}
        """Cross-resource policies of each target: they record facts here and run once in the parent."""
        for adapter in ADAPTERS:
            own = [p for p in policies if p.target == adapter.name]
            self.checks[adapter.name] = tuple(p for p in own if not p.scope)
            self.scope_checks[adapter.name] = tuple(p for p in own if p.scope)
        self.scope_policies = tuple(p for p in policies if p.scope)
        adapters = tuple(_configured(a, options) for a in ADAPTERS)
        self._adapters = {fmt: tuple(a for a in adapters if a.reads == fmt) for fmt in (*FORMATS, REPOSITORY_FORMAT)}
        self._contexts = {p.id: CheckContext(p.options) for p in policies if not p.scope}
        self._selections: dict[tuple[str, Hashable], tuple[Policy, ...]] = {}

    # -- files ---------------------------------------------------------------------------------------------

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
        self.guard.new_file()
        raw = read_bytes(item.path, item.display, self.options.max_file_size, item.tree)
        if isinstance(raw, Finding):
            outcome.errors.append(raw)
            return outcome
        return self.scan_bytes(raw, item.display, outcome, item.glob_path, project_of(item.path))

    def scan_bytes(
        self, raw: bytes, display: str, outcome: FileOutcome | None = None, relative: str = "", project: str = ""
    ) -> FileOutcome:
        """Scan a file's bytes in the format its policies read it in (YAML unless a policy of another format
        selects the file), and run every adapter of that format over its documents; ``project`` is the scope
        its objects join in cross-resource policies (see :func:`conformance.engine.findings.project_of`)."""
        outcome = outcome or FileOutcome(files=1)
        self.guard.new_file()
        relative = relative or display
        origin = origin_of(display)
        text, problem, line = decode(raw)
        if text is None:
            location = Location(display, line)
            outcome.errors.append(error_finding(PARSE_ERROR, problem or "undecodable", location, origin=origin))
            return outcome
        reads = self._format_of(relative)
        adapters = [a for a in self._adapters[reads] if not a.needs_files or self._file_selected(a, relative)]
        markers = self._read_markers(text, display, self._adapters[reads][0].syntax, outcome)
        parsed = read_format(reads, text, display)
        problems = parsed.problems
        if reads == YAML_FORMAT and any(p.fatal for p in problems) and _looks_templated(text):
            outcome.findings.append(self._unrendered_template(problems, display, origin, markers, outcome))
            problems = tuple(p for p in problems if not p.fatal)
        for issue in problems:
            location = Location(display, issue.line, issue.column)
            if issue.fatal:
                outcome.errors.append(error_finding(PARSE_ERROR, issue.message, location, origin=origin))
            else:
                finding = notice_finding(DUPLICATE_KEY, "warning", issue.message, location, issue.message, origin)
                outcome.findings.append(self._suppressed(finding, outcome, markers))
        for document in parsed.documents:
            outcome.documents += 1
            for adapter in adapters:
                for subject in adapter.subjects(document, origin, relative):
                    self._check(adapter, subject, relative, markers, outcome, project)
        return outcome

    def _unrendered_template(
        self, problems: Sequence[Any], display: str, origin: Origin, markers: Any, outcome: FileOutcome
    ) -> Finding:
        """A file that is not YAML because it holds template placeholders: a template, not a broken manifest."""
        first = next(p for p in problems if p.fatal)
        message = (
            f"not checked: a template with placeholders that is not valid YAML until rendered ({first.message} "
            "at this line); scan its rendered output instead (render it and pipe it to `conformance scan -`)"
        )
        severity = "error" if self.options.require_rendering else "note"
        location = Location(display, first.line, first.column)
        finding = notice_finding(TEMPLATE_NOT_RENDERED, severity, message, location, "template", origin)
        return self._suppressed(finding, outcome, markers)

    def scan_stdin(self, raw: bytes) -> FileOutcome:
        """Standard input: ``helm template`` output (documents named by ``# Source:`` comments) is checked as a
        rendered chart; anything else as a file named ``<stdin>``."""
        from conformance.targets import helm

        text = decode(raw)[0]
        if text is not None and helm.is_rendered(text):
            outcome = self.scan_rendered(helm.Rendered(text, STDIN_DISPLAY, None, ""), "")
            outcome.files = 1
            return outcome
        return self.scan_bytes(raw, STDIN_DISPLAY)

    def scan_rendered(self, rendered: Rendered | Built, project: str, tree: str = "") -> FileOutcome:
        """The objects of a rendered chart or a Kustomize build, reported in the files they came from (whose
        inline markers apply); ``tree`` bounds where those files are read."""
        from conformance.targets.adapters.kubernetes import KUBERNETES
        from conformance.targets.adapters.rendered import adapter_for_rendered

        outcome = FileOutcome()
        self.guard.new_file()
        adapter = adapter_for_rendered(rendered, tree, KUBERNETES.configured(self.options.workloads))
        origin = origin_of(rendered.display)
        parsed = read_format(YAML_FORMAT, rendered.text, rendered.display)
        for issue in parsed.problems:
            location = Location(rendered.display, issue.line, issue.column)
            message = f"rendered output: {issue.message}"
            if issue.fatal:
                outcome.errors.append(error_finding(PARSE_ERROR, message, location, origin=origin))
        markers_of: dict[str, Any] = {}
        for document in parsed.documents:
            outcome.documents += 1
            for subject in adapter.subjects(document, origin, ""):
                template = adapter.template_of(subject)
                markers = NO_MARKERS
                if template is not None and template.text is not None:
                    if template.display not in markers_of:
                        markers_of[template.display] = self._read_markers(
                            template.text, template.display, "yaml", outcome
                        )
                    markers = markers_of[template.display]
                self._check(adapter, subject, "", markers, outcome, project)
        return outcome

    def scan_repository(self, repository: Repository) -> FileOutcome:
        """Run the repository policies once on a repository view."""
        outcome = FileOutcome()
        origin = origin_of(repository.display)
        for adapter in self._adapters[REPOSITORY_FORMAT]:
            for subject in adapter.subjects(repository, origin, ""):
                self._check(adapter, subject, "", NO_MARKERS, outcome, "")
        return outcome

    def scan_context(self, files: Sequence[InputFile]) -> FileOutcome:
        """Read files for cross-resource policies only: their objects are looked up, never checked or reported
        (the rest of a repository when a scan covers only some of its files). Unreadable files are skipped."""
        outcome = FileOutcome()
        if not self.scope_policies:
            return outcome
        adapters = [a for a in self._adapters[YAML_FORMAT] if self.scope_checks[a.name]]
        for item in files:
            try:
                if os.stat(item.path).st_size > self.options.max_file_size:
                    continue
                with open(item.path, "rb") as handle:
                    text = decode(handle.read())[0]
                if text is None:
                    continue
                origin = origin_of(item.display)
                project = project_of(item.path)
                for document in read_format(YAML_FORMAT, text, item.display).documents:
                    for adapter in adapters:
                        for subject in adapter.subjects(document, origin, item.glob_path):
                            if subject.problems:
                                continue
                            for policy in self.scope_checks[adapter.name]:
                                self._record_facts(policy, adapter, subject, NO_ANNOTATIONS, outcome, project, False)
            except Exception:  # context is best effort: a file that cannot be read adds nothing
                continue
        outcome.errors = []  # faults on files outside the scan are not this scan's errors
        return outcome

    # -- selection -----------------------------------------------------------------------------------------

    def _format_of(self, relative: str) -> str:
        """YAML, unless the file is not a manifest and a policy reading another format selects it."""
        if not relative.endswith(MANIFEST_SUFFIXES):
            for reads in FORMATS[1:]:
                if any(self._file_selected(adapter, relative) for adapter in self._adapters[reads]):
                    return reads
        return YAML_FORMAT

    def _file_selected(self, adapter: TargetAdapter, relative: str) -> bool:
        return any(p.applies_to_file(relative) for p in self.checks[adapter.name])

    def _selected(self, adapter: TargetAdapter, subject: Subject, relative: str) -> tuple[Policy, ...]:
        key = (adapter.name, adapter.selection_key(subject, relative))
        cached = self._selections.get(key)
        if cached is None:
            if len(self._selections) >= MAX_REMEMBERED_SELECTIONS:
                self._selections.clear()
            cached = tuple(p for p in self.checks[adapter.name] if adapter.selects(p, subject, relative))
            self._selections[key] = cached
        return tuple(p for p in cached if p.admits(subject.target))  # match / exclude: per object, not cached

    def applicable_ids(self, adapter: TargetAdapter, subject: Subject, relative: str) -> tuple[str, ...]:
        """Ids of every policy (single-subject and cross-resource) that applies to a subject."""
        every = (*self.checks[adapter.name], *self.scope_checks[adapter.name])
        return tuple(p.id for p in every if adapter.selects(p, subject, relative) and p.admits(subject.target))

    def _record_evaluation(
        self,
        adapter: TargetAdapter,
        subject: Subject,
        relative: str,
        selected: tuple[Policy, ...],
        outcome: FileOutcome,
    ) -> None:
        """Note which policies applied to a subject: every Kubernetes object (JUnit lists each, even with no
        applicable policy), and every file or repository subject some policy applied to. The file is where the
        subject's findings go (a rendered object's template, not the rendered stream)."""
        if self.scope_checks[adapter.name]:
            ids = self.applicable_ids(adapter, subject, relative)
        else:
            ids = tuple(p.id for p in selected)
        if subject.resource is not None or ids:
            file = adapter.fault_location(subject).file
            outcome.evaluations.append(Evaluation(file, subject.resource, ids, adapter.name))

    # -- one subject ---------------------------------------------------------------------------------------

    def _check(
        self,
        adapter: TargetAdapter,
        subject: Subject,
        relative: str,
        markers: Any,
        outcome: FileOutcome,
        project: str,
    ) -> None:
        if subject.problems:
            for path, message in subject.problems:
                place = adapter.place(subject, path)
                error = error_finding(
                    INVALID_OBJECT, message, place.location, subject.resource, place.label, origin=place.origin
                )
                outcome.errors.append(error)
            return
        annotations = NO_ANNOTATIONS
        if subject.resource is not None:
            outcome.resources += 1
            annotations = self._annotations_of(adapter, subject, outcome)
        selected = self._selected(adapter, subject, relative)
        if self.options.record_evaluations:
            self._record_evaluation(adapter, subject, relative, selected, outcome)
        for policy in selected:
            self._run(policy, adapter, subject, markers, annotations, outcome)
        if subject.resource is not None and self.scope_checks[adapter.name]:
            recorded = False
            for policy in self.scope_checks[adapter.name]:
                recorded = self._record_facts(policy, adapter, subject, annotations, outcome, project) or recorded
            if recorded and markers is not NO_MARKERS:
                outcome.markers[subject.origin.display] = markers

    def _run(
        self,
        policy: Policy,
        adapter: TargetAdapter,
        subject: Subject,
        markers: Any,
        annotations: Any,
        outcome: FileOutcome,
    ) -> None:
        context = self._contexts[policy.id]
        violations = self.guard.call(
            policy.id,
            lambda: list(policy.check(subject.target, context)),
            subject.resource,
            lambda: subject.name or str(subject.resource),
            lambda: adapter.fault_location(subject),
            outcome.errors,
        )
        if violations is NOT_RUN:
            return
        for violation in violations:
            if not well_formed(violation):
                location = adapter.fault_location(subject)
                outcome.errors.append(policy_misbehaved(policy.id, subject.resource, violation, location))
                continue
            path = tuple(violation.path)
            place = adapter.place(subject, path)
            raw_path = (*subject.base_path, *path)
            finding = violation_finding(policy.id, policy.info.severity, violation, place, subject.resource, raw_path)
            container = (
                adapter.container(subject, path, violation.key)
                if annotations or (self.suppressor is not None and self.suppressor.waivers)
                else None
            )
            outcome.findings.append(self._suppressed(finding, outcome, markers, annotations, violation.key, container))

    def _record_facts(
        self,
        policy: Policy,
        adapter: TargetAdapter,
        subject: Subject,
        annotations: Any,
        outcome: FileOutcome,
        project: str,
        is_subject: bool = True,
    ) -> bool:
        """Record what a cross-resource policy extracts from a subject; True when it is one of its subjects
        (then its positions are recorded too, for the findings the policy may report on it)."""
        facts_of = policy.facts
        assert facts_of is not None
        facts = self.guard.call(
            policy.id,
            lambda: facts_of(subject.target),
            subject.resource,
            lambda: subject.name or str(subject.resource),
            lambda: adapter.fault_location(subject),
            outcome.errors,
        )
        if facts is None or facts is NOT_RUN:
            return False
        locations: dict[Path, Location] = {}
        if is_subject and adapter.selects(policy, subject, "") and policy.admits(subject.target):
            locations[()] = adapter.fault_location(subject)
            for path in policy.locate_paths:
                location = adapter.exact_location(subject, path)
                if location is not None:
                    locations[path] = location
        assert subject.resource is not None
        document = subject.origin.document if subject.origin.document is not None else 0
        whole = locations.get(())
        entry = ScopeEntry(
            subject.resource,
            whole.file if whole is not None else subject.origin.display,
            document,
            facts,
            locations,
            annotations if locations else None,
            project,
        )
        outcome.scope.setdefault(policy.id, []).append(entry)
        return bool(locations)

    # -- suppression ---------------------------------------------------------------------------------------

    def _read_markers(self, text: str, display: str, syntax: str, outcome: FileOutcome) -> Any:
        if self.suppressor is None:
            return NO_MARKERS
        markers, problems = self.suppressor.inline_markers(text, display, syntax)
        outcome.errors.extend(problems)
        self.suppressor.named_inline(markers, display, outcome.hits)
        return markers

    def _annotations_of(self, adapter: TargetAdapter, subject: Subject, outcome: FileOutcome) -> Any:
        """The subject's ignore annotations with their lines; malformed ones become error findings."""
        if self.suppressor is None:
            return NO_ANNOTATIONS
        annotations = self.suppressor.annotations(subject.data)
        if annotations is None:
            return annotations
        locate: Callable[[Path], Place] = lambda path: adapter.place(subject, tuple(path))  # noqa: E731
        if annotations.ignores:
            located = tuple(
                dc_replace(ignore, line=locate(ignore.path).location.line) for ignore in annotations.ignores
            )
            annotations = dc_replace(annotations, ignores=located)
        for problem in annotations.problems:
            message = f"annotation {problem.key}: {problem.message}"
            location = locate(problem.path).location
            outcome.errors.append(
                error_finding(
                    INVALID_SUPPRESSION,
                    message,
                    location,
                    subject.resource,
                    origin=subject.origin,
                    identity=problem.key,
                )
            )
        return annotations

    def _suppressed(
        self,
        finding: Finding,
        outcome: FileOutcome,
        markers: Any,
        annotations: Any = NO_ANNOTATIONS,
        key: str = "",
        container: str | None = None,
    ) -> Finding:
        if self.suppressor is None:
            return finding
        return self.suppressor.apply(finding, outcome.hits, markers, annotations, key, container)


def _looks_templated(text: str) -> bool:
    from conformance.targets.helm import looks_templated

    return looks_templated(text)
