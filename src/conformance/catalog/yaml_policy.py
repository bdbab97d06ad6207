"""Declarative policies: metadata plus a standard JSON Schema applied to each selected node.

A policy file selects nodes of a resource (the whole resource, its pod spec, or each container with the pod's
securityContext defaults applied) and validates each against its ``schema``. Every schema error becomes a
violation at the path of the offending value. ``{"$option": name}`` anywhere in the schema is replaced by
the option's effective value, so options shape the schema without a template language.
"""

from __future__ import annotations

import json
import re
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


MAX_FORMAT_NUMBER = 3
"""Digits a width or precision in a message template may have (``{kind:>999}`` at most): a discovered config
can bring a YAML policy, and ``{kind:>1500000000}`` would allocate gigabytes per violation."""
_SAFE_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?#?0?(?P<width>\d*)[_,]?(?:\.(?P<precision>\d*))?[bcdeEfFgGnosxX%]?")
_LOCAL_REFERENCE = "#"
_REFERENCE_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
_KNOWN_DIALECTS = frozenset(
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
    }
)


_INSTANCE_FIELD = re.compile(r"^(?:instance|options)\[[A-Za-z_][A-Za-z0-9_-]*\]$")
"""The indexed fields a template may use: a field of the offending mapping (read through a view that only
ever returns short text), and an option's effective value."""


def check_message_template(template: str, source: str) -> None:
    """Refuse a message template that could do more than fill in fields: fields are plain names (no
    ``{x.attr}``, ``{x[0]}`` or positional ``{0}``; ``{instance[field]}`` is the one exception), conversions
    ``!s``/``!r``/``!a`` only, and format specs
    without nested fields and with widths and precisions of at most ``MAX_FORMAT_NUMBER`` digits."""
    import string

    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PolicyDefinitionError(f"{source}: field message: not a valid template: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() and not _INSTANCE_FIELD.match(name):
            raise PolicyDefinitionError(f"{source}: field message: {{{name}}} is not a plain field name")
        if conversion not in (None, "s", "r", "a"):
            raise PolicyDefinitionError(f"{source}: field message: conversion !{conversion} is not allowed")
        match = _SAFE_SPEC.fullmatch(spec or "")
        too_long = match is not None and any(
            len(match[part] or "") > MAX_FORMAT_NUMBER for part in ("width", "precision")
        )
        if match is None or too_long or "{" in (spec or ""):
            raise PolicyDefinitionError(
                f"{source}: field message: format spec {spec!r} of {{{name}}} is not allowed "
                f"(widths and precisions of at most {MAX_FORMAT_NUMBER} digits, no nested fields)"
            )


def check_schema_references(schema: Any, source: str, field: str) -> None:
    """Refuse, before any validator sees it, a schema that refers outside itself: every ``$ref`` is a local
    ``#...`` pointer, no ``$id`` moves the base URI, ``$schema`` names a known draft. A ``$ref`` to
    ``https://...`` or ``file:///etc/...`` would make the validator fetch or read it (network and file access
    chosen by a policy that a scanned repository's config can bring)."""
    stack = [(schema, field)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in _REFERENCE_KEYWORDS and not (isinstance(value, str) and value.startswith(_LOCAL_REFERENCE)):
                    raise PolicyDefinitionError(
                        f"{source}: field {where}.{key}: {value!r} refers outside the policy: only local "
                        "references (#/$defs/...) are allowed"
                    )
                if key == "$id":
                    raise PolicyDefinitionError(f"{source}: field {where}.$id: $id is not allowed in a policy schema")
                if key == "$schema" and value not in _KNOWN_DIALECTS:
                    raise PolicyDefinitionError(f"{source}: field {where}.$schema: unknown dialect {value!r}")
                stack.append((value, f"{where}.{key}"))
        elif isinstance(node, list):
            stack.extend((item, f"{where}.{index}") for index, item in enumerate(node))


def _check_untrusted_parts(doc: Any, source: str) -> None:
    if not isinstance(doc, Mapping):
        return
    if isinstance(doc.get("message"), str):
        check_message_template(doc["message"], source)
    for key, template in (doc.get("messages") or {}).items() if isinstance(doc.get("messages"), Mapping) else ():
        if isinstance(template, str):
            check_message_template(template, f"{source} (messages.{key})")
    for index, rule in enumerate(doc.get("validate") or ()) if isinstance(doc.get("validate"), list) else ():
        if isinstance(rule, Mapping) and isinstance(rule.get("message"), str):
            check_message_template(rule["message"], f"{source} (validate[{index}])")
    if "schema" in doc:
        check_schema_references(doc["schema"], source, "schema")
    for index, check in enumerate(doc.get("checks") or ()):
        if isinstance(check, Mapping) and "schema" in check:
            check_schema_references(check["schema"], source, f"checks.{index}.schema")
        if isinstance(check, Mapping) and isinstance(check.get("message"), str):
            check_message_template(check["message"], f"{source} (checks.{index})")


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
    _check_untrusted_parts(doc, source)  # before any validator: a $ref must not be fetched even once
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
