"""The public API for policy authors: the one module a Python policy imports.

A Python policy is a module with module-level metadata (``ID``, ``TITLE``, ``SEVERITY`` and optionally
``CATEGORY``, ``PROFILES``, ``FIX``, ``KINDS``, ``OPTIONS``, ``TARGET``, ``FILES``; the module docstring is
the description) and a ``check(target, ctx)`` generator yielding :class:`Violation` (see
:class:`PythonPolicyModule`). Everything such a module needs from conformance is importable from here, and
the built-in policies import nothing else::

    from conformance.api import CheckContext, Resource, Violation, containers

    ID = "acme/no-latest"
    TITLE = "Images must not use the latest tag"
    SEVERITY = "error"

    def check(resource: Resource, ctx: CheckContext):
        for container in containers(resource):
            if str(container.data.get("image", "")).endswith(":latest"):
                yield Violation(f"{container.label} uses :latest", (*container.path, "image"))

What ``check`` receives depends on ``TARGET``:

- ``"kubernetes"`` (default): a :class:`Resource`; helpers :func:`pod_spec`, :func:`containers` (each a
  :class:`Container` with its effective security context), :func:`pod_labels`, :func:`get_path`,
  :func:`at_null_key` (where to report a key written as null), the ``include-init-containers`` option
  (:func:`include_init_containers_option`, :func:`checked_container_types`);
  ``SCOPE = True`` makes a cross-resource policy, whose ``facts(resource)`` is recorded for every resource and
  whose ``check(subject: ScopeEntry, ctx)`` looks partners up through ``ctx.scope`` (a :class:`Scope`) with
  the label-selector helpers (:func:`label_selector_matches`, :func:`map_matches`, :func:`normalize_labels`)
  and the autoscaling helpers (:func:`hpa_facts`, :func:`autoscalers_of`).
- ``"yaml"``: a :class:`YamlDocument` of each file the ``FILES`` globs select; GitHub Actions helpers
  (:func:`is_workflow`, :func:`triggers`, :func:`jobs`, :func:`steps`, :func:`parse_uses`).
- ``"dockerfile"``: a parsed :class:`Dockerfile` (stages, instructions, variable expansion).
- ``"repository"``: a read-only :class:`Repository` view (``files``, ``glob``, ``read_text``,
  ``load_yaml``) and :func:`compile_globs`; CODEOWNERS parsing (:func:`parse_codeowners`).

Shared helpers: image references (:func:`split_reference`, :func:`has_valid_digest`), secret heuristics
(:func:`is_secret_name`, :func:`looks_like_literal_secret`), YAML (:func:`parse_yaml`, :func:`locate`) and
:func:`format_message`.

Autofix: a policy may also define ``fix(violation, target, ctx)`` returning :class:`Operation` values (``add``,
``replace``, ``remove``, ``test``; paths relative to the target, as violations' are) or raising
:class:`NotApplicable` with the reason; or set ``NO_FIX = "why"`` (see "Autofix" in the README).

A violation's path is relative to the target (a resource, a document, an instruction index, or ``(file,
line)`` for a repository); the engine turns it into a line and column and stamps id and severity.

Names are resolved lazily on first use, so importing this module costs next to nothing and a policy pays
only for the helpers it names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.catalog.policy import (
        DOCKERFILE,
        KUBERNETES,
        REPOSITORY,
        YAML_FILE,
        CheckContext,
        PythonPolicyModule,
        ScopeEntry,
        format_message,
    )
    from conformance.fix.operations import NotApplicable, Operation
    from conformance.model import Location, Path, ResourceId, Violation
    from conformance.scope import Scope
    from conformance.targets.autoscaling import HPA, as_integer, autoscalers_of, hpa_facts
    from conformance.targets.codeowners import LOCATIONS as CODEOWNERS_LOCATIONS
    from conformance.targets.codeowners import MAX_BYTES as CODEOWNERS_MAX_BYTES
    from conformance.targets.codeowners import Codeowners
    from conformance.targets.codeowners import candidates as codeowners_candidates
    from conformance.targets.codeowners import parse as parse_codeowners
    from conformance.targets.dockerfile import Dockerfile, Instruction, Stage
    from conformance.targets.files import YamlDocument
    from conformance.targets.images import has_valid_digest, split_reference
    from conformance.targets.init_containers import (
        INCLUDE_INIT_CONTAINERS,
        checked_container_types,
        include_init_containers_option,
    )
    from conformance.targets.kubernetes import (
        CONTAINER_TYPES,
        LONG_RUNNING_KINDS,
        POD_BEARING_KINDS,
        POD_SPEC_PATHS,
        Container,
        Resource,
        at_null_key,
        containers,
        get_path,
        kind_traits,
        pod_label_sets,
        pod_labels,
        pod_spec,
        pod_spec_path,
        pod_spec_paths,
        pod_specs,
        pod_template_metadata_path,
        workload_of,
    )
    from conformance.targets.repo import RepoFile, Repository, compile_globs, first_match
    from conformance.targets.secrets import is_secret_name, looks_like_literal_secret
    from conformance.targets.selectors import (
        label_selector_matches,
        map_matches,
        normalize_labels,
        selector_problems,
        selects_everything,
    )
    from conformance.targets.workflow import DOCKER as ACTION_DOCKER
    from conformance.targets.workflow import INVALID as ACTION_INVALID
    from conformance.targets.workflow import LOCAL as ACTION_LOCAL
    from conformance.targets.workflow import REPOSITORY as ACTION_REPOSITORY
    from conformance.targets.workflow import (
        WORKFLOW_FILES,
        ActionRef,
        Job,
        Step,
        is_commit_sha,
        is_workflow,
        jobs,
        parse_uses,
        steps,
        triggers,
    )
    from conformance.yamlio import load as parse_yaml
    from conformance.yamlio import locate

_EXPORTS: dict[str, tuple[str, str]] = {}


def _export(module: str, *names: str) -> None:
    for name in names:
        public, _, private = name.partition("=")
        _EXPORTS[public] = (module, private or public)


# the contract
_export("conformance.model", "Violation", "Path", "Location", "ResourceId")
_export(
    "conformance.catalog.policy",
    "CheckContext",
    "ScopeEntry",
    "PythonPolicyModule",
    "format_message",
    "KUBERNETES",
    "YAML_FILE",
    "DOCKERFILE",
    "REPOSITORY",
)
_export("conformance.scope", "Scope")
# autofix: what a policy's fix(violation, target, ctx) returns or raises
_export("conformance.fix.operations", "Operation", "NotApplicable")
# Kubernetes
_export(
    "conformance.targets.kubernetes",
    "Resource",
    "Container",
    "POD_SPEC_PATHS",
    "POD_BEARING_KINDS",
    "LONG_RUNNING_KINDS",
    "CONTAINER_TYPES",
    "at_null_key",
    "get_path",
    "pod_spec",
    "pod_spec_path",
    "pod_template_metadata_path",
    "pod_labels",
    "pod_label_sets",
    "pod_specs",
    "pod_spec_paths",
    "workload_of",
    "kind_traits",
    "containers",
)
_export(
    "conformance.targets.selectors",
    "label_selector_matches",
    "map_matches",
    "normalize_labels",
    "selector_problems",
    "selects_everything",
)
_export(
    "conformance.targets.init_containers",
    "INCLUDE_INIT_CONTAINERS",
    "include_init_containers_option",
    "checked_container_types",
)
_export("conformance.targets.autoscaling", "HPA", "as_integer", "hpa_facts", "autoscalers_of")
# images and secrets
_export("conformance.targets.images", "split_reference", "has_valid_digest")
_export("conformance.targets.secrets", "is_secret_name", "looks_like_literal_secret")
# YAML files and GitHub Actions workflows
_export("conformance.targets.files", "YamlDocument")
_export(
    "conformance.targets.workflow",
    "WORKFLOW_FILES",
    "ActionRef",
    "Job",
    "Step",
    "is_commit_sha",
    "is_workflow",
    "jobs",
    "parse_uses",
    "steps",
    "triggers",
    "ACTION_DOCKER=DOCKER",
    "ACTION_INVALID=INVALID",
    "ACTION_LOCAL=LOCAL",
    "ACTION_REPOSITORY=REPOSITORY",
)
_export("conformance.yamlio", "parse_yaml=load", "locate")
# Dockerfiles
_export("conformance.targets.dockerfile", "Dockerfile", "Stage", "Instruction")
# the repository
_export("conformance.targets.repo", "Repository", "RepoFile", "compile_globs", "first_match")
_export(
    "conformance.targets.codeowners",
    "Codeowners",
    "parse_codeowners=parse",
    "codeowners_candidates=candidates",
    "CODEOWNERS_LOCATIONS=LOCATIONS",
    "CODEOWNERS_MAX_BYTES=MAX_BYTES",
)

__all__ = [
    "ACTION_DOCKER",
    "ACTION_INVALID",
    "ACTION_LOCAL",
    "ACTION_REPOSITORY",
    "CODEOWNERS_LOCATIONS",
    "CODEOWNERS_MAX_BYTES",
    "CONTAINER_TYPES",
    "DOCKERFILE",
    "HPA",
    "INCLUDE_INIT_CONTAINERS",
    "KUBERNETES",
    "LONG_RUNNING_KINDS",
    "POD_BEARING_KINDS",
    "POD_SPEC_PATHS",
    "REPOSITORY",
    "WORKFLOW_FILES",
    "YAML_FILE",
    "ActionRef",
    "CheckContext",
    "Codeowners",
    "Container",
    "Dockerfile",
    "Instruction",
    "Job",
    "Location",
    "NotApplicable",
    "Operation",
    "Path",
    "PythonPolicyModule",
    "RepoFile",
    "Repository",
    "Resource",
    "ResourceId",
    "Scope",
    "ScopeEntry",
    "Stage",
    "Step",
    "Violation",
    "YamlDocument",
    "as_integer",
    "at_null_key",
    "autoscalers_of",
    "checked_container_types",
    "codeowners_candidates",
    "compile_globs",
    "containers",
    "first_match",
    "format_message",
    "get_path",
    "has_valid_digest",
    "hpa_facts",
    "include_init_containers_option",
    "is_commit_sha",
    "is_secret_name",
    "is_workflow",
    "jobs",
    "kind_traits",
    "label_selector_matches",
    "locate",
    "looks_like_literal_secret",
    "map_matches",
    "normalize_labels",
    "parse_codeowners",
    "parse_uses",
    "parse_yaml",
    "pod_label_sets",
    "pod_labels",
    "pod_spec",
    "pod_spec_path",
    "pod_spec_paths",
    "pod_specs",
    "pod_template_metadata_path",
    "selector_problems",
    "selects_everything",
    "split_reference",
    "steps",
    "triggers",
    "workload_of",
]


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on first use, and cache the name here."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
