"""Declarative policies: metadata plus a standard JSON Schema applied to each selected node.

A policy file selects nodes of a resource (the whole resource, its pod spec, or each container with the pod's
securityContext defaults applied) and validates each against its ``schema``. Every schema error becomes a
violation at the path of the offending value. ``{"$option": name}`` anywhere in the schema is replaced by
the option's effective value, so options shape the schema without a template language.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from conformance.catalog.policy import (
    KUBERNETES,
    REPOSITORY,
    YAML_FILE,
    CheckContext,
    Policy,
    PolicyDefinition,
    format_message,
)
from conformance.catalog.policy_safety import check_untrusted_parts
from conformance.errors import PolicyDefinitionError
from conformance.model import PolicyInfo, Violation
from conformance.targets import kinds as kinds_module
from conformance.targets import kubernetes as k8s
from conformance.validation import Validator, compile_schema, meta_schema_problem

if TYPE_CHECKING:
    from conformance.catalog.cel_rules import Rule
    from conformance.catalog.object_match import ObjectFilter

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


KUBERNETES_ONLY = ("match", "exclude", "validate")
"""Fields of a policy that only Kubernetes objects have a meaning for."""


def validate_policy_document(doc: Any, source: str, line_of: Callable[[tuple[Any, ...]], int] | None = None) -> None:
    """Raise PolicyDefinitionError naming the file and the field (and, with ``line_of``, the line of a
    ``validate`` expression that does not compile) when a policy file is malformed."""
    if not isinstance(doc, Mapping):
        raise PolicyDefinitionError(f"{source}: a policy file must be a mapping")
    target_type = doc.get("target", {}).get("type") if isinstance(doc.get("target"), Mapping) else None
    if target_type in (None, KUBERNETES, YAML_FILE) and not {"schema", "validate", "checks"} & set(doc):
        raise PolicyDefinitionError(f"{source}: field schema: a policy needs a schema, validate expressions or both")
    for name in KUBERNETES_ONLY:
        if name in doc and target_type not in (None, KUBERNETES):
            raise PolicyDefinitionError(f"{source}: field {name}: only kubernetes policies take {name}")
    error = _policy_format_validator().first_error(doc)
    if error is not None:
        where = ".".join(str(p) for p in error.path) or "(top level)"
        raise PolicyDefinitionError(f"{source}: field {where}: {error.message}")
    _object_filter(doc, source)
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
    if "operations" in doc.get("autofix", {}) and doc.get("target", {}).get("type") == REPOSITORY:
        raise PolicyDefinitionError(f"{source}: field autofix.operations: repository policies cannot fix")
    if "operations" in doc.get("autofix", {}):
        from conformance.fix.operations import operations_from_spec

        try:
            operations_from_spec(substitute_options(doc["autofix"]["operations"], defaults), "autofix.operations")
        except PolicyDefinitionError as exc:
            raise PolicyDefinitionError(f"{source}: field {exc}") from None
    if "validate" in doc:
        from conformance.catalog.cel_rules import compile_rules  # imports the CEL library: only when used

        compile_rules(doc["validate"], source, line_of)
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

    def __getitem__(self, key: Any) -> str:
        return _shorten(dict.__getitem__(self, key), 120) if key in self else "(unset)"

    def __str__(self) -> str:
        return _shorten(dict(self))


class _Options(dict[Any, Any]):
    """The options for ``{options[name]}`` in messages: a list of plain values reads ``a, b``."""

    def __getitem__(self, key: Any) -> str:
        value = dict.__getitem__(self, key) if key in self else "(unset)"
        if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
            return _shorten(", ".join(str(item) for item in value), 120)
        return _shorten(value, 120)


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


def definition_from_document(
    doc: Mapping[str, Any], policy_id: str, source: str, line_of: Callable[[tuple[Any, ...]], int] | None = None
) -> PolicyDefinition:
    """Build a policy definition from a validated policy document (``line_of``: the line of a path in the
    policy file, for errors in its ``validate`` expressions, which are compiled here)."""
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
    raw_schema = doc.get("schema")
    option_specs = doc.get("options", {})
    autofix = doc.get("autofix", {})
    object_filter = _object_filter(doc, source)
    rules: tuple[Rule, ...] = ()
    if "validate" in doc:
        from conformance.catalog.cel_rules import compile_rules  # imports the CEL library: only when used

        rules = compile_rules(doc["validate"], source, line_of)

    def build(options: Mapping[str, Any], severity: str) -> Policy:
        validator = compile_schema(substitute_options(raw_schema, options)) if raw_schema is not None else None

        def selected(resource: k8s.Resource) -> Iterator[tuple[Any, k8s.Container | None, tuple[Any, ...]]]:
            if select == "resource":
                yield resource.data, None, ()
            elif select == "pod-spec":
                for path, spec in k8s.pod_specs(resource):
                    yield spec, None, path
            else:
                for container in k8s.containers(resource, container_types):
                    yield container.data, container, container.path

        def violations(resource: k8s.Resource) -> Iterator[tuple[Violation, Any, tuple[Any, ...], Any]]:
            """Each violation with the node the schema saw and the path of the selected node as written."""
            for node, container, base in selected(resource):
                key = f"{container.container_type}[{container.name}]" if container else ""
                errors = validator.errors(node) if validator is not None else []
                if first_only:
                    errors = errors[:1]
                for error in errors:
                    sub_path = error.path
                    path = container.source_path(sub_path) if container else (*base, *sub_path)
                    if resource.nulls:  # a required key written as null: point at that key
                        path = k8s.toward_written_null(resource, path, error.message)
                    values = _node_values(resource, container, node, sub_path, error.instance, error.message, options)
                    chosen = by_key.get(str(values["key"]), template)
                    yield (
                        Violation(format_message(chosen, values), path, key),
                        node,
                        container.path if container else base,
                        error,
                    )
                if rules and not (first_only and errors):
                    from conformance.catalog.cel_rules import rule_violations

                    found = rule_violations(rules, resource, node, container, base, options, key)
                    for rule, sub_path, path, instance in found:
                        values = _node_values(resource, container, node, sub_path, instance, rule.failed, options)
                        message = format_message(rule.message or template, values)
                        yield Violation(message, path, rule.key(key)), node, container.path if container else base, None

        def check(resource: k8s.Resource, ctx: CheckContext) -> Iterator[Violation]:
            for violation, *_ in violations(resource):
                yield violation

        return Policy(
            info=replace(info, severity=severity),
            kinds=kinds,
            check=check,
            options=dict(options),
            fixer=_fixer(violations, validator.errors, autofix, options) if validator is not None else None,
            filter=object_filter,
        )

    return _definition(doc, info, option_specs, build)


def _definition(
    doc: Mapping[str, Any], info: PolicyInfo, option_specs: Mapping[str, Any], build: Any
) -> PolicyDefinition:
    autofix = doc.get("autofix", {})
    return PolicyDefinition(
        info=info,
        option_specs=option_specs,
        build=build,
        example=doc.get("example", ""),
        fixes="operations" in autofix,
        no_fix_reason=str(autofix.get("unavailable", "")).strip(),
    )


def _object_filter(doc: Mapping[str, Any], source: str) -> ObjectFilter | None:
    """The ``match`` / ``exclude`` blocks, parsed (the module is imported only for a policy that has them)."""
    if doc.get("match") is None and doc.get("exclude") is None:
        return None
    from conformance.catalog.object_match import parse_filter

    return parse_filter(doc.get("match"), doc.get("exclude"), source)


def _fixer(violations: Any, errors_of: Any, autofix: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
    """The policy's ``fixer``: its ``autofix.operations`` relative to the node a violation's schema error is in,
    when its ``test`` operations hold on that node as the schema saw it (a container with the pod's defaults) and
    the schema, run again on the patched node, no longer reports that error (``runAsNonRoot: true`` beside
    ``runAsUser: 0`` would not remove the finding, and the kubelet would refuse the pod)."""
    if "operations" not in autofix:
        return None
    planned: list[Any] = []  # the operations, built at the first fix (a scan never needs them)

    def fixer(violation: Violation, target: Any, ctx: CheckContext) -> tuple[Any, ...]:
        from conformance.fix.operations import TEST, NotApplicable, apply, holds, operations_from_spec

        if not planned:
            spec = substitute_options(autofix["operations"], options)
            planned.extend(operations_from_spec(spec, "autofix.operations"))
        operations = planned
        for found, node, base, error in violations(target):
            if found.path == violation.path and found.message == violation.message:
                if error is None:
                    raise NotApplicable("the finding of a CEL rule has no schema to fix against: left for review")
                failed = [op for op in operations if op.op == TEST and not holds(node, op)]
                if failed:
                    where = "/".join(map(str, failed[0].path))
                    raise NotApplicable(f"{where} {'is set' if failed[0].absent else 'differs'}: left for review")
                edits = tuple(op for op in operations if op.op != TEST)
                patched = errors_of(apply(node, edits))
                if any(e.path == error.path and e.message == error.message for e in patched):
                    raise NotApplicable("its fix would not remove the finding: left for review")
                return tuple(op.moved(base) for op in edits)
        raise NotApplicable("the violation was not found again")

    return fixer


def _node_values(
    resource: k8s.Resource,
    container: k8s.Container | None,
    node: Any,
    sub_path: tuple[Any, ...],
    instance: Any,
    error: str,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """The fields of a message about ``instance``, found at ``sub_path`` inside a selected node."""
    return {
        "kind": resource.kind,
        "name": resource.name,
        "namespace": resource.namespace or "",
        "resource": str(resource.id),
        "container": container.name if container else "",
        "container_type": container.container_type if container else "",
        "container_label": container.label if container else "",
        "value": _shorten(instance),
        "instance": _Fields(instance) if isinstance(instance, Mapping) else instance,
        "key": sub_path[-1] if sub_path else "",
        "item": _nearest_item_name(node, sub_path),
        "path": ".".join(str(p) for p in sub_path),
        "error": error,
        "options": _Options(options),
    }


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

        def violations(document: Any) -> Iterator[tuple[Violation, Any, tuple[Any, ...], Any]]:
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
                message = format_message(by_key.get(str(values["key"]), template), values)
                yield Violation(message, error.path), document.data, (), error

        def check(document: Any, ctx: CheckContext) -> Iterator[Violation]:
            for violation, *_ in violations(document):
                yield violation

        return Policy(
            info=replace(info, severity=severity),
            kinds=None,
            check=check,
            options=dict(options),
            target=YAML_FILE,
            files=files,
            fixer=_fixer(violations, validator.errors, doc.get("autofix", {}), options),
        )

    return _definition(doc, info, doc.get("options", {}), build)


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
    check_untrusted_parts(doc, source)  # before any validator: a $ref must not be fetched even once
    node = loaded.documents[0].node

    def line_of(path: tuple[Any, ...]) -> int:
        return yamlio.locate(node, path).line

    if validate:
        validate_policy_document(doc, source, line_of)
    declared = doc.get("id") if isinstance(doc, Mapping) else None
    if declared is not None and declared != policy_id:
        raise PolicyDefinitionError(
            f"{source}: field id: {declared!r} does not match the file's place, which gives {policy_id!r}"
        )
    return definition_from_document(doc, policy_id, source, line_of)
