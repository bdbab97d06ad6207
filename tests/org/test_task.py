from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from gitrepos import CLEAN, HOST_NETWORK, head_of, push, remote, work_tree

from conformance.org.inventory import InventoryEntry
from conformance.org.results import FAILED, REUSED, SCANNED, RepositoryResult
from conformance.org.task import RepositoryTask, scan_repository

ORG = """\
enable: [k8s/no-host-network, k8s/no-host-pid, k8s/no-privileged-containers]
levels:
  - name: bronze
    policies: [k8s/no-host-pid]
  - name: silver
    policies: [k8s/no-host-network]
org:
  gate: error
"""
CATALOG = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: api}\nspec: {owner: group:payments}\n"


@pytest.fixture
def org_config(tmp_path: Path) -> str:
    path = tmp_path / "org.yaml"
    path.write_text(ORG)
    return str(path)


def run(tmp_path: Path, url: str, org: str | None, digest: str = "d1", name: str = "acme/api") -> RepositoryResult:
    task = RepositoryTask(InventoryEntry(name, url=url, tags={"tier": "1"}), str(tmp_path / "cache"), org, digest)
    return scan_repository(pickle.loads(pickle.dumps(task)))


def outcomes(result: RepositoryResult) -> dict[str, str]:
    return {p.policy_id: p.outcome for p in result.policies}


def failing(result: RepositoryResult) -> list[tuple[str, str, int, str]]:
    return [(f.policy_id, f.file, f.line, f.status) for f in result.findings]


def test_a_repository_is_scanned_with_team_level_and_repository_relative_findings(
    tmp_path: Path, org_config: str
) -> None:
    url = remote(tmp_path, "api", {"deploy/pod.yaml": HOST_NETWORK, "catalog-info.yaml": CATALOG})
    result = run(tmp_path, url, org_config)
    assert (result.status, result.reason, result.exit_code) == (SCANNED, None, 1)
    assert (result.id, result.url, result.commit) == ("acme/api", url, head_of(url))
    assert (result.team, result.team_source, dict(result.tags)) == ("payments", "catalog-info", {"tier": "1"})
    assert outcomes(result) == {
        "k8s/no-host-network": "fail",
        "k8s/no-host-pid": "pass",
        "k8s/no-privileged-containers": "pass",
    }
    assert result.level == "bronze"
    assert failing(result) == [("k8s/no-host-network", "deploy/pod.yaml", 7, "fail")]


def test_an_unchanged_commit_is_reused_and_a_new_one_or_new_policies_scanned_again(
    tmp_path: Path, org_config: str
) -> None:
    url = remote(tmp_path, "api", {"deploy/pod.yaml": HOST_NETWORK})
    first = run(tmp_path, url, org_config)
    again = run(tmp_path, url, org_config)
    assert (first.status, again.status) == (SCANNED, REUSED)
    assert (again.findings, again.policies, again.level, again.commit) == (
        first.findings,
        first.policies,
        first.level,
        first.commit,
    )
    assert run(tmp_path, url, org_config, digest="d2").status == SCANNED
    commit = push(tmp_path, "api", {"deploy/pod.yaml": CLEAN})
    fixed = run(tmp_path, url, org_config, digest="d2")
    assert (fixed.status, fixed.commit, fixed.level, fixed.findings) == (SCANNED, commit, "silver", ())


def test_a_scan_error_fails_the_repository_and_keeps_its_findings(tmp_path: Path, org_config: str) -> None:
    url = remote(tmp_path, "api", {"deploy/pod.yaml": HOST_NETWORK, "deploy/broken.yaml": "kind: Pod\nspec: [\n"})
    result = run(tmp_path, url, org_config)
    assert result.status == FAILED
    assert result.reason is not None
    assert result.reason.startswith("1 scan error(s), first: deploy/broken.yaml:3: conformance/parse-error: ")
    assert ("k8s/no-host-network", "deploy/pod.yaml", 7, "fail") in failing(result)
    assert run(tmp_path, url, org_config).status == FAILED  # a failed scan is never reused


def test_a_fetch_failure_is_recorded_with_a_redacted_reason(tmp_path: Path) -> None:
    result = run(tmp_path, "https://bot:hunter2@127.0.0.1:9/acme/api.git", None)
    assert result.status == FAILED
    assert result.url == "https://***@127.0.0.1:9/acme/api.git"
    assert result.reason is not None and result.reason.startswith("could not fetch: git fetch failed: ")
    assert "hunter2" not in repr(result)


def test_a_helm_chart_without_helm_is_scanned(tmp_path: Path, org_config: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    chart = {
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "chart/templates/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n",
        "chart/values.yaml": "name: web\n",
    }
    result = run(tmp_path, remote(tmp_path, "chart", chart), org_config)
    assert (result.status, result.reason) == (SCANNED, None)


WAIVED = HOST_NETWORK.replace(
    "  hostNetwork: true\n", '  # conformance:ignore k8s/no-host-network reason="agent"\n  hostNetwork: true\n'
)
REPOSITORY_WAIVER = "waivers:\n  - {policy: k8s/no-host-network, reason: agent, owner: sre}\n"


@pytest.mark.parametrize(
    ("files", "org_extra", "status"),
    [
        ({"pod.yaml": WAIVED}, "", "suppressed"),
        ({"pod.yaml": WAIVED}, "  allow-inline-suppressions: false\n", "fail"),
        ({"pod.yaml": HOST_NETWORK, ".conformance.yaml": REPOSITORY_WAIVER}, "", "waived"),
        (
            {"pod.yaml": HOST_NETWORK, ".conformance.yaml": REPOSITORY_WAIVER},
            "  allow-repository-waivers: false\n",
            "fail",
        ),
        ({"pod.yaml": HOST_NETWORK, ".conformance.yaml": "disable: [k8s/no-host-network]\n"}, "", "fail"),
    ],
)
def test_what_the_repository_may_suppress_is_the_orgs_decision(
    tmp_path: Path, files: dict[str, str], org_extra: str, status: str
) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(ORG + org_extra)
    result = run(tmp_path, remote(tmp_path, "api", files), str(org))
    assert [(f.policy_id, f.status) for f in result.findings if f.policy_id == "k8s/no-host-network"] == [
        ("k8s/no-host-network", status)
    ]


def test_python_policies_of_the_repository_never_run(tmp_path: Path, org_config: str) -> None:
    marker = tmp_path / "ran"
    policy = f"ID = 'evil/touch'\nopen({str(marker)!r}, 'w').close()\ndef check(target, options):\n    return []\n"
    files = {
        "pod.yaml": CLEAN,
        ".conformance.yaml": "policy-paths: [policies]\n",
        "policies/evil/touch.py": policy,
    }
    result = run(tmp_path, remote(tmp_path, "api", files), org_config)
    assert (result.status, result.findings) == (SCANNED, ())
    assert not marker.exists()


def test_a_bad_repository_config_fails_that_repository_naming_the_key(tmp_path: Path, org_config: str) -> None:
    files = {"pod.yaml": CLEAN, ".conformance.yaml": "severity:\n  k8s/no-host-network: fatal\n"}
    result = run(tmp_path, remote(tmp_path, "api", files), org_config)
    assert (result.status, result.commit is not None, dict(result.tags)) == (FAILED, True, {"tier": "1"})
    assert (
        result.reason is not None and ".conformance.yaml:2: key severity.k8s/no-host-network: 'fatal'" in result.reason
    )
    unknown = {"pod.yaml": CLEAN, ".conformance.yaml": "enable: [k8s/nope]\n"}
    result = run(tmp_path, remote(tmp_path, "other", unknown), org_config, name="other")
    assert (
        result.reason
        == ".conformance.yaml: enable: 'k8s/nope' matches no known policy (did you mean 'k8s/no-host-pid'?)"
    )


def test_a_local_path_is_scanned_in_place_with_its_commit(tmp_path: Path, org_config: str) -> None:
    tree = work_tree(tmp_path / "tree", {"pod.yaml": HOST_NETWORK, "CODEOWNERS": "* @acme/web\n"})
    task = RepositoryTask(InventoryEntry("tree", path=str(tree)), str(tmp_path / "cache"), org_config)
    result = scan_repository(task)
    assert (result.status, result.url, result.team, result.team_source) == (
        SCANNED,
        str(tree),
        "@acme/web",
        "codeowners",
    )
    assert result.commit is not None and len(result.commit) == 40
    assert failing(result) == [("k8s/no-host-network", "pod.yaml", 7, "fail")]
    assert scan_repository(task).status == SCANNED  # a work tree may have changed without a commit: never reused
