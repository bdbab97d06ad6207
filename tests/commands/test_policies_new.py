"""``conformance policies new``: every kind x target scaffold passes ``policies test`` as written, and is a real
check (its fail fixture fails, and it finds what the example says); ids are checked; nothing is overwritten."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli
from conformance.commands.policies_new import KINDS, TARGETS

COMBINATIONS = [(kind, target) for kind in KINDS for target in TARGETS]


def invoke(cwd: Path, *args: str) -> Result:
    """The CLI run in ``cwd`` (relative paths as a user types them)."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


@pytest.mark.parametrize(("kind", "target"), COMBINATIONS)
def test_a_scaffold_passes_policies_test_and_its_fail_fixture_really_fails(
    tmp_path: Path, kind: str, target: str
) -> None:
    policy_id = f"acme/{kind}-{target}-rule"
    created = invoke(tmp_path, "policies", "new", policy_id, "--kind", kind, "--target", target)
    assert created.exit_code == 0, created.output
    slug = policy_id.split("/")[1]
    stem = slug.replace("-", "_") + ".py" if kind == "python" else slug + ".yaml"
    policy_file = tmp_path / "policies" / "acme" / stem
    assert f"created {policy_file.relative_to(tmp_path)}" in created.output.splitlines()[0]
    assert "conformance policies test policies" in created.output
    fixtures = tmp_path / "policies" / "acme" / "tests" / slug
    names = sorted(p.name for p in fixtures.iterdir())
    assert [n.split(".")[0] for n in names] == ["fail-1", "pass-1"]

    tested = invoke(tmp_path, "policies", "test", "policies", "-f", "json")
    assert tested.exit_code == 0, tested.output
    report = json.loads(tested.stdout)
    (policy,) = report["policies"]
    assert policy["id"] == policy_id and policy["ok"] and policy["missing"] == []
    fail = next(f for f in policy["fixtures"] if f["kind"] == "fail")
    assert fail["ok"] and len(fail["actual"]) >= 1 and len(fail["actual"]) == len(fail["expected"])

    # the check is real: the fail fixture's findings are the policy's, and a pass fixture given the fail
    # fixture's content fails
    fail_path = fixtures / next(n for n in names if n.startswith("fail"))
    pass_path = fixtures / next(n for n in names if n.startswith("pass"))
    if fail_path.is_dir():
        for file in fail_path.rglob("*"):
            if file.is_file() and file.name != "EXPECTED":
                target_file = pass_path / file.relative_to(fail_path)
                target_file.parent.mkdir(parents=True, exist_ok=True)
                target_file.write_text(file.read_text())
        for file in pass_path.rglob("*"):
            if file.is_file() and not (fail_path / file.relative_to(pass_path)).exists():
                file.unlink()
    else:
        pass_path.write_text(fail_path.read_text())
    broken = invoke(tmp_path, "policies", "test", "policies")
    assert broken.exit_code == 1, broken.output
    assert f"{pass_path.name} must pass" in broken.output


@pytest.mark.parametrize("bad", ["acme", "Acme/x", "acme/Team", "acme/team_label", "acme/-x", "acme/a--b", "a/b/c"])
def test_an_invalid_id_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    result = invoke(tmp_path, "policies", "new", bad, "--kind", "yaml")
    assert result.exit_code == 2
    assert "is not a policy id: <pack>/<slug>" in result.output
    assert not (tmp_path / "policies").exists()


def test_nothing_is_overwritten(tmp_path: Path) -> None:
    assert invoke(tmp_path, "policies", "new", "acme/team-label", "--kind", "yaml").exit_code == 0
    policy = tmp_path / "policies" / "acme" / "team-label.yaml"
    policy.write_text("edited\n")
    again = invoke(tmp_path, "policies", "new", "acme/team-label", "--kind", "yaml")
    assert again.exit_code == 2
    assert "policies/acme/team-label.yaml (and 2 more) already exists; nothing was written" in again.output
    other_kind = invoke(tmp_path, "policies", "new", "acme/team-label", "--kind", "python")
    assert other_kind.exit_code == 2, "the same id as a Python policy would be a duplicate"
    assert not (tmp_path / "policies" / "acme" / "team_label.py").exists()
    assert policy.read_text() == "edited\n"


def test_dir_option_and_the_scaffold_scans_through_policy_dir(tmp_path: Path) -> None:
    result = invoke(tmp_path, "policies", "new", "acme/team-label", "--kind", "yaml", "--dir", "standards")
    assert result.exit_code == 0
    fail = tmp_path / "standards" / "acme" / "tests" / "team-label" / "fail-1.yaml"
    scanned = invoke(
        tmp_path,
        "scan",
        "--policy-dir",
        "standards",
        "--policy",
        "acme/",
        "--fail-on",
        "warning",
        "-f",
        "json",
        str(fail),
    )
    assert scanned.exit_code == 1, scanned.output  # the fixtures under tests/ are not loaded as policies
    findings = json.loads(scanned.stdout)["findings"]
    assert [(f["policy"], f["location"]["line"]) for f in findings] == [("acme/team-label", 7), ("acme/team-label", 23)]
