"""``conformance policies list`` filters (target, severity, framework) and its JSON (target, options)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.catalog.discovery import build_catalog
from conformance.catalog.policy import PolicyDefinition
from conformance.cli import cli
from conformance.commands.policy_filters import framework_index, frameworks_of, select, target_of
from conformance.errors import ConfigError

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def listed(*args: str) -> list[dict[str, object]]:
    result = invoke("policies", "list", "-f", "json", *args)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def test_target_filter_lists_exactly_the_policies_of_that_target() -> None:
    docker = {p.stem.replace("_", "-") for p in (POLICIES / "docker").glob("*.py")}
    assert {p["id"] for p in listed("--target", "dockerfile")} == {f"docker/{slug}" for slug in docker}
    workflows = {p["id"] for p in listed("--target", "yaml")}
    assert workflows == {f"gha/{p.stem.replace('_', '-')}" for p in (POLICIES / "gha").glob("*.py")}
    both = {p["id"] for p in listed("--target", "dockerfile", "--target", "yaml")}
    assert both == workflows | {f"docker/{slug}" for slug in docker}


def test_severity_filter_and_its_combination_with_target() -> None:
    notes = listed("--severity", "note")
    assert notes and all(p["severity"] == "note" for p in notes)
    k8s_errors = listed("--target", "kubernetes", "--severity", "error")
    assert "k8s/no-host-network" in {p["id"] for p in k8s_errors}
    assert all(p["severity"] == "error" and p["target"] == "kubernetes" for p in k8s_errors)
    warnings = {p["id"] for p in listed("--severity", "warning")}
    assert not warnings & {p["id"] for p in k8s_errors}


def test_json_lists_target_and_options() -> None:
    by_id = {p["id"]: p for p in listed()}
    assert by_id["repo/readme"]["target"] == "repository"
    assert by_id["gha/job-timeout"]["target"] == "yaml"
    labels = by_id["k8s/required-labels"]["options"]
    assert isinstance(labels, dict) and "labels" in labels
    assert set(labels["labels"]) >= {"default", "description"}
    assert by_id["k8s/no-host-network"]["options"] == {}


def test_the_table_has_a_target_column() -> None:
    result = invoke("policies", "list", "--target", "repository", "--severity", "error")
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "severity", "target", "profiles", "title"]
    assert all(line.split()[2] == "repository" for line in lines[2:])
    assert any(line.startswith("repo/no-private-keys ") for line in lines[2:])


def test_an_unknown_framework_is_a_usage_error() -> None:
    result = invoke("policies", "list", "--framework", "pss-strict")
    assert result.exit_code == 2
    assert "--framework pss-strict: unknown framework (known: cis-kubernetes-5, nsa-cisa-hardening," in result.output


def test_the_framework_filter_uses_the_shipped_framework_data() -> None:
    restricted = {p["id"] for p in listed("--framework", "pss-restricted")}
    baseline = {p["id"] for p in listed("--framework", "pss-baseline")}
    assert {"k8s/no-host-network", "k8s/no-privileged-containers"} <= baseline
    assert baseline < restricted  # restricted includes every baseline control
    assert {"k8s/run-as-non-root", "k8s/no-privilege-escalation"} <= restricted - baseline
    host = next(p for p in listed() if p["id"] == "k8s/no-host-network")
    assert host["frameworks"]["pss-baseline"] == ["host-namespaces"]


@pytest.fixture(scope="module")
def definitions() -> tuple[PolicyDefinition, ...]:
    return build_catalog(entry_points=False).definitions


def test_framework_filter_on_metadata_and_on_framework_data(definitions: tuple[PolicyDefinition, ...]) -> None:
    by_id = {d.id: d for d in definitions}
    host = by_id["k8s/no-host-network"]
    mapped = replace(host, info=replace(host.info, frameworks=("pss-baseline:host-namespaces", "nsa:host-network")))
    assert frameworks_of(mapped.info) == {"pss-baseline": ("host-namespaces",), "nsa": ("host-network",)}
    catalog = [mapped if d.id == host.id else d for d in definitions]
    assert [d.id for d in select(catalog, frameworks=["pss-baseline"])] == ["k8s/no-host-network"]
    data = {"cis-5": ["k8s/no-privileged-containers", "k8s/no-host-pid"]}
    assert framework_index(catalog, data) == {
        "pss-baseline": frozenset({"k8s/no-host-network"}),
        "nsa": frozenset({"k8s/no-host-network"}),
        "cis-5": frozenset({"k8s/no-privileged-containers", "k8s/no-host-pid"}),
    }
    chosen = select(catalog, frameworks=["cis-5", "pss-baseline"], framework_members=data, severities=["error"])
    assert [d.id for d in chosen] == ["k8s/no-host-network", "k8s/no-host-pid", "k8s/no-privileged-containers"]
    with pytest.raises(ConfigError, match="known: cis-5, nsa, pss-baseline"):
        select(catalog, frameworks=["pss"], framework_members=data)


def test_target_of_each_kind_of_builtin(definitions: tuple[PolicyDefinition, ...]) -> None:
    targets = {d.id.split("/")[0]: set() for d in definitions}
    for definition in definitions:
        targets[definition.id.split("/")[0]].add(target_of(definition))
    assert targets == {"k8s": {"kubernetes"}, "repo": {"repository"}, "docker": {"dockerfile"}, "gha": {"yaml"}}
