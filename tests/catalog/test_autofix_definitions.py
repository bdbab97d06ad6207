"""How policies declare fixes: YAML ``autofix`` (operations or why not), Python ``fix()`` / ``NO_FIX``, and what
``policies explain`` says about it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from conformance.catalog.python_policy import definition_from_module
from conformance.catalog.yaml_policy import load_yaml_policy
from conformance.cli import cli
from conformance.errors import PolicyDefinitionError
from conformance.fix.operations import NotApplicable, Operation
from conformance.model import Violation
from conformance.targets import kubernetes as k8s
from conftest import FIXING_POLICIES

POLICY = """\
title: Pods set a priority class
description: Every pod names its priority class.
severity: warning
message: "no priorityClassName"
target: {kinds: pod-bearing, select: pod-spec}
options:
  class: {default: standard}
schema: {required: [priorityClassName]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "priority.yaml"
    path.write_text(text)
    return path


def test_every_required_builtin_fixes(builtin_definitions: list) -> None:
    by_id = {d.id: d for d in builtin_definitions}
    assert [i for i in FIXING_POLICIES if not by_id[i].fixes] == []
    assert by_id["k8s/image-tag-pinned"].fixes is False
    assert "never invents one" in by_id["k8s/image-tag-pinned"].no_fix_reason


def test_yaml_operations_take_option_values_and_are_relative_to_the_selected_node(tmp_path: Path) -> None:
    text = POLICY + "autofix:\n  operations:\n    - {op: add, path: /priorityClassName, value: {$option: class}}\n"
    definition = load_yaml_policy(_write(tmp_path, text), "acme/priority")
    assert definition.fixes
    policy = definition.build({"class": "batch-low"}, "warning")
    data = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": {}}}}
    resource = k8s.make_resource(data, "j.yaml", 0, (), None)
    (violation,) = policy.check(resource, None)
    assert policy.fixer is not None
    assert tuple(policy.fixer(violation, resource, None)) == (
        Operation("add", ("spec", "template", "spec", "priorityClassName"), "batch-low"),
    )
    with pytest.raises(NotApplicable, match="not found again"):
        policy.fixer(Violation("other", ("spec",)), resource, None)


@pytest.mark.parametrize(
    ("autofix", "message"),
    [
        ("autofix: {operations: [{op: move, path: /a}]}", "field autofix.operations.0.op"),
        ("autofix: {operations: [{op: add, path: a, value: 1}]}", "field autofix.operations.0.path"),
        ("autofix: {operations: [{op: replace, path: /a}]}", "autofix.operations.0: a replace operation needs a value"),
        ("autofix: {unavailable: x, operations: [{op: remove, path: /a}]}", "field autofix"),
        ("autofix: {operations: [{op: add, path: /a, value: {$option: nope}}]}", "unknown option 'nope'"),
    ],
)
def test_a_bad_autofix_names_the_file_and_field(tmp_path: Path, autofix: str, message: str) -> None:
    path = _write(tmp_path, POLICY + autofix + "\n")
    with pytest.raises(PolicyDefinitionError, match=str(path)) as caught:
        load_yaml_policy(path, "acme/priority")
    assert message in str(caught.value)


def test_repository_policies_cannot_fix(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        title: t
        description: d
        severity: note
        message: m
        target: {type: repository}
        checks: [{require: [README.md]}]
        autofix: {operations: [{op: add, path: /a, value: 1}]}
        """
    )
    with pytest.raises(PolicyDefinitionError, match=r"autofix\.operations: repository policies cannot fix"):
        load_yaml_policy(_write(tmp_path, text), "acme/readme")


def _module(**names: object) -> ModuleType:
    module = ModuleType("acme_policy")
    module.__doc__ = "A policy."
    module.ID, module.TITLE, module.SEVERITY = "acme/p", "P", "note"
    module.check = lambda target, ctx: iter(())
    for name, value in names.items():
        setattr(module, name, value)
    return module


def test_python_fix_and_no_fix_are_checked() -> None:
    assert definition_from_module(_module(fix=lambda v, t, c: ()), "p.py").fixes
    assert definition_from_module(_module(NO_FIX=" needs a human "), "p.py").no_fix_reason == "needs a human"
    with pytest.raises(PolicyDefinitionError, match=r"p\.py: field fix: must be a fix"):
        definition_from_module(_module(fix="add"), "p.py")
    with pytest.raises(PolicyDefinitionError, match=r"p\.py: field NO_FIX: must be a string"):
        definition_from_module(_module(NO_FIX=True), "p.py")


@pytest.mark.parametrize(
    ("policy_id", "line"),
    [
        ("k8s/no-host-network", "Autofix: yes: `conformance fix` rewrites the offending files"),
        ("k8s/memory-limits", "Autofix: no: a memory quantity depends on the workload: conformance never invents one"),
        ("k8s/liveness-probe", "Autofix: no: a probe needs the application's health endpoint"),
        ("repo/readme", "Autofix: no: the policy declares no fix"),
    ],
)
def test_explain_says_whether_and_why_not(policy_id: str, line: str) -> None:
    result = CliRunner().invoke(cli, ["policies", "explain", policy_id], catch_exceptions=False)
    assert result.exit_code == 0
    assert line in result.stdout
