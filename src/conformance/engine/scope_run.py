"""Cross-resource policies: run once in the parent over everything the scan recorded, indexed by namespace."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from conformance.catalog.policy import CheckContext, Policy, ScopeEntry
from conformance.engine.containment import Containment
from conformance.engine.findings import (
    Place,
    origin_of,
    policy_failed,
    policy_misbehaved,
    policy_timed_out,
    violation_finding,
    well_formed,
)
from conformance.engine.guard import TIMEOUTS_BEFORE_DISABLED, call_under_budget
from conformance.engine.outcome import FileOutcome
from conformance.model import Origin
from conformance.scope import ScopeStore
from conformance.suppressor import NO_ANNOTATIONS, NO_MARKERS, Suppressor
from conformance.targets.adapters.kubernetes import container_in_key
from conformance.watchdog import PolicyTimeout, Watchdog


def _subjects(policy: Policy, store: ScopeStore) -> Iterator[tuple[ScopeEntry, CheckContext]]:
    """Each recorded entry of a policy, with the context of its own project's scope."""
    for project in store.projects(policy.id):
        scope = store.scope(policy.id, project)
        ctx = CheckContext(policy.options, scope)
        for entry in scope.entries:
            yield entry, ctx


def run_scope_policies(
    policies: Iterable[Policy],
    store: ScopeStore,
    watchdog: Watchdog | None = None,
    suppressor: Suppressor | None = None,
    known_markers: Mapping[str, Any] | None = None,
    contained: frozenset[str] = frozenset(),
) -> FileOutcome:
    """Run each cross-resource policy once per subject, with every entry of the subject's project in scope.

    ``known_markers`` are the inline markers of the files the subjects come from, as the workers read them:
    files are never opened again here (one may have been replaced since).
    """
    outcome = FileOutcome()
    watchdog = watchdog or Watchdog(0)
    markers = known_markers or {}
    origins: dict[str, Origin] = {}
    containment = Containment() if contained else None
    for policy in policies:
        timeouts = 0
        guarded = containment if policy.id in contained else None
        for subject, ctx in _subjects(policy, store):
            if not subject.locations or not policy.applies_to(subject.kind_key) or timeouts >= TIMEOUTS_BEFORE_DISABLED:
                continue  # entries without positions come from context files: looked up, never reported
            violations, problem = call_under_budget(
                watchdog,
                lambda: list(policy.check(subject, ctx)),  # noqa: B023
                guarded,
            )
            if isinstance(problem, PolicyTimeout):
                timeouts += 1
                disabled = timeouts >= TIMEOUTS_BEFORE_DISABLED
                outcome.errors.append(
                    policy_timed_out(policy.id, str(subject.resource), watchdog.budget, subject.locate(()), disabled)
                )
                continue
            if problem is not None:
                outcome.errors.append(policy_failed(policy.id, subject.resource, problem, subject.locate(())))
                continue
            origin = origins.get(subject.file)
            if origin is None:
                origin = origins[subject.file] = origin_of(subject.file)
            for violation in violations:
                if not well_formed(violation):
                    outcome.errors.append(policy_misbehaved(policy.id, subject.resource, violation, subject.locate(())))
                    continue
                path = tuple(violation.path)
                place = Place(subject.locate(path), ".".join(str(p) for p in path), origin)
                finding = violation_finding(policy.id, policy.info.severity, violation, place, subject.resource, path)
                if suppressor is not None:
                    annotations = subject.annotations or NO_ANNOTATIONS
                    file_markers = markers.get(subject.file, NO_MARKERS)
                    container = container_in_key(violation.key)
                    finding = suppressor.apply(
                        finding, outcome.hits, file_markers, annotations, violation.key, container
                    )
                outcome.findings.append(finding)
    return outcome
