"""Checking a Python policy module against the protocol without running it: its source is parsed with ``ast``.

A policy from a repository under review is untrusted code, so ``conformance policies validate`` reads it as
data: the module-level metadata (``ID``, ``TITLE``, ``SEVERITY``, ``CATEGORY``, ``PROFILES``, ``TARGET``,
``FILES``, ``KINDS``, ``OPTIONS``, ``SCOPE``) must be literals of the right type, and ``check`` a function
taking ``(target, ctx)``. A value computed at import time (``FILES = WORKFLOW_FILES``) cannot be judged
statically: a name imported from ``conformance.api`` is accepted, anything else is a warning.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model import SEVERITIES

POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
_MISSING = object()
_UNKNOWN = object()
"""A value that is not a literal: not judged here."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file, where it is and which field it concerns."""

    file: str
    line: int
    column: int
    field: str
    message: str
    error: bool = True
    """False for a warning (something that cannot be checked statically): it does not fail validation."""
    needs_import: bool = False
    """A value only importing the module can judge (the import, when trusted, supersedes the warning)."""

    def text(self) -> str:
        level = "error" if self.error else "warning"
        return f"{self.file}:{self.line}:{self.column}: {level}: field {self.field}: {self.message}"


@dataclass(frozen=True)
class _Assigned:
    value: Any
    """The literal value, or _UNKNOWN."""
    node: ast.AST
    api_name: bool = False
    """The value is a name imported from ``conformance.api`` (WORKFLOW_FILES)."""


def _api_imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "conformance.api":
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def _module_names(tree: ast.Module) -> tuple[dict[str, _Assigned], dict[str, ast.AST]]:
    """Module-level assignments (last wins) and definitions (functions, classes, imports) by name."""
    api = _api_imports(tree)
    assigned: dict[str, _Assigned] = {}
    defined: dict[str, ast.AST] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined[node.name] = node
            assigned.pop(node.name, None)
            continue
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                try:
                    literal: Any = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    literal = _UNKNOWN
                is_api = isinstance(value, ast.Name) and value.id in api
                assigned[target.id] = _Assigned(literal, node, is_api)
                defined.pop(target.id, None)
    return assigned, defined


def _strings(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) and item for item in value)


def check_source(source: str, file: str) -> list[Problem]:
    """Every problem of a Python policy's source found without importing it."""
    try:
        tree = ast.parse(source, filename=file)
    except SyntaxError as exc:
        return [Problem(file, exc.lineno or 1, exc.offset or 1, "(module)", f"not valid Python: {exc.msg}")]
    except (ValueError, RecursionError, MemoryError) as exc:  # a NUL byte; nesting the parser cannot take
        return [Problem(file, 1, 1, "(module)", f"not valid Python: {type(exc).__name__}: {exc}")]
    return list(_problems(tree, file))


def _problems(tree: ast.Module, file: str) -> Iterator[Problem]:
    from conformance.targets.adapters import BY_NAME

    assigned, defined = _module_names(tree)

    def at(node: ast.AST | None, field: str, message: str, error: bool = True) -> Problem:
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        needs_import = not error and "imported" in message
        return Problem(file, line, column, field, message, error, needs_import)

    def value(name: str) -> Any:
        entry = assigned.get(name)
        return _MISSING if entry is None else entry.value

    def unknown(name: str) -> Iterator[Problem]:
        """Nothing for a name from conformance.api (WORKFLOW_FILES), else a warning."""
        if not assigned[name].api_name:
            message = "not a literal: checked only when imported (--trust-local-policies)"
            yield at(assigned[name].node, name, message, False)

    if ast.get_docstring(tree) is None:
        yield at(None, "(docstring)", "no module docstring: it is the policy's description", error=False)
    for name, kind in (("ID", "a string <pack>/<kebab-slug>"), ("TITLE", "a string"), ("SEVERITY", "a string")):
        current = value(name)
        if current is _MISSING:
            yield at(defined.get(name), name, f"missing: a module-level {name} = ... ({kind}) is required")
        elif current is _UNKNOWN:
            yield from unknown(name)
        elif not isinstance(current, str) or not current.strip():
            yield at(assigned[name].node, name, f"must be {kind}")
        elif name == "ID" and not POLICY_ID.match(current):
            yield at(assigned[name].node, name, f"{current!r} is not <pack>/<kebab-slug>")
        elif name == "SEVERITY" and current not in SEVERITIES:
            yield at(assigned[name].node, name, f"{current!r} is not one of {', '.join(SEVERITIES)}")
    for name, check, kind in (
        ("CATEGORY", lambda v: isinstance(v, str), "a string"),
        ("FIX", lambda v: isinstance(v, str), "a string"),
        ("EXAMPLE", lambda v: isinstance(v, str), "a string"),
        ("PROFILES", lambda v: isinstance(v, (list, tuple)) and all(isinstance(p, str) for p in v), "a tuple of str"),
        ("SCOPE", lambda v: isinstance(v, bool), "True or False"),
    ):
        current = value(name)
        if current is _UNKNOWN:
            yield from unknown(name)
        elif current is not _MISSING and not check(current):
            yield at(assigned[name].node, name, f"must be {kind}")
    target = value("TARGET")
    if target is _UNKNOWN:
        yield from unknown("TARGET")
        target = "kubernetes"
    elif target is _MISSING:
        target = "kubernetes"
    elif target not in BY_NAME:
        yield at(assigned["TARGET"].node, "TARGET", f"{target!r} is not one of {', '.join(BY_NAME)}")
        target = "kubernetes"
    yield from _files(assigned, target, at, unknown)
    yield from _kinds(assigned, at, unknown)
    yield from _options(assigned, at, unknown)
    yield from _functions(assigned, defined, target, value("SCOPE") is True, at)


def _files(assigned: Mapping[str, _Assigned], target: str, at: Any, unknown: Any) -> Iterator[Problem]:
    from conformance.targets.adapters import BY_NAME

    entry = assigned.get("FILES")
    if entry is None:
        if BY_NAME[target].needs_files and not BY_NAME[target].default_files:
            yield at(None, "FILES", f"missing: a {target} policy names the files it checks (gitignore-style globs)")
    elif entry.value is _UNKNOWN:
        yield from unknown("FILES")
    elif not _strings(entry.value):
        yield at(entry.node, "FILES", "must be a tuple of glob patterns (non-empty strings)")


def _kinds(assigned: Mapping[str, _Assigned], at: Any, unknown: Any) -> Iterator[Problem]:
    from conformance.targets.kinds import kind_name_problem

    entry = assigned.get("KINDS")
    if entry is None or entry.value is None:
        return
    if entry.value is _UNKNOWN:
        yield from unknown("KINDS")
    elif not _strings(entry.value):
        yield at(entry.node, "KINDS", "must be a tuple of kind names, or None for every kind")
    else:
        for name in entry.value:
            problem = kind_name_problem(name)
            if problem is not None:
                yield at(entry.node, "KINDS", problem)


def _options(assigned: Mapping[str, _Assigned], at: Any, unknown: Any) -> Iterator[Problem]:
    entry = assigned.get("OPTIONS")
    if entry is None:
        return
    if entry.value is _UNKNOWN:
        yield from unknown("OPTIONS")
        return
    if not isinstance(entry.value, dict):
        yield at(entry.node, "OPTIONS", "must be a dict {name: {'default': ..., 'description': ..., 'schema': ...}}")
        return
    for name, spec in entry.value.items():
        if not isinstance(spec, dict) or "default" not in spec:
            yield at(entry.node, f"OPTIONS.{name}", "each option is a dict with a 'default'")
        elif "schema" in spec and not isinstance(spec["schema"], dict):
            yield at(entry.node, f"OPTIONS.{name}.schema", "must be a JSON Schema (a dict)")


def _positional(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int, bool]:
    """(positional parameters, how many have defaults, whether *args is taken)."""
    arguments = function.args
    count = len(arguments.posonlyargs) + len(arguments.args)
    return count, len(arguments.defaults), arguments.vararg is not None


def _functions(
    assigned: Mapping[str, _Assigned], defined: Mapping[str, ast.AST], target: str, scope: bool, at: Any
) -> Iterator[Problem]:
    from conformance.targets.adapters import BY_NAME

    wanted = [("check", 2, "check(target, ctx)")]
    if scope:
        if not BY_NAME[target].cross_resource:
            yield at(assigned["SCOPE"].node, "SCOPE", f"a {target} policy cannot be cross-resource")
        wanted.append(("facts", 1, "facts(resource)"))
    for name, arity, signature in wanted:
        node = defined.get(name)
        if node is None:
            if name in assigned:
                yield at(assigned[name].node, name, f"not a def: {signature} is checked only when imported", False)
            else:
                yield at(None, name, f"missing: a module-level function {signature} is required")
        elif isinstance(node, ast.ClassDef):
            yield at(node, name, f"must be a function {signature}, not a class")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if isinstance(node, ast.AsyncFunctionDef):
                yield at(node, name, f"must be a plain function {signature}, not async")
            count, defaults, varargs = _positional(node)
            if not varargs and (count < arity or count - defaults > arity):
                yield at(node, name, f"takes {count} positional parameters; the engine calls {signature}")
