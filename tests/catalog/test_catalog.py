from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog, builtin_root
from conformance.catalog.python_policy import load_python_policy
from conformance.catalog.select import configure, matches
from conformance.catalog.yaml_policy import load_yaml_policy, substitute_options, validate_policy_document
from conformance.errors import ConfigError, PolicyDefinitionError
from conformance.yamlio import load

GOOD_POLICY = """\
title: No latest
description: Images must not use latest.
severity: warning
profiles: [hygiene]
target: {kinds: pod-bearing, select: containers}
message: "container {container} uses {value}"
options:
  banned: {default: latest, schema: {type: string}}
schema:
  properties:
    image: {not: {pattern: {$option: banned}}}
"""

PY_POLICY = '''\
"""Every ConfigMap needs data."""
from conformance.model import Violation

ID = "acme/configmap-data"
TITLE = "ConfigMaps carry data"
SEVERITY = "note"
KINDS = ("ConfigMap",)
OPTIONS = {"min": {"default": 1, "schema": {"type": "integer"}}}

def check(resource, ctx):
    if len(resource.data.get("data") or {}) < ctx.options["min"]:
        yield Violation("too little data", ("data",))
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_every_builtin_policy_file_is_valid_against_the_format_schema() -> None:
    files = sorted((builtin_root() / "k8s").glob("[!_]*.yaml"))
    assert len(files) >= 15
    for path in files:
        validate_policy_document(load(path.read_text()).documents[0].data, str(path))


def test_yaml_policy_options_shape_the_schema(tmp_path: Path) -> None:
    path = write(tmp_path / "acme" / "no-latest.yaml", GOOD_POLICY)
    definition = load_yaml_policy(path, "acme/no-latest")
    assert definition.defaults() == {"banned": "latest"}
    assert definition.info.profiles == ("hygiene",)
    assert substitute_options({"a": [{"$option": "banned"}]}, {"banned": "x"}) == {"a": ["x"]}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("title: x\nseverity: error\nmessage: m\nschema: {}\n", "(top level): 'description' is a required"),
        (GOOD_POLICY.replace("severity: warning", "severity: fatal"), "field severity: 'fatal' is not one of"),
        (GOOD_POLICY.replace("select: containers", "select: pods"), "field target.select"),
        (GOOD_POLICY.replace("schema:\n  properties", "schema:\n  type: 12\n  properties"), "field schema"),
        ("- a list\n", "must be a mapping"),
        ("title: [\n", "invalid YAML"),
    ],
)
def test_bad_policy_file_names_the_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path / "acme" / "bad.yaml", text)
    with pytest.raises(PolicyDefinitionError) as info:
        load_yaml_policy(path, "acme/bad")
    assert str(path) in str(info.value)
    assert field in str(info.value)


def test_declared_id_must_match_file_place(tmp_path: Path) -> None:
    path = write(tmp_path / "acme" / "no-latest.yaml", "id: acme/other\n" + GOOD_POLICY)
    with pytest.raises(PolicyDefinitionError, match="field id"):
        load_yaml_policy(path, "acme/no-latest")


def test_python_policy_contract(tmp_path: Path) -> None:
    definition = load_python_policy(write(tmp_path / "acme" / "configmap_data.py", PY_POLICY))
    assert definition.id == "acme/configmap-data"
    assert definition.info.description == "Every ConfigMap needs data."
    policy = definition.build({"min": 1}, "error")
    assert policy.info.severity == "error"
    assert policy.kinds == frozenset({"ConfigMap"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("ID = \"acme/configmap-data\"", "ID = \"Bad Id\""), "field ID"),
        (("SEVERITY = \"note\"", "SEVERITY = \"fatal\""), "field SEVERITY"),
        (("def check(", "def other("), "field check"),
        (("TITLE = \"ConfigMaps carry data\"", ""), "field TITLE"),
        (("KINDS = (\"ConfigMap\",)", "KINDS = 3"), "field KINDS"),
        (("from conformance", "import nonexistent_module_xyz\nfrom conformance"), "importing the policy failed"),
    ],
)
def test_bad_python_policy(tmp_path: Path, change: tuple[str, str], field: str) -> None:
    path = write(tmp_path / "acme" / "p.py", PY_POLICY.replace(*change))
    with pytest.raises(PolicyDefinitionError, match=field):
        load_python_policy(path)


def test_directory_policies_join_builtins_and_duplicates_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "p1" / "acme" / "no-latest.yaml", GOOD_POLICY)
    catalog = build_catalog([(tmp_path / "p1", True)], entry_points=False)
    ids = [d.id for d in catalog.definitions]
    assert "acme/no-latest" in ids and "k8s/no-host-network" in ids
    write(tmp_path / "p2" / "acme" / "no-latest.yaml", GOOD_POLICY)
    with pytest.raises(PolicyDefinitionError) as info:
        build_catalog([(tmp_path / "p1", True), (tmp_path / "p2", True)], entry_points=False)
    assert "duplicate policy id 'acme/no-latest'" in str(info.value)
    assert str(tmp_path / "p1") in str(info.value) and str(tmp_path / "p2") in str(info.value)


def test_untrusted_python_policies_are_not_imported(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    write(tmp_path / "pol" / "acme" / "evil.py", f"open({str(marker)!r}, 'w').write('x')\n")
    catalog = build_catalog([(tmp_path / "pol", False)], entry_points=False)
    assert not marker.exists()
    assert [f.path.name for f in catalog.untrusted] == ["evil.py"]


def test_selection_by_profile_prefix_and_overrides(builtin_definitions) -> None:
    policies = configure(builtin_definitions, profiles=["baseline"])
    assert policies and all("baseline" in p.info.profiles for p in policies)
    policies = configure(
        builtin_definitions,
        enable=["k8s/no-host-"],
        disable=["k8s/no-host-pid"],
        severity={"k8s/no-host-ipc": "note"},
    )
    ids = {p.id for p in policies}
    assert ids == {"k8s/no-host-network", "k8s/no-host-ipc", "k8s/no-host-ports", "k8s/no-host-path-volumes"}
    assert {p.id: p.info.severity for p in policies}["k8s/no-host-ipc"] == "note"
    assert matches("k8s/no-host-pid", "k8s") and not matches("k8sx/a", "k8s")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"enable": ["k8s/nope"]}, "enable: 'k8s/nope' matches no known policy"),
        ({"severity": {"k8s/nope": "error"}}, "severity.k8s/nope: unknown policy id"),
        ({"profiles": ["paranoid"]}, "profile 'paranoid' is unknown"),
        ({"options": {"k8s/required-labels": {"nope": 1}}}, "options.k8s/required-labels.nope: unknown option"),
        ({"options": {"k8s/required-labels": {"labels": "team"}}}, "options.k8s/required-labels.labels"),
    ],
)
def test_selection_errors(builtin_definitions, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        configure(builtin_definitions, **kwargs)
