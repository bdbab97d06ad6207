"""``conformance policies validate [PATH...]``: policy files checked without running them.

A YAML policy is checked against ``schemas/policy.schema.json`` (every error, with its line and field), then
loaded as a scan would load it (message templates, schema references, regexes, the embedded JSON Schema). A
Python policy is parsed with ``ast`` (:mod:`conformance.catalog.static_policy`) and imported only with
``--trust-local-policies``. Exit 0 when every policy is valid, 1 when one is not, 2 on a usage error.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from conformance.catalog.discovery import FIXTURE_DIRECTORY, policy_files
from conformance.catalog.static_policy import POLICY_ID, Problem, check_source
from conformance.errors import EXIT_CLEAN, EXIT_VIOLATIONS, ConfigError, PolicyDefinitionError

POLICY_SUFFIXES = (".yaml", ".yml", ".py")
_FIELD = re.compile(r"^field (?P<field>[^:\s]+): (?P<message>.*)$", re.DOTALL)
_POSITION = re.compile(r"^(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$", re.DOTALL)


def policy_paths(paths: Sequence[str], config_path: str | None) -> list[Path]:
    """The policy files of the named files and directories (else of the config's ``policy-paths``); files
    under a ``tests/`` directory are fixtures and left out."""
    if not paths:
        from conformance.config import resolve_config

        config = resolve_config(Path(config_path) if config_path else None, ["."])
        if not config.policy_paths:
            raise ConfigError("nothing to validate: name policy files or directories, or set policy-paths")
        paths = [str(p) for p in config.policy_paths]
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(policy_files(path))
        elif path.is_file():
            if path.suffix in POLICY_SUFFIXES and FIXTURE_DIRECTORY not in path.parts[:-1]:
                files.append(path)
        else:
            raise ConfigError(f"{name}: no such file or directory")
    return sorted(dict.fromkeys(files))


def _from_error(file: Path, exc: PolicyDefinitionError, node: Any = None) -> Problem:
    """A loader's error (``<file>: field <f>: <message>``) with the field's line when the YAML node is known."""
    text = str(exc).removeprefix(str(file)).removeprefix(": ")
    position = _POSITION.match(text.removeprefix(":"))
    if position is not None:
        return Problem(str(file), int(position["line"]), int(position["column"]), "(file)", position["message"])
    match = _FIELD.match(text)
    if match is None:
        return Problem(str(file), 1, 1, "(file)", text)
    from conformance.config import key_text

    steps = tuple(int(step) if step.isdigit() else step for step in match["field"].split("."))
    line, column = 1, 1
    if node is not None:
        from conformance import yamlio

        span = yamlio.locate(node, steps)
        line, column = span.line, span.column
    return Problem(str(file), line, column, key_text(steps), match["message"])


def yaml_problems(file: Path) -> list[Problem]:
    """Every problem of a YAML policy file (schema errors all at once; then what loading it finds)."""
    from conformance import yamlio
    from conformance.catalog.yaml_policy import load_yaml_policy, policy_format_schema
    from conformance.config import key_text
    from conformance.validation import compile_schema

    source = str(file)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(source, 1, 1, "(file)", f"cannot read the policy: {exc}")]
    loaded = yamlio.load(text)
    fatal = [p for p in loaded.problems if p.fatal]
    if fatal:
        return [Problem(source, p.line, p.column, "(file)", p.message) for p in fatal[:1]]
    if len(loaded.documents) != 1:
        return [Problem(source, 1, 1, "(file)", "a policy file holds exactly one YAML document")]
    document = loaded.documents[0]
    if not isinstance(document.data, dict):
        return [Problem(source, 1, 1, "(top level)", "a policy file is a mapping")]
    policy_id = f"{file.parent.name}/{file.stem}"
    if not POLICY_ID.match(policy_id):
        message = f"the file's place gives the id {policy_id!r}, not <pack>/<kebab-slug>: rename the file"
        return [Problem(source, 1, 1, "id", message)]
    problems = []
    for error in compile_schema(policy_format_schema()).explain(document.data):
        span = yamlio.locate(document.node, tuple(error.path))
        problems.append(Problem(source, span.line, span.column, key_text(error.path), error.message))
    if problems:
        return problems
    try:
        load_yaml_policy(file, policy_id)
    except PolicyDefinitionError as exc:
        return [_from_error(file, exc, document.node)]
    return []


def python_problems(file: Path, trust: bool) -> list[Problem]:
    """The static problems of a Python policy; with ``trust``, also what importing it finds."""
    source = str(file)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(source, 1, 1, "(file)", f"cannot read the policy: {exc}")]
    problems = check_source(text, source)
    if not trust or any(p.error for p in problems):
        return problems
    from conformance.catalog.python_policy import load_python_policy

    try:
        load_python_policy(file)
    except PolicyDefinitionError as exc:
        return [*problems, _from_error(file, exc)]
    return [p for p in problems if not p.needs_import]


def validate(files: Sequence[Path], trust: bool) -> Iterator[tuple[Path, list[Problem]]]:
    for file in files:
        problems = python_problems(file, trust) if file.suffix == ".py" else yaml_problems(file)
        yield file, sorted(problems, key=lambda p: (p.line, p.column))


def run_validate(
    paths: Sequence[str] = (),
    config_path: str | None = None,
    trust_local_policies: bool = False,
    output_format: str = "text",
) -> int:
    results = list(validate(policy_paths(paths, config_path), trust_local_policies))
    invalid = [file for file, problems in results if any(p.error for p in problems)]
    code = EXIT_VIOLATIONS if invalid else EXIT_CLEAN
    if output_format == "json":
        document = {
            "exit_code": code,
            "policies": [
                {
                    "file": str(file),
                    "valid": not any(p.error for p in problems),
                    "problems": [
                        {"line": p.line, "column": p.column, "field": p.field, "message": p.message, "error": p.error}
                        for p in problems
                    ],
                }
                for file, problems in results
            ],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return code
    from conformance.reporters import printable  # file names and messages come from the policy repository

    for _, problems in results:
        for problem in problems:
            print(printable(problem.text()))
    checked = f"{len(results)} {'policy' if len(results) == 1 else 'policies'} checked"
    print(f"{checked}: {len(results) - len(invalid)} valid, {len(invalid)} invalid")
    return code
