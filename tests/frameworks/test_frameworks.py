"""The framework data files: schema, completeness of the published controls, and that every mapping is real."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.errors import ConfigError, PolicyDefinitionError
from conformance.frameworks import (
    NOT_COVERED,
    PARTIAL,
    controls_of,
    framework_files,
    load_framework,
    load_frameworks,
    mapped_policies,
    policy_controls,
    resolve,
    unknown_policies,
    with_frameworks,
)

BUILTIN = load_frameworks(framework_files(packs=False))


def test_the_builtin_frameworks() -> None:
    assert sorted(BUILTIN) == ["cis-kubernetes-5", "nsa-cisa-hardening", "pss-baseline", "pss-restricted"]


def test_every_mapped_policy_exists() -> None:
    assert unknown_policies(BUILTIN, build_catalog(entry_points=False).known_ids) == []


def test_pss_lists_every_control_of_the_published_standard() -> None:
    baseline = [c.id for c in BUILTIN["pss-baseline"].controls]
    assert baseline == [
        "host-process",
        "host-namespaces",
        "privileged",
        "capabilities",
        "host-path-volumes",
        "host-ports",
        "apparmor",
        "selinux",
        "proc-mount",
        "seccomp",
        "sysctls",
    ]
    restricted = [c.key for c in controls_of(BUILTIN["pss-restricted"], BUILTIN)]
    assert restricted == [
        *(f"pss-baseline:{c}" for c in baseline),
        "pss-restricted:volume-types",
        "pss-restricted:privilege-escalation",
        "pss-restricted:running-as-non-root",
        "pss-restricted:running-as-non-root-user",
        "pss-restricted:seccomp",
        "pss-restricted:capabilities",
    ]
    not_covered = [c.id for c in BUILTIN["pss-baseline"].controls if c.coverage == NOT_COVERED]
    assert not_covered == ["host-process", "apparmor", "selinux", "proc-mount", "sysctls"]


def test_cis_section_5_control_numbers() -> None:
    ids = [c.id for c in BUILTIN["cis-kubernetes-5"].controls]
    assert ids[:13] == [f"5.1.{n}" for n in range(1, 14)]
    assert ids[13:26] == [f"5.2.{n}" for n in range(1, 14)]
    assert ids[26:] == ["5.3.1", "5.3.2", "5.4.1", "5.4.2", "5.5.1", "5.7.1", "5.7.2", "5.7.3", "5.7.4"]


def test_partial_and_uncovered_controls_say_why() -> None:
    for framework in BUILTIN.values():
        for control in framework.controls:
            if control.coverage in (PARTIAL, NOT_COVERED):
                assert control.note, control.key
            assert bool(control.policies) == (control.coverage != NOT_COVERED), control.key


def test_policy_controls_and_mapped_policies() -> None:
    controls = policy_controls(BUILTIN)
    assert controls["k8s/no-host-pid"] == (
        "cis-kubernetes-5:5.2.3",
        "nsa-cisa-hardening:host-process-namespaces",
        "pss-baseline:host-namespaces",
    )
    assert "k8s/liveness-probe" not in controls
    assert mapped_policies(resolve(["pss-baseline"], BUILTIN), BUILTIN) == (
        "k8s/no-container-runtime-socket",
        "k8s/no-dangerous-capabilities",
        "k8s/no-host-ipc",
        "k8s/no-host-network",
        "k8s/no-host-path-volumes",
        "k8s/no-host-pid",
        "k8s/no-host-ports",
        "k8s/no-privileged-containers",
        "k8s/no-unconfined-seccomp",
    )


def test_an_unknown_framework_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"--framework: no framework 'pss' \(known: cis-kubernetes-5, nsa-cisa"):
        resolve(["pss"], BUILTIN)


def test_policy_info_carries_its_controls() -> None:
    definitions = {d.id: d for d in with_frameworks(build_catalog(entry_points=False).definitions)}
    info = definitions["k8s/seccomp-profile-required"].info
    assert info.frameworks == (
        "cis-kubernetes-5:5.7.2",
        "cis-kubernetes-5:5.7.3",
        "nsa-cisa-hardening:seccomp",
        "pss-restricted:seccomp",
    )
    policy = definitions["k8s/seccomp-profile-required"].build({}, "warning")
    assert (policy.info.frameworks, policy.info.severity) == (info.frameworks, "warning")
    assert definitions["k8s/liveness-probe"].info.frameworks == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\ntitle: t\ncontrols: []\n", "x.yaml:3: key controls: [] should be non-empty"),
        (
            "id: y\ntitle: t\ncontrols: [{id: a, title: t, policies: [k8s/no-host-pid]}]\n",
            "x.yaml: key id: 'y' differs from the file name 'x'",
        ),
        (
            "id: x\ntitle: t\ncontrols:\n  - {id: a, title: t, coverage: not-covered}\n",
            "x.yaml:4: key controls[0]: 'note' is a required property",
        ),
        (
            "id: x\ntitle: t\ncontrols:\n  - {id: a, title: t, coverage: partial, policies: [k8s/no-host-pid]}\n",
            "key controls[0]: 'note' is a required property",
        ),
        ("id: x\ntitle: t\ncontrols:\n  - {id: a, title: t}\n", "key controls[0]: 'policies' is a required property"),
        (
            "id: x\ntitle: t\ncontrols:\n  - {id: a, title: t, policies: [k8s/no-host-pid]}\n"
            "  - {id: a, title: u, policies: [k8s/no-host-pid]}\n",
            "key controls[1].id: 'a' appears twice",
        ),
        ("id: x\ntitle: t\ncontrols:\n  - {id: a, title: t, policies: [NoHost]}\n", "is not a policy id"),
        ("id: x\ntitle: t\ncontrols: [\n", "x.yaml:4:1: invalid YAML"),
    ],
)
def test_bad_framework_files_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(PolicyDefinitionError) as info:
        load_framework(path)
    assert message in str(info.value)


def test_includes_must_exist_and_ids_must_be_unique(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    body = "title: t\ncontrols: [{id: c, title: t, policies: [k8s/no-host-pid]}]\n"
    (tmp_path / "x.yaml").write_text("id: x\nincludes: [nope]\n" + body)
    with pytest.raises(PolicyDefinitionError, match=r"x.yaml: key includes: no framework 'nope'"):
        load_frameworks([tmp_path / "x.yaml"])
    (tmp_path / "x.yaml").write_text("id: x\n" + body)
    (tmp_path / "a" / "x.yaml").write_text("id: x\n" + body)
    with pytest.raises(PolicyDefinitionError, match=r"duplicate framework id 'x'"):
        load_frameworks([tmp_path / "x.yaml", tmp_path / "a" / "x.yaml"])


def test_policies_explain_lists_the_controls() -> None:
    from click.testing import CliRunner

    from conformance.cli import cli

    result = CliRunner().invoke(cli, ["policies", "explain", "k8s/no-host-ports"])
    assert result.exit_code == 0
    assert "Frameworks: cis-kubernetes-5:5.2.13, pss-baseline:host-ports" in result.stdout.splitlines(), result.stdout
