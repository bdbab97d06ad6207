"""The one finding factory: every finding of a scan is built here, with its origin and one fingerprint.

Policy violations on a Kubernetes object, a YAML document, a Dockerfile or a repository, cross-resource
violations, scan errors (unreadable input, crashing policies, invalid objects), duplicate keys, invalid
suppressions and expired or stale waivers all go through :func:`violation_finding` or :func:`error_finding`,
so the fingerprint (policy id, repository-relative file, resource, path label; never a line) is computed in
one place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model import (
    POLICY_ERROR,
    Finding,
    Location,
    Origin,
    Path,
    ResourceId,
    Violation,
    make_fingerprint,
)

STDIN_DISPLAY = "<stdin>"


def origin_of(display: str, document: int | None = None) -> Origin:
    """The origin of a file reports show as ``display``: its repository and its path there."""
    from conformance.inputs import repository_of

    root, path = repository_of(display)
    return Origin(path, display, root, document)


def project_of(path: str) -> str:
    """The project a scanned file belongs to, the scope of cross-resource lookups: the git work tree holding
    it, else ``""`` (what a run scans outside any work tree is one project, with standard input)."""
    from conformance.inputs import cached_git_root

    return cached_git_root(os.path.dirname(os.path.abspath(path))) or ""


@dataclass(frozen=True)
class Place:
    """Where a violation points: its position, its readable label, and the origin of the file it is in."""

    location: Location
    label: str
    origin: Origin


def identity_of(label: str, key: str) -> str:
    """The path part of a fingerprint: the label, plus the violation's key when it has one."""
    return f"{label}#{key}" if key else label


def violation_finding(
    policy_id: str,
    severity: str,
    violation: Violation,
    place: Place,
    resource: ResourceId | None = None,
    raw_path: Path = (),
) -> Finding:
    """The finding of a policy violation (or of a reserved check such as a duplicate key)."""
    fingerprint = make_fingerprint(policy_id, place.origin.path, resource, identity_of(place.label, violation.key))
    return Finding(
        policy_id,
        severity,
        violation.message,
        place.location,
        resource,
        place.label,
        fingerprint,
        origin=place.origin,
        raw_path=raw_path,
    )


def notice_finding(
    policy_id: str,
    severity: str,
    message: str,
    location: Location,
    identity: str,
    origin: Origin | None = None,
    label: str = "",
) -> Finding:
    """A reserved finding that is not a scan error (duplicate keys, untrusted policies, waiver notices):
    fingerprinted by an identity of the caller's choosing instead of its label."""
    origin = origin or origin_of(location.file)
    fingerprint = make_fingerprint(policy_id, origin.path, None, identity)
    return Finding(policy_id, severity, message, location, None, label, fingerprint, origin=origin)


def error_finding(
    policy_id: str,
    message: str,
    location: Location,
    resource: ResourceId | None = None,
    path: str = "",
    origin: Origin | None = None,
    identity: str = "",
) -> Finding:
    """A scan error (unreadable input, crashing policy): always severity error, makes the run exit 2.

    The fingerprint's path part is ``identity``, else the label ``path``, else the message."""
    origin = origin or origin_of(location.file)
    fingerprint = make_fingerprint(policy_id, origin.path, resource, identity or path or message)
    return Finding(policy_id, "error", message, location, resource, path, fingerprint, is_error=True, origin=origin)


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


def well_formed(violation: Any) -> bool:
    """Whether a policy yielded a real :class:`Violation` (message, a path of keys and indices, a key)."""
    return (
        isinstance(violation, Violation)
        and isinstance(violation.message, str)
        and isinstance(violation.path, (tuple, list))
        and isinstance(violation.key, str)
        and all(isinstance(step, (str, int)) for step in violation.path)
    )


def loose_id(data: Mapping[str, Any]) -> ResourceId:
    """The identity of an object too malformed to be a resource, for its invalid-object findings."""
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return ResourceId(
        str(data.get("kind")),
        str(name or ""),
        namespace if isinstance(namespace, str) else None,
        str(data.get("apiVersion")),
    )
