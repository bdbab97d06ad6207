"""Declarative policies: metadata plus a standard JSON Schema applied to each selected node.

A policy file selects nodes of a resource (the whole resource, its pod spec, or each container with the pod's
securityContext defaults applied) and validates each against its ``schema``. Every schema error becomes a
violation at the path of the offending value. ``{"$option": name}`` anywhere in the schema is replaced by
the option's effective value, so options shape the schema without a template language.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any

from conformance.catalog.policy import (
    KUBERNETES,
    REPOSITORY,
    YAML_FILE,
    CheckContext,
    Policy,
    PolicyDefinition,
    format_message,
)
from conformance.errors import PolicyDefinitionError
from conformance.model import PolicyInfo, Violation
from conformance.targets import kinds as kinds_module
from conformance.targets import kubernetes as k8s
from conformance.validation import Validator, compile_schema, meta_schema_problem

KIND_GROUPS = kinds_module.KIND_GROUPS
"""``target.kinds`` may name a kind group: built-in and custom workloads alike (see :mod:`..targets.kinds`)."""


@lru_cache(maxsize=1)
def policy_format_schema() -> dict[str, Any]:
    """The JSON Schema of the YAML policy format."""
    text = (FsPath(__file__).parent.parent / "schemas" / "policy.schema.json").read_text("utf-8")
    return dict(json.loads(text))


@lru_cache(maxsize=1)
def _policy_format_validator() -> Validator:
    return compile_schema(policy_format_schema())


def validate_policy_document(doc: Any, source: str) -> None:
    """Raise PolicyDefinitionError naming the file and the field when a policy file is malformed."""
    if not isinstance(doc, Mapping):
        raise PolicyDefinitionError(f"{source}: a policy file must be a mapping")
    error = _policy_format_validator().first_error(doc)
    if error is not None:
        where = ".".join(str(p) for p in error.path) or "(top level)"
        raise PolicyDefinitionError(f"{source}: field {where}: {error.message}")
    defaults = {name: spec["default"] for name, spec in doc.get("options", {}).items()}
    schemas = [("schema", doc["schema"])] if "schema" in doc else []
    for index, check in enumerate(doc.get("checks", ())):
        if "schema" in check:
            schemas.append((f"checks.{index}.schema", check["schema"]))
    for field, schema in schemas:
        try:
            problem = meta_schema_problem(substitute_options(schema, defaults))
        except PolicyDefinitionError as exc:
            raise PolicyDefinitionError(f"{source}: field {field}: {exc}") from None
        if problem is not None:
            first_line = problem.splitlines()[0]
            raise PolicyDefinitionError(f"{source}: field {field}: not a valid JSON Schema: {first_line}") from None
    if "checks" in doc:
        from conformance.catalog.repo_checks import compile_check  # only repository policies need it

        for index, check in enumerate(substitute_options(doc["checks"], defaults)):
            try:
                compile_check(check, doc["message"])
            except PolicyDefinitionError as exc:
                raise PolicyDefinitionError(f"{source}: field checks.{index}: {exc}") from None


def substitute_options(schema: Any, options: Mapping[str, Any]) -> Any:
    """Replace each ``{"$option": name}`` mapping by the option's value."""
    if isinstance(schema, Mapping):
        if set(schema) == {"$option"}:
            name = schema["$option"]
            if name not in options:
                raise PolicyDefinitionError(f"schema refers to unknown option {name!r}")
            return options[name]
        return {key: substitute_options(value, options) for key, value in schema.items()}
    if isinstance(schema, list):
        return [substitute_options(value, options) for value in schema]
    return schema


class _Fields(dict[Any, Any]):
    """The offending mapping for ``{instance[field]}`` in messages: a field it lacks reads as ``(unset)``."""

    def __missing__(self, key: Any) -> str:
        return "(unset)"

    def __str__(self) -> str:
        return _shorten(dict(self))


def _shorten(value: Any, limit: int = 60) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, default=str, sort_keys=True)
        except TypeError:  # keys of mixed types (YAML 1.1 reads `on:` as true)
            text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _nearest_item_name(node: Any, sub_path: tuple[Any, ...]) -> str:
    """The ``name`` of the innermost list item on the path (a volume, a port, an env entry), else ''."""
    name = ""
    for step in sub_path:
        if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            if isinstance(node, Mapping) and isinstance(node.get("name"), str):
                name = node["name"]
        elif isinstance(node, Mapping) and step in node:
            node = node[step]
        else:
            break
    return name


def definition_from_document(doc: Mapping[str, Any], policy_id: str, source: str) -> PolicyDefinition:
    """Build a policy definition from a validated policy document."""
    info = PolicyInfo(
        id=policy_id,
        title=doc["title"],
        severity=doc["severity"],
        category=doc.get("category", "general"),
        profiles=tuple(doc.get("profiles", ())),
        description=doc["description"].strip(),
        fix=doc.get("fix", "").strip(),
        source=source,
    )
    target = doc.get("target", {})
    target_type = target.get("type", KUBERNETES)
    if target_type == REPOSITORY:
        return _repository_definition(doc, info)
    if target_type == YAML_FILE:
        return _yaml_file_definition(doc, info, tuple(target["files"]))
    kinds_spec = target.get("kinds", "all")
    if kinds_spec == "all":
        kinds: frozenset[str] | None = None
    elif isinstance(kinds_spec, str):
        kinds = frozenset({kinds_spec})
    else:
        kinds = frozenset(kinds_spec)
    select = target.get("select", "resource")
    if select != "resource" and kinds is None:
        kinds = frozenset({kinds_module.POD_BEARING})
    container_types = tuple(target.get("container-types", k8s.CONTAINER_TYPES))
    template = doc["message"]
    by_key: Mapping[str, str] = doc.get("messages", {})
    first_only = doc.get("report", "each-error") == "first-error"
    raw_schema = doc["schema"]
    option_specs = doc.get("options", {})

    def build(options: Mapping[str, Any], severity: str) -> Policy:
        validator = compile_schema(substitute_options(raw_schema, options))

        def selected(resource: k8s.Resource) -> Iterator[tuple[Any, k8s.Container | None, tuple[Any, ...]]]:
            if select == "resource":
                yield resource.data, None, ()
            elif select == "pod-spec":
                for path, spec in k8s.pod_specs(resource):
                    yield spec, None, path
            else:
                for container in k8s.containers(resource, container_types):
                    yield container.data, container, container.path

        def check(resource: k8s.Resource, ctx: CheckContext) -> Iterator[Violation]:
            for node, container, base in selected(resource):
                errors = validator.errors(node)
                if first_only:
                    errors = errors[:1]
                for error in errors:
                    sub_path = error.path
                    path = container.source_path(sub_path) if container else (*base, *sub_path)
                    if resource.nulls:  # a required key written as null: point at that key
                        path = k8s.toward_written_null(resource, path, error.message)
                    values = {
                        "kind": resource.kind,
                        "name": resource.name,
                        "namespace": resource.namespace or "",
                        "resource": str(resource.id),
                        "container": container.name if container else "",
                        "container_type": container.container_type if container else "",
                        "container_label": container.label if container else "",
                        "value": _shorten(error.instance),
                        "instance": _Fields(error.instance) if isinstance(error.instance, Mapping) else error.instance,
                        "key": sub_path[-1] if sub_path else "",
                        "item": _nearest_item_name(node, sub_path),
                        "path": ".".join(str(p) for p in sub_path),
                        "error": error.message,
                        "options": options,
                    }
                    key = f"{container.container_type}[{container.name}]" if container else ""
                    chosen = by_key.get(str(values["key"]), template)
                    yield Violation(format_message(chosen, values), path, key)

        return Policy(info=replace(info, severity=severity), kinds=kinds, check=check, options=dict(options))

    return PolicyDefinition(info=info, option_specs=option_specs, build=build, example=doc.get("example", ""))


def _repository_definition(doc: Mapping[str, Any], info: PolicyInfo) -> PolicyDefinition:
    # Not a cycle (repo_checks does not import this module): kept out of the start-up of a manifest-only scan.
    from conformance.catalog.repo_checks import RepoCheck, compile_check, run_check

    raw_checks = doc["checks"]
    template = doc["message"]

    def build(options: Mapping[str, Any], severity: str) -> Policy:
        compiled: list[RepoCheck] = []

        def check(repository: Any, ctx: CheckContext) -> Iterator[Violation]:
            if not compiled:  # compiled on first use: a scan of a few files never pays for it
                compiled.extend(compile_check(spec, template) for spec in substitute_options(raw_checks, options))
            for each in compiled:
                yield from run_check(each, repository, ctx.options)

        return Policy(
            info=replace(info, severity=severity), kinds=None, check=check, options=dict(options), target=REPOSITORY
        )

    return PolicyDefinition(info=info, option_specs=doc.get("options", {}), build=build, example=doc.get("example", ""))


def _yaml_file_definition(doc: Mapping[str, Any], info: PolicyInfo, files: tuple[str, ...]) -> PolicyDefinition:
    raw_schema = doc["schema"]
    template = doc["message"]
    by_key: Mapping[str, str] = doc.get("messages", {})
    first_only = doc.get("report", "each-error") == "first-error"

    def build(options: Mapping[str, Any], severity: str) -> Policy:
        validator = compile_schema(substitute_options(raw_schema, options))

        def check(document: Any, ctx: CheckContext) -> Iterator[Violation]:
            errors = validator.errors(document.data)
            for error in errors[:1] if first_only else errors:
                values = {
                    "file": document.file,
                    "value": _shorten(error.instance),
                    "key": error.path[-1] if error.path else "",
                    "item": _nearest_item_name(document.data, error.path),
                    "path": ".".join(str(p) for p in error.path),
                    "error": error.message,
                    "options": options,
                }
                yield Violation(format_message(by_key.get(str(values["key"]), template), values), error.path)

        return Policy(
            info=replace(info, severity=severity),
            kinds=None,
            check=check,
            options=dict(options),
            target=YAML_FILE,
            files=files,
        )

    return PolicyDefinition(info=info, option_specs=doc.get("options", {}), build=build, example=doc.get("example", ""))


def load_yaml_policy(path: FsPath, policy_id: str, validate: bool = True) -> PolicyDefinition:
    """Read and validate one YAML policy file; the id is given by discovery (pack/stem)."""
    from conformance import yamlio

    source = str(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyDefinitionError(f"{source}: cannot read policy: {exc}") from None
    loaded = yamlio.load(text)
    fatal = [p for p in loaded.problems if p.fatal]
    if fatal:
        raise PolicyDefinitionError(f"{source}:{fatal[0].line}:{fatal[0].column}: {fatal[0].message}")
    if len(loaded.documents) != 1:
        raise PolicyDefinitionError(f"{source}: a policy file holds exactly one YAML document")
    doc = loaded.documents[0].data
    if validate:
        validate_policy_document(doc, source)
    declared = doc.get("id") if isinstance(doc, Mapping) else None
    if declared is not None and declared != policy_id:
        raise PolicyDefinitionError(
            f"{source}: field id: {declared!r} does not match the file's place, which gives {policy_id!r}"
        )
    return definition_from_document(doc, policy_id, source)
