from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conformance.config import load_config
from conformance.config_merge import deep_merge
from conformance.errors import ConfigError


@pytest.fixture(autouse=True)
def _inside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # files are named relative to the current directory


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _load(tmp_path: Path, parent: str, child: str) -> object:
    _repo(tmp_path, {"org.yaml": parent, "svc/.conformance.yaml": "extends: ../org.yaml\n" + child})
    return load_config(tmp_path / "svc" / ".conformance.yaml")


def test_lists_are_a_union_parent_first(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "profiles: [baseline]\nenable: [k8s]\ndisable: [k8s/no-host-pid]\nexclude: [vendor/]\n",
        "profiles: [restricted, baseline]\nenable: [repo]\ndisable: [k8s/liveness-probe]\nexclude: [gen/]\n",
    )
    assert config.profiles == ("baseline", "restricted")
    assert config.enable == ("k8s", "repo")
    assert config.disable == ("k8s/no-host-pid", "k8s/liveness-probe")
    assert config.exclude == ("vendor/", "gen/")


def test_maps_merge_deeply_and_the_child_wins(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "severity: {k8s/no-host-pid: warning, k8s/no-host-ipc: note}\n"
        "options: {k8s/required-labels: {labels: [team, tier]}, k8s/min-replicas: {minimum: 3}}\n",
        "severity: {k8s/no-host-pid: error}\noptions: {k8s/required-labels: {labels: [owner]}}\n",
    )
    assert config.severity == {"k8s/no-host-pid": "error", "k8s/no-host-ipc": "note"}
    assert config.options == {"k8s/required-labels": {"labels": ["owner"]}, "k8s/min-replicas": {"minimum": 3}}


def test_deep_merge_keeps_parent_keys_below_the_top() -> None:
    assert deep_merge({"a": {"b": 1, "c": {"d": 2}}}, {"a": {"c": {"e": 3}}, "f": [1]}) == {
        "a": {"b": 1, "c": {"d": 2, "e": 3}},
        "f": [1],
    }


def test_scalars_child_wins_only_when_set(tmp_path: Path) -> None:
    config = _load(tmp_path, "fail-on: warning\npolicy-timeout: 3\ninline-suppressions: false\n", "max-file-size: 9\n")
    assert (config.fail_on, config.policy_timeout, config.inline_suppressions, config.max_file_size) == (
        "warning",
        3.0,
        False,
        9,
    )
    config = _load(tmp_path, "fail-on: warning\n", "fail-on: note\n")
    assert config.fail_on == "note"


def test_waivers_are_concatenated_and_keep_their_file(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "waivers:\n  - {policy: k8s/no-host-pid, reason: a, owner: org}\n",
        "waivers:\n  - {policy: k8s/no-host-ipc, reason: b, owner: team}\n",
    )
    assert [(w.policy, Path(w.config).name, w.index) for w in config.waivers] == [
        ("k8s/no-host-pid", "org.yaml", 0),
        ("k8s/no-host-ipc", ".conformance.yaml", 0),
    ]
    assert config.source == tmp_path / "svc" / ".conformance.yaml"
    assert config.chain == ("org.yaml", "svc/.conformance.yaml")


def test_workloads_of_the_same_kind_are_replaced_by_the_child(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "workloads:\n  - {kind: argoproj.io/Rollout, pod-templates: [spec.template]}\n"
        "  - {kind: example.com/Job, pod-templates: [spec.job]}\n",
        "workloads:\n  - {kind: argoproj.io/Rollout, pod-templates: [spec.other]}\n",
    )
    assert [(w["kind"], w["pod-templates"]) for w in config.workloads] == [
        ("example.com/Job", ["spec.job"]),
        ("argoproj.io/Rollout", ["spec.other"]),
    ]


@pytest.mark.parametrize(
    ("locked", "child", "message"),
    [
        (
            "[disable]",
            "disable: [k8s/no-host-pid]\n",
            "key disable[0]: disables 'k8s/no-host-pid', but disable is locked",
        ),
        (
            "[disable]",
            "profiles: [baseline]\n",
            "key profiles: narrows the selection to baseline, but disable is locked",
        ),
        ("[disable]", "enable: [k8s/no-host-pid]\n", "key enable: narrows the selection to k8s/no-host-pid"),
        ("[severity]", "severity: {k8s/no-host-ipc: note}\n", "lowers k8s/no-host-ipc from warning to note"),
        ("[inline-suppressions]", "inline-suppressions: true\n", "turns inline suppressions on"),
        (
            "[waivers]",
            "waivers:\n  - {policy: k8s/no-host-pid, reason: x, owner: y}\n",
            "adds a waiver for k8s/no-host-pid",
        ),
        ("[exclude]", "exclude: [charts/]\n", "key exclude[0]: excludes 'charts/', but exclude is locked"),
        ("[fail-on]", "fail-on: error\n", "raises fail-on from warning to error"),
        ("true", "disable: [k8s/no-host-pid]\n", "disable is locked by org.yaml"),
        (
            "[options]",
            "options: {k8s/required-labels: {labels: []}}\n",
            "key options.k8s/required-labels: sets options",
        ),
    ],
)
def test_a_lock_forbids_loosening_naming_key_child_and_parent(
    tmp_path: Path, locked: str, child: str, message: str
) -> None:
    parent = f"locked: {locked}\nseverity: {{k8s/no-host-ipc: warning}}\ninline-suppressions: false\nfail-on: warning\n"
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, parent, child)
    text = str(info.value)
    assert message in text
    assert text.startswith("svc/.conformance.yaml")
    assert "locked by org.yaml" in text


@pytest.mark.parametrize(
    "child",
    [
        "severity: {k8s/no-host-ipc: error}\n",  # raising is tightening
        "fail-on: note\n",
        "inline-suppressions: false\n",
        "profiles: [restricted]\n",  # the parent selects profiles: a union only widens
    ],
)
def test_a_lock_allows_tightening(tmp_path: Path, child: str) -> None:
    parent = "locked: true\nprofiles: [baseline]\nseverity: {k8s/no-host-ipc: warning}\nfail-on: warning\n"
    config = _load(tmp_path, parent, child)
    assert config.locked.keys() == {
        "disable",
        "severity",
        "inline-suppressions",
        "waivers",
        "exclude",
        "fail-on",
        "options",
    }


def test_locks_bind_grandchildren_and_a_child_cannot_unlock(tmp_path: Path) -> None:
    _repo(
        tmp_path,
        {
            "org.yaml": "locked: [waivers]\n",
            "team.yaml": "extends: org.yaml\nlocked: false\n",
            ".conformance.yaml": "extends: team.yaml\nwaivers:\n  - {policy: k8s/no-host-pid, reason: x, owner: y}\n",
        },
    )
    with pytest.raises(ConfigError, match=r"adds a waiver for k8s/no-host-pid, but waivers is locked by org.yaml"):
        load_config(tmp_path / ".conformance.yaml")


@pytest.mark.parametrize("order", ["strict.yaml, team.yaml", "team.yaml, strict.yaml"])
def test_the_order_of_files_extended_side_by_side_cannot_lift_a_lock(tmp_path: Path, order: str) -> None:
    _repo(
        tmp_path,
        {
            "strict.yaml": "locked: [disable, waivers]\nprofiles: [baseline]\n",
            "team.yaml": "disable: [k8s/no-host-pid]\n",
            ".conformance.yaml": f"extends: [{order}]\n",
        },
    )
    with pytest.raises(ConfigError, match=r"disables 'k8s/no-host-pid', but disable is locked by strict.yaml"):
        load_config(tmp_path / ".conformance.yaml")


def test_a_file_is_not_bound_by_its_own_lock(tmp_path: Path) -> None:
    _repo(tmp_path, {".conformance.yaml": "locked: true\ndisable: [k8s/no-host-pid]\n"})
    assert load_config(tmp_path / ".conformance.yaml").disable == ("k8s/no-host-pid",)


def test_severity_below_the_policy_default_under_a_lock_fails_the_scan(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conformance.cli import cli

    _repo(
        tmp_path,
        {
            "org.yaml": "locked: [severity]\n",
            ".conformance.yaml": "extends: org.yaml\nseverity: {k8s/no-host-pid: note}\n",
            "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
            "  containers: [{name: a, image: a:1}]\n",
        },
    )
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "pod.yaml"), "--config", str(tmp_path / ".conformance.yaml")]
    )
    assert result.exit_code == 2
    assert "key severity.k8s/no-host-pid: lowers k8s/no-host-pid from error (its own severity) to note" in result.output
    assert "severity is locked by org.yaml" in result.output


def test_a_waiver_from_the_parent_suppresses_and_names_its_file(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from conformance.cli import cli

    _repo(
        tmp_path,
        {
            "org.yaml": "waivers:\n  - {policy: k8s/no-host-pid, reason: legacy agent, owner: platform}\n"
            "  - {policy: k8s/no-host-ipc, reason: stale, owner: platform}\n",
            ".conformance.yaml": "extends: org.yaml\nenable: [k8s/no-host-pid, k8s/no-host-ipc]\n"
            "waivers:\n  - {policy: k8s/no-host-ipc, reason: team, owner: team}\n",
            "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  hostIPC: true\n"
            "  containers: [{name: a, image: a:1}]\n",
        },
    )
    result = CliRunner().invoke(cli, ["scan", ".", "-f", "json"])
    report = json.loads(result.output)
    suppressed = {f["policy"]: f["suppression"]["source"] for f in report["findings"] if f["suppression"]}
    # the first waiver that matches wins: the parent's come first, so the child's own is stale
    assert suppressed == {"k8s/no-host-pid": "org.yaml:2", "k8s/no-host-ipc": "org.yaml:3"}
    stale = [
        (f["location"]["file"], f["location"]["line"])
        for f in report["findings"]
        if f["policy"].endswith("stale-waiver")
    ]
    assert stale == [(".conformance.yaml", 4)]
