"""``conformance policies validate``: YAML policies against the format schema with line and field, what loading
finds, Python policies checked statically (never imported unless trusted)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli
from conftest import REPO

VALID_YAML = """\
title: Pods must not use the host network
description: Checked in tests.
severity: error
message: "{resource} uses the host network"
schema:
  properties:
    spec:
      properties:
        hostNetwork: {not: {const: true}}
"""
VALID_PYTHON = '''\
"""Images must be pinned."""
from conformance.api import WORKFLOW_FILES

ID = "acme/pinned"
TITLE = "Images must be pinned"
SEVERITY = "error"
PROFILES = ("acme",)
TARGET = "yaml"
FILES = WORKFLOW_FILES
OPTIONS = {"limit": {"default": 3, "schema": {"type": "integer"}}}


def check(document, ctx, extra=None):
    return iter(())
'''


def invoke(cwd: Path, *args: str) -> Result:
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "policies" / "acme" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_builtin_policies_are_valid() -> None:
    result = invoke(REPO, "policies", "validate", "policies", "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["policies"]) >= 40 and all(p["valid"] for p in report["policies"])


def test_valid_policies_exit_0(tmp_path: Path) -> None:
    write(tmp_path, "no-host-network.yaml", VALID_YAML)
    write(tmp_path, "pinned.py", VALID_PYTHON)
    write(tmp_path, "tests/no-host-network/fail-1.yaml", "kind: [not a policy\n")
    result = invoke(tmp_path, "policies", "validate", "policies")
    assert result.exit_code == 0, result.output
    assert result.output == "2 policies checked: 2 valid, 0 invalid\n"


def test_every_schema_error_has_file_line_and_field(tmp_path: Path) -> None:
    text = VALID_YAML.replace("severity: error", "severity: fatal").replace("schema:", "target:\n  selct: pod\nschema:")
    write(tmp_path, "bad.yaml", text)
    result = invoke(tmp_path, "policies", "validate", "policies")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "policies/acme/bad.yaml:3:1: error: field severity: 'fatal' is not one of ['error', 'warning', 'note']",
        "policies/acme/bad.yaml:5:1: error: field target: Additional properties are not allowed "
        "('selct' was unexpected)",
        "1 policy checked: 0 valid, 1 invalid",
    ]


def test_what_loading_finds_is_reported_at_its_field(tmp_path: Path) -> None:
    write(tmp_path, "template.yaml", VALID_YAML.replace('"{resource} uses the host network"', '"{kind.__class__}"'))
    repository = (
        "title: t\ndescription: d\nseverity: note\nmessage: m\ntarget: {type: repository}\n"
        "checks:\n  - require: [README*]\n  - files: [Dockerfile]\n    must-match: '(unclosed'\n"
    )
    write(tmp_path, "regex.yaml", repository)
    result = invoke(tmp_path, "policies", "validate", "policies")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("policies/acme/regex.yaml:8:5: error: field checks[1]: must-match: not a valid regular")
    assert (
        lines[1] == "policies/acme/template.yaml:4:1: error: field message: {kind.__class__} is not a plain field name"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key: [unclosed\n", "policies/acme/broken.yaml:2:1: error: field (file): "),
        ("- a list\n", "policies/acme/broken.yaml:1:1: error: field (top level): a policy file is a mapping"),
        ("a: 1\n---\nb: 2\n", "policies/acme/broken.yaml:1:1: error: field (file): a policy file holds exactly one"),
    ],
)
def test_unreadable_yaml_is_an_error_not_a_crash(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, "broken.yaml", text)
    result = invoke(tmp_path, "policies", "validate", "policies")
    assert result.exit_code == 1
    assert result.output.startswith(expected), result.output


def test_a_file_name_that_gives_no_valid_id(tmp_path: Path) -> None:
    write(tmp_path, "Team_Label.yaml", VALID_YAML)
    result = invoke(tmp_path, "policies", "validate", "policies")
    assert result.exit_code == 1
    assert "field id: the file's place gives the id 'acme/Team_Label', not <pack>/<kebab-slug>" in result.output


def test_python_problems_are_found_without_importing(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    source = (
        f"open({str(marker)!r}, 'w').close()\n"
        'ID = "acme/Py"\nTITLE = 3\nSEVERITY = "fatal"\nTARGET = "yaml"\nKINDS = ["deployment"]\n'
        'OPTIONS = {"limit": {"description": "no default"}}\n'
        "def check(resource):\n    pass\n"
    )
    write(tmp_path, "bad.py", source)
    result = invoke(tmp_path, "policies", "validate", "policies")
    assert result.exit_code == 1
    assert not marker.exists(), "an untrusted policy was imported"
    fields = [line.split(": ")[2] for line in result.output.splitlines()[:-1]]
    assert fields == [
        "field (docstring)",
        "field FILES",
        "field ID",
        "field TITLE",
        "field SEVERITY",
        "field KINDS",
        "field OPTIONS.limit",
        "field check",
    ]
    assert "bad.py:8:1: error: field check: takes 1 positional parameters; the engine calls check(target, ctx)" in (
        result.output
    )


def test_trusted_python_is_also_imported(tmp_path: Path) -> None:
    write(tmp_path, "computed.py", VALID_PYTHON.replace('SEVERITY = "error"', 'SEVERITY = "err" + "or!"'))
    untrusted = invoke(tmp_path, "policies", "validate", "policies")
    assert untrusted.exit_code == 0
    assert "warning: field SEVERITY: not a literal: checked only when imported" in untrusted.output
    trusted = invoke(tmp_path, "policies", "validate", "policies", "--trust-local-policies")
    assert trusted.exit_code == 1
    assert "error: field SEVERITY: must be one of error, warning, note" in trusted.output


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    assert invoke(tmp_path, "policies", "validate", "nowhere").exit_code == 2


def test_terminal_escapes_in_a_policy_are_not_printed(tmp_path: Path) -> None:
    write(tmp_path, "x\x1b[2J.yaml", VALID_YAML)  # a file name is what a message repeats verbatim
    result = invoke(tmp_path, "policies", "validate", "policies")
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "policies/acme/x\ufffd[2J.yaml:1:1: error: field id:" in result.output
