"""The authoring guide's four worked examples: real policies under examples/, run through the CLI on their
fixtures with exact lines, and printed in docs/policy-authoring.md exactly as they are in the files."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.catalog.discovery import build_catalog
from conformance.cli import cli
from conformance.testing.fixtures import missing_fixtures, run_fixtures
from conftest import REPO

EXAMPLES = REPO / "examples"
POLICIES = EXAMPLES / "policies"
FIXTURES = EXAMPLES / "fixtures"
GUIDE = REPO / "docs" / "policy-authoring.md"
PACK = "acme-guide"


def definitions():
    catalog = build_catalog([(POLICIES, True)], entry_points=False)
    return [d for d in catalog.definitions if d.id.startswith(f"{PACK}/")]


def scan(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["scan", "--policy-dir", str(POLICIES), *args], catch_exceptions=False)
    lines = [line for line in result.output.splitlines() if re.match(r"^\S+:\d+:\d+ ", line)]
    return result.exit_code, lines


def where(lines: list[str]) -> list[str]:
    """``file:line:column policy`` of each finding line, the file relative to the fixtures."""
    out = []
    for line in lines:
        location, _, policy = line.split(" ")[:3]
        for prefix in (f"{FIXTURES}/", f"{FIXTURES.relative_to(REPO)}/"):
            location = location.removeprefix(prefix)
        out.append(f"{location} {policy}")
    return out


def test_the_pack_has_the_four_examples_each_with_pass_and_fail_fixtures() -> None:
    found = definitions()
    assert sorted(d.id for d in found) == [
        "acme-guide/approved-registries",
        "acme-guide/configmap-exists",
        "acme-guide/production-replicas",
        "acme-guide/runbook",
    ]
    assert missing_fixtures(found, FIXTURES) == {}


def test_every_fixture_gives_exactly_its_marked_lines() -> None:
    results = run_fixtures(definitions(), FIXTURES)
    assert len(results) == 12
    assert [(r.fixture.name, r.errors) for r in results if not r.ok] == []
    assert sum(len(r.expected) for r in results) == 11


def test_example_1_single_field_with_match_exclude_and_an_option_in_the_schema() -> None:
    folder = FIXTURES / PACK / "production-replicas"
    code, lines = scan("--policy", f"{PACK}/production-replicas", str(folder / "fail-prod.yaml"))
    assert code == 1
    assert where(lines) == [
        "acme-guide/production-replicas/fail-prod.yaml:8:3 acme-guide/production-replicas",
        "acme-guide/production-replicas/fail-prod.yaml:19:1 acme-guide/production-replicas",
    ]
    assert "runs 1 replica(s); production needs at least 2" in lines[0]
    assert scan("--policy", f"{PACK}/production-replicas", str(folder / "pass-prod.yaml")) == (0, [])


def test_example_1_min_replicas_comes_from_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / ".conformance.yaml"
    config.write_text("options:\n  acme-guide/production-replicas: {min-replicas: 3}\n")
    manifest = FIXTURES / PACK / "production-replicas" / "fail-options.yaml"
    code, lines = scan("--config", str(config), "--policy", f"{PACK}/production-replicas", str(manifest))
    assert (code, where(lines)) == (
        1,
        [f"acme-guide/production-replicas/fail-options.yaml:9:3 {PACK}/production-replicas"],
    )
    assert "runs 2 replica(s); production needs at least 3" in lines[0]


def test_example_2_per_container_with_an_allow_list_and_a_cel_expression() -> None:
    folder = FIXTURES / PACK / "approved-registries"
    code, lines = scan("--policy", f"{PACK}/approved-registries", str(folder / "fail-registries.yaml"))
    assert code == 1
    assert where(lines) == [
        f"{PACK}/approved-registries/fail-registries.yaml:12:11 {PACK}/approved-registries",
        f"{PACK}/approved-registries/fail-registries.yaml:17:11 {PACK}/approved-registries",
        f"{PACK}/approved-registries/fail-registries.yaml:20:11 {PACK}/approved-registries",
    ]
    assert lines[0].endswith(
        "init container 'migrate' pulls ghcr.io/someone-else/migrate:7, which is not in an approved registry "
        "(registry.acme.example/, ghcr.io/acme/) (Deployment/shop/web)"
    )
    assert "container 'web' pulls with imagePullPolicy Never; allowed: Always, IfNotPresent" in lines[1]
    assert scan("--policy", f"{PACK}/approved-registries", str(folder / "pass-approved.yaml")) == (0, [])


def test_example_3_cross_resource_in_python() -> None:
    folder = FIXTURES / PACK / "configmap-exists"
    code, lines = scan("--policy", f"{PACK}/configmap-exists", str(folder / "fail-missing.yaml"))
    assert (code, where(lines)) == (1, [f"{PACK}/configmap-exists/fail-missing.yaml:19:7 {PACK}/configmap-exists"])
    assert "mounts ConfigMap 'web-config', which no manifest in its namespace defines" in lines[0]
    assert scan("--policy", f"{PACK}/configmap-exists", str(folder / "pass-defined.yaml")) == (0, [])
    # the pass fixture defines web-config in the namespace: scanned together, both pass
    assert scan("--policy", f"{PACK}/configmap-exists", str(folder)) == (0, [])


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ("pass-root", []),
        ("fail-missing", [". acme-guide/runbook"]),
        ("fail-sections", ["RUNBOOK.md:1:1 acme-guide/runbook", "RUNBOOK.md:5:1 acme-guide/runbook"]),
    ],
)
def test_example_4_the_repository(tmp_path: Path, tree: str, expected: list[str]) -> None:
    root = tmp_path / "service"
    shutil.copytree(FIXTURES / PACK / "runbook" / tree, root, ignore=shutil.ignore_patterns("EXPECTED"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    code, lines = scan("--policy", f"{PACK}/runbook", "--fail-on", "warning", str(root))
    found = []
    for line in lines:
        location, _, policy = line.split(" ")[:3]
        relative = location.replace(str(root), "")
        found.append(f"{'.' if relative.startswith(':') else relative.lstrip('/')} {policy}")
    assert (code, found) == (1 if expected else 0, expected)


def test_the_guide_prints_each_example_exactly_as_the_file_holds_it() -> None:
    guide = GUIDE.read_text("utf-8")
    shown = re.findall(r"<!-- example: (\S+) -->\n```\w+\n(.*?)\n```\n", guide, re.DOTALL)
    assert sorted(path for path, _ in shown) == sorted(
        str(p.relative_to(REPO)) for p in (POLICIES / PACK).iterdir() if p.suffix in (".yaml", ".py")
    )
    for path, text in shown:
        assert text == (REPO / path).read_text("utf-8").rstrip("\n"), f"{path} differs from the guide"
