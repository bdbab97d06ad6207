"""Kubernetes annotations: ``conformance.dev/ignore.<pack>.<slug>: "reason=...; container=..."`` on an object or
its pod template (:func:`parse_resource_annotations`), and the generic ``conformance.dev/ignore``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model import Path, Suppression
from conformance.suppress.ids import POLICY_ID, unknown_policy_message

ANNOTATION_PREFIX = "conformance.dev/"
GENERIC_ANNOTATION = "conformance.dev/ignore"
"""For ids too long for a key of their own: ``conformance.dev/ignore: "policy=<id>[,<id>]; reason=..."``."""
MAX_ANNOTATION_NAME = 63
"""Kubernetes limits the name part of an annotation key (after ``conformance.dev/``) to 63 characters."""
_ANNOTATION_FIELD = re.compile(r"^[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=(.*)$", re.DOTALL)
_ANNOTATION_FIELDS = ("reason", "container")


def annotation_key(policy_id: str) -> str:
    """The annotation key that ignores one policy: ``conformance.dev/ignore.k8s.no-host-network``; for an id
    whose key name would exceed 63 characters, :data:`GENERIC_ANNOTATION` (then the value says ``policy=``)."""
    name = "ignore." + policy_id.replace("/", ".")
    return ANNOTATION_PREFIX + name if len(name) <= MAX_ANNOTATION_NAME else GENERIC_ANNOTATION


def annotation_for(policy_id: str, reason: str, containers: Iterable[str] = ()) -> tuple[str, str]:
    """The (key, value) of an annotation that ignores ``policy_id``, as a fix suggestion can print it."""
    key = annotation_key(policy_id)
    parts = [f"policy={policy_id}"] if key == GENERIC_ANNOTATION else []
    parts.append(f"reason={reason}")
    names = ",".join(containers)
    if names:
        parts.append(f"container={names}")
    return key, "; ".join(parts)


@dataclass(frozen=True)
class AnnotationIgnore:
    """A ``conformance.dev/ignore.*`` annotation: ignores one policy on the object, or on some containers."""

    policy_id: str
    reason: str
    containers: frozenset[str] | None
    """None: every finding of the policy on the object; else only findings on these containers."""
    key: str
    path: Path = ()
    """Where the annotation's key is written, inside the resource: ``("metadata", "annotations", key)``."""
    line: int = 0
    """The line of the annotation in its file, once located (0: not located)."""

    def covers(self, policy_id: str, container: str | None) -> bool:
        if policy_id != self.policy_id:
            return False
        return self.containers is None or (container is not None and container in self.containers)

    def suppression(self, source: str) -> Suppression:
        """``source`` says where the annotation is written (``deploy.yaml:7``: locate :attr:`path`)."""
        return Suppression("annotation", self.reason, source=source)


@dataclass(frozen=True)
class AnnotationProblem:
    """A malformed (or unknown-id) ignore annotation: it ignores nothing; report it as an error."""

    key: str
    message: str
    path: Path = ()
    """Where the annotation's key is written, inside the resource."""


@dataclass(frozen=True)
class AnnotationMarkers:
    """The ignore annotations of one resource and their problems."""

    ignores: tuple[AnnotationIgnore, ...] = ()
    problems: tuple[AnnotationProblem, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ignores or self.problems)

    def covering(self, policy_id: str, container: str | None = None) -> AnnotationIgnore | None:
        """The annotation that ignores this finding, if any."""
        return next((i for i in self.ignores if i.covers(policy_id, container)), None)

    def unknown_ids(self, known_ids: Collection[str]) -> tuple[AnnotationProblem, ...]:
        known = known_ids if isinstance(known_ids, (set, frozenset, Mapping)) else frozenset(known_ids)
        return tuple(
            AnnotationProblem(i.key, unknown_policy_message(i.policy_id, known), i.path)
            for i in self.ignores
            if i.policy_id not in known
        )

    def validated(self, known_ids: Collection[str]) -> AnnotationMarkers:
        """These annotations with the ones naming an unknown policy id moved to the problems."""
        unknown = self.unknown_ids(known_ids)
        if not unknown:
            return self
        bad = {(p.path, p.key) for p in unknown}
        return AnnotationMarkers(
            tuple(i for i in self.ignores if (i.path, i.key) not in bad), (*self.problems, *unknown)
        )


def annotations_of(resource_data: Mapping[str, Any]) -> list[tuple[Path, Mapping[str, Any]]]:
    """The annotation mappings that can ignore findings on a resource, with their paths: the object's own and
    its pod templates' (``spec.template.metadata.annotations``; a CronJob's under ``spec.jobTemplate``; those of
    the custom workloads of the shipped kind table, such as an Argo Rollout's)."""
    from conformance.targets.kinds import shipped
    from conformance.targets.kubernetes import get_path

    found: list[tuple[Path, Mapping[str, Any]]] = []
    paths: list[Path] = [("metadata", "annotations")]
    kind, api_version = resource_data.get("kind"), resource_data.get("apiVersion")
    if isinstance(kind, str):
        for spec_path in shipped().lookup(api_version if isinstance(api_version, str) else "", kind).pod_specs:
            if len(spec_path) > 1:
                paths.append((*spec_path[:-1], "metadata", "annotations"))
    for path in paths:
        annotations = get_path(resource_data, path)
        if isinstance(annotations, Mapping) and annotations:
            found.append((path, annotations))
    return found


def parse_annotations(annotations: Mapping[str, Any], path: Path = ("metadata", "annotations")) -> AnnotationMarkers:
    """The ignore annotations of one annotations mapping (found at ``path`` in the resource).

    Keys are ``conformance.dev/ignore.<pack>.<slug>`` (the policy id with ``/`` as ``.``); values are
    ``reason=<text>; container=<name>[,<name>]`` in any order, the container part optional, or plain text that
    is the whole reason. In the structured form, text after ``reason=`` that holds ``;`` but no new field
    stays part of the reason. Ids too long for a key (a name over 63 characters, which the API server
    refuses) go under :data:`GENERIC_ANNOTATION`, whose value also says ``policy=<id>[,<id>]``.
    """
    ignores: list[AnnotationIgnore] = []
    problems: list[AnnotationProblem] = []
    for key, value in annotations.items():
        if not isinstance(key, str) or not key.startswith(ANNOTATION_PREFIX + "ignore"):
            continue
        where = (*path, key)
        parsed = _parse_annotation(key, value)
        if isinstance(parsed, str):
            problems.append(AnnotationProblem(key, parsed, where))
            continue
        policy_ids, reason, containers = parsed
        ignores.extend(AnnotationIgnore(pid, reason, containers, key, where) for pid in policy_ids)
    return AnnotationMarkers(tuple(ignores), tuple(problems))


def parse_resource_annotations(resource_data: Mapping[str, Any]) -> AnnotationMarkers:
    """The ignore annotations of a resource and of its pod template, together."""
    ignores: list[AnnotationIgnore] = []
    problems: list[AnnotationProblem] = []
    for path, mapping in annotations_of(resource_data):
        markers = parse_annotations(mapping, path)
        ignores.extend(markers.ignores)
        problems.extend(markers.problems)
    return AnnotationMarkers(tuple(ignores), tuple(problems))


def _parse_annotation(key: str, value: Any) -> tuple[tuple[str, ...], str, frozenset[str] | None] | str:
    """(policy ids, reason, containers) of one ignore annotation, or a message saying what is wrong."""
    generic = key == GENERIC_ANNOTATION
    name = key[len(ANNOTATION_PREFIX) :]
    policy_ids: tuple[str, ...] = ()
    if not generic:
        parts = name.split(".")
        if len(parts) != 3 or parts[0] != "ignore" or not POLICY_ID.match(f"{parts[1]}/{parts[2]}"):
            return f"'{key}' is not an ignore annotation: write {ANNOTATION_PREFIX}ignore.<pack>.<slug>"
        if len(name) > MAX_ANNOTATION_NAME:
            return (
                f"the annotation name '{name}' is {len(name)} characters, over Kubernetes' limit of "
                f'{MAX_ANNOTATION_NAME}: write {GENERIC_ANNOTATION}: "policy={parts[1]}/{parts[2]}; reason=..."'
            )
        policy_ids = (f"{parts[1]}/{parts[2]}",)
    if not isinstance(value, str):
        return f"the value must be a string (reason=...), not {type(value).__name__}"
    fields = _annotation_fields(value, generic)
    if isinstance(fields, str):
        return fields
    if generic:
        if "policy" not in fields:
            return f"{GENERIC_ANNOTATION} needs policy=<id>[,<id>]; reason=..."
        ids = [item.strip() for item in fields["policy"].split(",")]
        for item in ids:
            if not POLICY_ID.match(item):
                return f"policy: '{item}' is not a policy id (<pack>/<slug>)"
        policy_ids = tuple(dict.fromkeys(ids))
    reason = fields.get("reason", "").strip()
    if not reason:
        return "the reason is empty: say why the finding is accepted (reason=...)"
    containers: frozenset[str] | None = None
    if "container" in fields:
        names = [item.strip() for item in fields["container"].split(",")]
        if not all(names):
            return f"container: '{fields['container'].strip()}' must be container names separated by commas"
        containers = frozenset(names)
    return policy_ids, reason, containers


def _annotation_fields(value: str, generic: bool) -> dict[str, str] | str:
    allowed = (*_ANNOTATION_FIELDS, "policy") if generic else _ANNOTATION_FIELDS
    parts = value.split(";")
    if not any(_ANNOTATION_FIELD.match(part) for part in parts):
        return {"reason": value}  # plain text: the whole value is the reason
    fields: dict[str, str] = {}
    last: str | None = None
    for part in parts:
        match = _ANNOTATION_FIELD.match(part)
        if match is None:
            if not part.strip():
                continue
            if last != "reason":
                return f"'{part.strip()}' is not a field: write key=value parts ({', '.join(allowed)})"
            fields["reason"] += ";" + part  # a ';' inside the reason
            continue
        name, text = match.group(1), match.group(2)
        if name not in allowed:
            return f"unknown field '{name}': the fields are {', '.join(allowed)}"
        if name in fields:
            return f"field '{name}' is given twice"
        fields[name] = text
        last = name
    return fields
