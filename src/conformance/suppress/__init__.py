"""Suppressions: inline comments, Kubernetes annotations, configuration waivers, and what they record.

Pure building blocks: nothing here reads files, knows the engine or imports YAML. Four kinds of suppression
exist, from the most local to the most global:

- **inline** comments ``# conformance:ignore <policy-id>[,<policy-id>...] reason="free text"`` in a YAML
  manifest or a Dockerfile (:func:`parse_inline`, :mod:`.inline`);
- **annotation** ``conformance.dev/ignore.<pack>.<slug>: "reason=...; container=..."`` on a Kubernetes object
  or its pod template (:func:`parse_resource_annotations`, :mod:`.annotation`);
- **waiver** entries under ``waivers:`` in ``.conformance.yaml``, with an owner and an optional expiry date
  (:class:`Waiver`, parsed by :mod:`conformance.config`; :mod:`.waiver`);
- **baseline** entries: accepted findings listed by fingerprint (:mod:`conformance.baseline`).

Every parser returns its problems (a marker without a reason, an annotation with an unknown field) instead of
raising, and every policy id a suppression names is checked against the catalog: an unknown id is an error,
never silently ignored.

:mod:`.ids` holds what they share (the kinds, the syntax of a policy id, the "unknown policy id" message) and
:mod:`.container` the container a finding is about. Every name is importable from this package, as before the
split; a submodule is imported on first use of one of its names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.model import Suppression
    from conformance.suppress.annotation import (
        ANNOTATION_PREFIX,
        GENERIC_ANNOTATION,
        MAX_ANNOTATION_NAME,
        AnnotationIgnore,
        AnnotationMarkers,
        AnnotationProblem,
        annotation_for,
        annotation_key,
        annotations_of,
        parse_annotations,
        parse_resource_annotations,
    )
    from conformance.suppress.container import container_of
    from conformance.suppress.ids import IN_SOURCE_KINDS, POLICY_ID, SUPPRESSION_KINDS, unknown_policy_message
    from conformance.suppress.inline import (
        MARKER,
        SYNTAXES,
        InlineIgnore,
        InlineMarkers,
        InlineProblem,
        parse_inline,
        unknown_ids,
    )
    from conformance.suppress.waiver import Waiver, check_waiver_ids, find_waiver, relative_to

_EXPORTS = {
    "Suppression": "conformance.model",
    "SUPPRESSION_KINDS": "conformance.suppress.ids",
    "IN_SOURCE_KINDS": "conformance.suppress.ids",
    "POLICY_ID": "conformance.suppress.ids",
    "unknown_policy_message": "conformance.suppress.ids",
    "MARKER": "conformance.suppress.inline",
    "SYNTAXES": "conformance.suppress.inline",
    "InlineIgnore": "conformance.suppress.inline",
    "InlineProblem": "conformance.suppress.inline",
    "InlineMarkers": "conformance.suppress.inline",
    "unknown_ids": "conformance.suppress.inline",
    "parse_inline": "conformance.suppress.inline",
    "ANNOTATION_PREFIX": "conformance.suppress.annotation",
    "GENERIC_ANNOTATION": "conformance.suppress.annotation",
    "MAX_ANNOTATION_NAME": "conformance.suppress.annotation",
    "annotation_key": "conformance.suppress.annotation",
    "annotation_for": "conformance.suppress.annotation",
    "AnnotationIgnore": "conformance.suppress.annotation",
    "AnnotationProblem": "conformance.suppress.annotation",
    "AnnotationMarkers": "conformance.suppress.annotation",
    "annotations_of": "conformance.suppress.annotation",
    "parse_annotations": "conformance.suppress.annotation",
    "parse_resource_annotations": "conformance.suppress.annotation",
    "Waiver": "conformance.suppress.waiver",
    "find_waiver": "conformance.suppress.waiver",
    "relative_to": "conformance.suppress.waiver",
    "check_waiver_ids": "conformance.suppress.waiver",
    "container_of": "conformance.suppress.container",
}

__all__ = [
    "ANNOTATION_PREFIX",
    "GENERIC_ANNOTATION",
    "IN_SOURCE_KINDS",
    "MARKER",
    "MAX_ANNOTATION_NAME",
    "POLICY_ID",
    "SUPPRESSION_KINDS",
    "SYNTAXES",
    "AnnotationIgnore",
    "AnnotationMarkers",
    "AnnotationProblem",
    "InlineIgnore",
    "InlineMarkers",
    "InlineProblem",
    "Suppression",
    "Waiver",
    "annotation_for",
    "annotation_key",
    "annotations_of",
    "check_waiver_ids",
    "container_of",
    "find_waiver",
    "parse_annotations",
    "parse_inline",
    "parse_resource_annotations",
    "relative_to",
    "unknown_ids",
    "unknown_policy_message",
]


def __getattr__(name: str) -> Any:
    """Import the submodule behind a name on first use, and cache the name here."""
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
