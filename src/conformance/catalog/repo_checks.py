"""Declarative repository checks: the ``checks`` of a YAML policy with ``target: {type: repository}``.

Five check types cover most repository standards without Python:

- ``require: [globs]``: at least one file matches (else one violation at the repository root);
- ``forbid: [globs]``: no file matches (one violation per matching file);
- ``files: [globs]`` with ``must-match: regex``: each matching file contains a match (else a violation at the file);
- ``files: [globs]`` with ``must-not-match: regex``: no matching file contains a match (a violation per match, at
  its line and column);
- ``files: [globs]`` with ``schema: {...}``: each document of each matching YAML or JSON file validates against a
  JSON Schema (a violation per schema error, at the offending value's line).

Globs are gitignore-style over repository-relative paths. Regexes are Python ``re`` syntax, applied with
``re.MULTILINE`` to the file's text; files over 20 MB or not regular files are not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.catalog.policy import format_message
from conformance.errors import PolicyDefinitionError
from conformance.model import Path, Violation
from conformance.targets.repo import Repository, compile_globs
from conformance.validation import Validator, compile_schema, schema_problem

CHECK_TYPES = ("require", "forbid", "must-match", "must-not-match", "schema")


@dataclass(frozen=True)
class RepoCheck:
    """One compiled check: its type, globs, pattern or schema validator, and message template."""

    type: str
    globs: tuple[str, ...]
    matcher: Any
    pattern: re.Pattern[str] | None
    validator: Validator | None
    message: str


def check_type(spec: Mapping[str, Any]) -> str:
    for name in CHECK_TYPES:
        if name in spec:
            return name
    raise PolicyDefinitionError(f"unknown check {sorted(spec)}")


def compile_check(spec: Mapping[str, Any], default_message: str) -> RepoCheck:
    """Compile one check (regexes and schemas are validated here, so a bad policy fails at load time)."""
    kind = check_type(spec)
    globs = tuple(spec[kind] if kind in ("require", "forbid") else spec["files"])
    pattern = None
    validator = None
    if kind in ("must-match", "must-not-match"):
        try:
            pattern = re.compile(spec[kind], re.MULTILINE)
        except re.error as exc:
            raise PolicyDefinitionError(f"{kind}: not a valid regular expression: {exc}") from None
        if pattern.search("") is not None:
            raise PolicyDefinitionError(f"{kind}: the regular expression matches the empty string, so everywhere")
    if kind == "schema":
        problem = schema_problem(spec["schema"])
        if problem is not None:
            raise PolicyDefinitionError(f"schema: not a valid JSON Schema: {problem}")
        validator = compile_schema(spec["schema"])
    return RepoCheck(kind, globs, compile_globs(globs), pattern, validator, spec.get("message", default_message))


def run_check(check: RepoCheck, repository: Repository, options: Mapping[str, Any]) -> Iterator[Violation]:
    """The violations of one check on a repository."""
    base = {"globs": ", ".join(check.globs), "options": options}
    if check.type == "require":
        if not repository.glob(check.matcher):
            yield Violation(format_message(check.message, {**base, "file": "", "error": "missing"}), ())
        return
    for path in repository.glob(check.matcher):
        fields = {**base, "file": path}
        if check.type == "forbid":
            yield Violation(format_message(check.message, {**fields, "error": "present"}), (path,))
        elif check.type == "schema":
            yield from _schema_violations(check, repository, path, fields)
        else:
            yield from _pattern_violations(check, repository, path, fields)


def _pattern_violations(
    check: RepoCheck, repository: Repository, path: str, fields: dict[str, Any]
) -> Iterator[Violation]:
    assert check.pattern is not None
    text = repository.read_text(path)
    if text is None:
        return
    fields["pattern"] = check.pattern.pattern
    if check.type == "must-match":
        if check.pattern.search(text) is None:
            yield Violation(format_message(check.message, {**fields, "error": "no match"}), (path,))
        return
    seen: dict[str, int] = {}
    line, counted = 1, 0  # lines are counted from the previous match on: linear in the file, not quadratic
    for match in check.pattern.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        shown = match.group(0)[:60]
        message = format_message(check.message, {**fields, "match": shown, "line": line, "error": "match"})
        seen[shown] = seen.get(shown, 0) + 1  # identity by what matched, not where: stable when lines move
        yield Violation(message, (path, line, column), key=f"{shown}#{seen[shown]}")


_UNEXPECTED = re.compile(r"properties are not allowed \((.*) (?:was|were) unexpected\)\Z", re.DOTALL)


def _unexpected_key(message: str, instance: Any) -> tuple[Any, ...]:
    """For an ``additionalProperties: false`` error, the first unexpected key as written, so the violation
    points at that key rather than at the mapping holding it; else ``()``."""
    match = _UNEXPECTED.search(message)
    if match is None or not isinstance(instance, Mapping):
        return ()
    named = match.group(1)
    for key in instance:
        if repr(key) in named:
            return (key,)
    return ()


def _schema_violations(
    check: RepoCheck, repository: Repository, path: str, fields: dict[str, Any]
) -> Iterator[Violation]:
    from conformance import yamlio

    assert check.validator is not None
    loaded = repository.load_yaml(path)
    if loaded is None:
        return
    fatal = [problem for problem in loaded.problems if problem.fatal]
    if fatal:
        problem = fatal[0]
        message = format_message(check.message, {**fields, "error": f"not valid YAML: {problem.message}"})
        yield Violation(message, (path, problem.line, problem.column))
        return
    for document in loaded.documents:
        for error in check.validator.errors(document.data):
            span = yamlio.locate(document.node, (*error.path, *_unexpected_key(error.message, error.instance)))
            where = ".".join(str(step) for step in error.path)
            message = format_message(check.message, {**fields, "error": error.message, "path": where})
            location: Path = (path, span.line, span.column)
            yield Violation(message, location, key=f"{document.index}:{where}")
