"""Applying suppressions to findings as the engine makes them: inline comments, annotations, waivers, baseline.

Precedence when several cover a finding: an inline comment, then an annotation, then a waiver in force, then
the baseline. A covered finding stays in the result with its :class:`~conformance.model.Suppression`; it is
counted apart and never fails the run. Which waivers and baseline entries matched is recorded per worker in
:class:`Hits` and merged, so the parent can report expired and stale waivers and fixed baseline entries.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from conformance.model import (
    EXPIRED_WAIVER,
    INVALID_SUPPRESSION,
    STALE_WAIVER,
    UNUSED_SUPPRESSION,
    Finding,
    Location,
    Origin,
)

if TYPE_CHECKING:  # conformance.suppress is imported only when something may be suppressed
    from conformance.baseline import Baseline
    from conformance.suppress import AnnotationMarkers, InlineMarkers, Waiver

InlineUse = tuple[str, int, int, str]
"""A policy id of an inline marker: the file (as reports name it), the marker's line and column, the id."""
ANNOTATION_PREFIX = "conformance.dev/"
NO_MARKERS: InlineMarkers | None = None
"""A file without inline markers."""
NO_ANNOTATIONS: AnnotationMarkers | None = None
"""An object without ignore annotations."""


@dataclass
class Hits:
    """What matched during (part of) a scan: waivers (by file and index) and baseline fingerprints."""

    waivers: set[tuple[str, int]] = field(default_factory=set)
    baseline: set[str] = field(default_factory=set)
    inline_named: set[InlineUse] = field(default_factory=set)
    """Each (file, marker line, marker column, policy id) the inline markers of the scanned files name."""
    inline_used: set[InlineUse] = field(default_factory=set)
    """Those that suppressed a finding."""

    def merge(self, other: Hits) -> None:
        self.waivers |= other.waivers
        self.baseline |= other.baseline
        self.inline_named |= other.inline_named
        self.inline_used |= other.inline_used


@dataclass(frozen=True)
class Suppressor:
    """The suppression settings of a run (read-only: safe to share with forked workers)."""

    known_ids: frozenset[str]
    """Every policy id of the catalog (an inline marker or annotation naming another id is an error)."""
    inline: bool = True
    """False: inline comments and annotations suppress nothing (an organisation's central gate)."""
    waivers: tuple[Waiver, ...] = ()
    config_root: str | None = None
    config_display: str = ""
    config_source: str = ""
    """The configuration file the scan uses; a waiver from a file it extends is shown by its own path."""
    baseline: Baseline | None = None
    baseline_display: str = ""
    report_fixed: bool = True
    """Whether unmatched baseline entries are reported as fixed (not for ``--new-only``'s in-memory baseline)."""
    today: date = field(default_factory=date.today)
    ran: frozenset[str] | None = None
    """The ids of the policies (and reserved ids) the run checked files with; None: every known id. A waiver
    of an id that did not run is never stale: nothing it covers was looked at."""

    @property
    def active(self) -> bool:
        return self.inline or bool(self.waivers) or self.baseline is not None

    def inline_markers(
        self, text: str, display: str, syntax: str = "yaml"
    ) -> tuple[InlineMarkers | None, list[Finding]]:
        """The file's markers (none when inline suppressions are off) and error findings for bad ones."""
        if not self.inline or "conformance:ignore" not in text:
            return NO_MARKERS, []
        from conformance.suppress import parse_inline

        markers = parse_inline(text, syntax).validated(self.known_ids)
        problems = [
            _invalid(problem.message, Location(display, problem.line, problem.column)) for problem in markers.problems
        ]
        return markers, problems

    def named_inline(self, markers: InlineMarkers | None, display: str, hits: Hits) -> None:
        """Record the policy ids the file's markers name (of policies that run), to report those unused."""
        if not markers:
            return
        for ignore in markers.ignores:
            for policy_id in ignore.policy_ids:
                if self.ran is None or policy_id in self.ran:
                    hits.inline_named.add((display, ignore.line, ignore.column, policy_id))

    def unused_inline(self, hits: Hits, incomplete_files: Collection[str]) -> list[Finding]:
        """A warning for each policy id of an inline marker that suppressed nothing.

        Each file is scanned whole, even in a partial scan, so this is known per file; a file with a scan error
        (some of it went unchecked) is left out, and so are ids of policies that did not run."""
        from conformance.engine.findings import notice_finding

        findings = []
        for file, line, column, policy_id in sorted(hits.inline_named - hits.inline_used):
            if file in incomplete_files:
                continue
            message = f"inline suppression of {policy_id} matched no finding: remove it from the comment"
            location = Location(file, line, column)
            findings.append(notice_finding(UNUSED_SUPPRESSION, "warning", message, location, policy_id))
        return findings

    def annotations(self, data: Mapping[str, Any]) -> AnnotationMarkers | None:
        """The resource's ignore annotations, validated (problems are reported by :meth:`annotation_problems`)."""
        if not self.inline or not _has_our_annotations(data):
            return NO_ANNOTATIONS
        from conformance.suppress import parse_resource_annotations

        return parse_resource_annotations(data).validated(self.known_ids)

    def apply(
        self,
        finding: Finding,
        hits: Hits,
        markers: InlineMarkers | None = NO_MARKERS,
        annotations: AnnotationMarkers | None = NO_ANNOTATIONS,
        key: str = "",
        container: str | None = None,
    ) -> Finding:
        """The finding with the suppression that covers it, if any (scan errors are never suppressed).

        ``container`` is the container the finding is about, as its target adapter tells it from the
        violation's path and key (annotations and waivers may name containers)."""
        if finding.is_error or not (markers or annotations or self.waivers or self.baseline is not None):
            return finding
        from conformance.suppress import find_waiver, relative_to

        # Waivers and baseline entries that match are recorded even when a more local suppression wins, so
        # they are neither called stale nor pruned as fixed while the finding still exists.
        waiver = None
        if self.waivers:
            relative = relative_to(finding.location.file, self.config_root)
            waiver = find_waiver(self.waivers, finding, relative, container, self.today)
            if waiver is not None:
                hits.waivers.add((waiver.config, waiver.index))
        baselined = self.baseline is not None and self.baseline.covers(finding)
        if baselined:
            hits.baseline.add(finding.fingerprint)
        if markers:
            ignore = markers.covering(finding.location.line, finding.policy_id)
            if ignore is not None:
                hits.inline_used.add((finding.location.file, ignore.line, ignore.column, finding.policy_id))
                return replace(finding, suppression=ignore.suppression(finding.location.file))
        if annotations:
            annotation = annotations.covering(finding.policy_id, container)
            if annotation is not None:
                file = finding.location.file
                source = f"{file}:{annotation.line}" if annotation.line else file
                return replace(finding, suppression=annotation.suppression(source))
        if waiver is not None and not waiver.expired(self.today):
            return replace(finding, suppression=waiver.suppression(self._shown(waiver)))
        if baselined and self.baseline is not None:
            return replace(finding, suppression=self.baseline.suppression(self.baseline_display))
        return finding

    def _shown(self, waiver: Waiver) -> str:
        """The file a waiver comes from, as reports name it."""
        if self.config_source and waiver.config and waiver.config != self.config_source:
            from conformance.inputs import display_path

            return display_path(waiver.config, os.getcwd())
        return self.config_display or waiver.config

    def waiver_findings(self, hits: Hits, complete: bool, scanned: Collection[str]) -> list[Finding]:
        """An error-free warning for each expired waiver, and for each waiver that matched nothing.

        A waiver is called stale only when its policy ran over every file it could match: the policy ran
        (see :attr:`ran`), and the scan was complete (not ``--changed-since`` or a list of files) or the
        waiver's ``paths`` match a scanned file.
        """
        findings = []
        for waiver in self.waivers:
            location = Location(self._shown(waiver), max(waiver.line, 1))
            if waiver.expired(self.today):
                message = (
                    f"waiver {waiver.key} for {waiver.policy} (owner {waiver.owner}) expired on {waiver.expires}: "
                    "the findings it covered fail again"
                )
                findings.append(_waiver_finding(EXPIRED_WAIVER, message, location, waiver))
            elif (
                (waiver.config, waiver.index) not in hits.waivers
                and (self.ran is None or waiver.policy in self.ran)
                and (complete or _paths_meet(waiver, scanned, self.config_root))
            ):
                message = f"waiver {waiver.key} for {waiver.policy} (owner {waiver.owner}) matched no finding"
                findings.append(_waiver_finding(STALE_WAIVER, message, location, waiver))
        return findings


def _paths_meet(waiver: Waiver, scanned: Collection[str], root: str | None) -> bool:
    from conformance.suppress import relative_to

    if not waiver.paths:
        return False
    for file in scanned:
        relative = relative_to(file, root)
        if relative is not None and waiver.matches(waiver.policy, relative):
            return True
    return False


def _has_our_annotations(data: Mapping[str, Any]) -> bool:
    """Cheap pre-check: does any annotation of the object or its pod template start with our prefix?"""
    templates = (("spec", "template", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata"))
    for path in (("metadata",), *templates):
        node: Any = data
        for step in path:
            node = node.get(step) if isinstance(node, Mapping) else None
        annotations = node.get("annotations") if isinstance(node, Mapping) else None
        if isinstance(annotations, Mapping) and any(
            isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) for key in annotations
        ):
            return True
    return False


def _invalid(message: str, location: Location) -> Finding:
    """An invalid inline marker: an error, fingerprinted by its message (never by its line)."""
    from conformance.engine.findings import error_finding

    return error_finding(INVALID_SUPPRESSION, message, location)


def _waiver_finding(policy_id: str, message: str, location: Location, waiver: Waiver) -> Finding:
    """An expired or stale waiver, at its line in the configuration (named as reports name it)."""
    from conformance.engine.findings import notice_finding

    origin = Origin(location.file, location.file)
    return notice_finding(policy_id, "warning", message, location, waiver.key + waiver.policy, origin, waiver.key)


def fixed_entries(
    baseline: Baseline, hits: Hits, complete: bool, scanned_files: Sequence[str]
) -> tuple[dict[str, Any], ...]:
    """Baseline entries no finding matched: all of them after a complete scan, else those of scanned files."""
    from conformance.baseline import unmatched

    scanned = set(scanned_files)
    return tuple(entry.to_dict() for entry in unmatched(baseline, hits.baseline) if complete or entry.file in scanned)
