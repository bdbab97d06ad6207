from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import Config, parse_config
from conformance.errors import ConfigError
from conformance.org.overlay import overlay

BASELINE = [
    "docker/non-root-user",
    "k8s/no-container-runtime-socket",
    "k8s/no-dangerous-capabilities",
    "k8s/no-host-ipc",
    "k8s/no-host-network",
    "k8s/no-host-path-volumes",
    "k8s/no-host-pid",
    "k8s/no-host-ports",
    "k8s/no-privileged-containers",
    "k8s/no-unconfined-seccomp",
    "repo/no-private-keys",
]
WAIVER = {"policy": "k8s/no-host-network", "reason": "node agent", "owner": "sre"}


def config(path: Path, data: dict) -> Config:
    return parse_config(data, path)


def test_the_repository_adds_policies_and_raises_severities_but_removes_nothing(
    tmp_path: Path, builtin_definitions
) -> None:
    org = config(
        tmp_path / "org.yaml",
        {
            "profiles": ["baseline"],
            "severity": {"repo/no-private-keys": "warning"},
            "options": {"k8s/min-replicas": {"min-replicas": 3}},
            "exclude": ["vendor/"],
            "waivers": [WAIVER],
        },
    )
    root = tmp_path / "checkout"
    repository = config(
        root / ".conformance.yaml",
        {
            "enable": ["k8s/min-replicas", "k8s/memory-limits"],
            "disable": ["k8s/no-host-network"],
            "severity": {"k8s/no-host-pid": "note", "repo/no-private-keys": "error", "k8s/min-replicas": "error"},
            "options": {
                "k8s/min-replicas": {"min-replicas": 1},
                "k8s/memory-limits": {"include-init-containers": True},
            },
            "exclude": ["deploy/"],
            "policy-paths": ["policies"],
            "fail-on": "note",
            "waivers": [{**WAIVER, "policy": "k8s/no-host-pid"}],
        },
    )
    merged = overlay(org, repository, builtin_definitions, str(root))
    assert merged.enable == tuple(sorted([*BASELINE, "k8s/memory-limits", "k8s/min-replicas"]))
    assert (merged.profiles, merged.disable) == ((), ())
    assert merged.severity["k8s/no-host-network"] == "error"
    assert merged.severity["k8s/no-host-pid"] == "error"  # lowering is ignored
    assert merged.severity["repo/no-private-keys"] == "error"  # raised over the org's warning
    assert merged.severity["k8s/min-replicas"] == "error"
    assert merged.options == {
        "k8s/min-replicas": {"min-replicas": 3},  # the org's value stands
        "k8s/memory-limits": {"include-init-containers": True},
    }
    assert (merged.exclude, merged.policy_paths, merged.fail_on) == (("vendor/",), (), "error")
    assert [(w.policy, w.index, w.config) for w in merged.waivers] == [
        ("k8s/no-host-network", 0, str(tmp_path / "org.yaml")),
        ("k8s/no-host-pid", 1, str(root / ".conformance.yaml")),
    ]
    assert merged.root == root


def test_a_repository_config_without_selections_adds_nothing(tmp_path: Path, builtin_definitions) -> None:
    org = config(tmp_path / "org.yaml", {"enable": ["k8s/no-host-network"]})
    repository = config(tmp_path / "r" / ".conformance.yaml", {"waivers": [WAIVER]})
    merged = overlay(org, repository, builtin_definitions, str(tmp_path / "r"))
    assert merged.enable == ("k8s/no-host-network",)
    merged = overlay(org, None, builtin_definitions, str(tmp_path / "r"))
    assert (merged.enable, merged.source) == (("k8s/no-host-network",), tmp_path / "r" / ".conformance.yaml")


def test_the_org_forbids_repository_waivers_and_inline_suppressions(tmp_path: Path, builtin_definitions) -> None:
    org = config(tmp_path / "org.yaml", {"profiles": ["baseline"]})
    repository = config(tmp_path / "r" / ".conformance.yaml", {"waivers": [WAIVER]})
    allowed = overlay(org, repository, builtin_definitions, str(tmp_path / "r"))
    assert (len(allowed.waivers), allowed.inline_suppressions) == (1, True)
    strict = overlay(org, repository, builtin_definitions, str(tmp_path / "r"), allow_waivers=False, allow_inline=False)
    assert (strict.waivers, strict.inline_suppressions) == ((), False)
    quiet = config(tmp_path / "q" / ".conformance.yaml", {"inline-suppressions": False})
    assert overlay(org, quiet, builtin_definitions, str(tmp_path / "q")).inline_suppressions is False


def test_an_unknown_selector_of_the_repository_is_a_config_error(tmp_path: Path, builtin_definitions) -> None:
    repository = config(tmp_path / ".conformance.yaml", {"enable": ["k8s/no-such-policy"]})
    with pytest.raises(ConfigError, match="enable: 'k8s/no-such-policy' matches no known policy"):
        overlay(Config(), repository, builtin_definitions, str(tmp_path))
