"""Issue 11's rough edges: standard output and devices as report targets, empty standard input, stale waivers
and unused inline suppressions, repository targets on subdirectories, command-line excludes, unknown ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conformance.cli import cli
from conftest import FIXTURES

DEPLOYMENT = FIXTURES / "examples" / "shop-frontend.yaml"


def invoke(*args: str, input: str | bytes | None = None, cwd: Path | None = None):
    runner = CliRunner()
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)
    finally:
        os.chdir(old)


def console(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "conformance"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120, cwd=cwd, input=input)


# --- -o and --report to standard output and devices ------------------------------------------------------------


def test_output_dash_is_standard_output(tmp_path: Path) -> None:
    result = console("scan", str(DEPLOYMENT), "-f", "json", "-o", "-", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["summary"]["exit_code"] == 1
    assert not (tmp_path / "-").exists()


def test_output_dev_stdout_into_a_pipe(tmp_path: Path) -> None:
    result = console("scan", str(DEPLOYMENT), "-f", "json", "-o", "/dev/stdout", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["schema_version"] == 1


def test_report_to_standard_output_and_dev_stderr(tmp_path: Path) -> None:
    result = console(
        "scan", str(DEPLOYMENT), "-o", str(tmp_path / "r.txt"), "--report", "sarif=-", "--report", "json=/dev/stderr"
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["version"] == "2.1.0"
    assert '"schema_version": 1' in result.stderr
    assert "k8s/no-host-network" in (tmp_path / "r.txt").read_text()


def test_report_dash_without_output_is_refused() -> None:
    result = invoke("scan", str(DEPLOYMENT), "--report", "sarif=-")
    assert result.exit_code == 2
    assert "standard output" in result.output


def test_output_to_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    result = invoke("scan", str(DEPLOYMENT), "-f", "json", "-o", str(fifo))
    out, _ = reader.communicate(timeout=30)
    assert result.exit_code == 1
    assert json.loads(out)["schema_version"] == 1
    assert fifo.is_fifo()


def test_readme_pre_commit_rev_is_not_a_missing_tag() -> None:
    readme = (FIXTURES.parent / "README.md").read_text()
    revs = [line.split("rev:", 1)[1].strip() for line in readme.splitlines() if line.strip().startswith("rev:")]
    assert revs, "the README shows a pre-commit snippet"
    tags = subprocess.run(["git", "tag"], capture_output=True, text=True, cwd=FIXTURES.parent).stdout.split()
    for rev in revs:
        assert rev.split()[0] in tags or "commit SHA" in rev, rev
    assert "full commit SHA of `main`" in readme


# --- empty standard input -------------------------------------------------------------------------------------


def test_empty_standard_input_is_a_scan_error() -> None:
    for empty in ("", "\n  \n"):
        result = invoke("scan", "-", input=empty)
        assert result.exit_code == 2, result.output
        assert "<stdin>:1:1 error conformance/read-error standard input is empty" in result.output


def test_empty_standard_input_allowed_by_option() -> None:
    result = invoke("scan", "-", "--allow-empty-input", input="")
    assert result.exit_code == 0, result.output


def test_empty_standard_input_through_a_pipe() -> None:
    result = console("scan", "-", "-f", "json", input="")
    assert result.returncode == 2
    assert [e["policy"] for e in json.loads(result.stdout)["errors"]] == ["conformance/read-error"]


# --- stale waivers --------------------------------------------------------------------------------------------

WAIVED = """\
waivers:
  - policy: k8s/no-host-network
    reason: the node exporter reads host network statistics
    owner: "@acme/platform"
    match: {kind: Deployment, name: frontend}
  - policy: k8s/no-host-pid
    reason: nothing needs it any more
    owner: "@acme/platform"
"""


def _git_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _stale(document: dict) -> list[str]:
    return [f["message"] for f in document["findings"] if f["policy"] == "conformance/stale-waiver"]


def test_waivers_of_policies_that_did_not_run_are_not_stale(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "repo")
    (repo / ".conformance.yaml").write_text(WAIVED)
    (repo / "app.yaml").write_text(DEPLOYMENT.read_text())
    whole = json.loads(invoke("scan", ".", "-f", "json", cwd=repo).output)
    assert [m.split(" matched")[0] for m in _stale(whole)] == [
        "waiver waivers[1] for k8s/no-host-pid (owner @acme/platform)"
    ]
    repository = json.loads(invoke("scan", "--target", "repository", ".", "-f", "json", cwd=repo).output)
    assert _stale(repository) == []
    selected = json.loads(invoke("scan", ".", "--policy", "k8s/no-host-network", "-f", "json", cwd=repo).output)
    assert _stale(selected) == []
    network = json.loads(invoke("scan", ".", "--policy", "k8s/no-host-pid", "-f", "json", cwd=repo).output)
    assert len(_stale(network)) == 1


# --- dangling symbolic links ----------------------------------------------------------------------------------


def test_a_dangling_link_inside_the_tree_is_a_note(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "testdata").mkdir(parents=True)
    (tree / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns}\ndata: {}\n")
    (tree / "testdata" / "link-to-nowhere.yaml").symlink_to("missing.yaml")
    (tree / "outside.yaml").symlink_to(tmp_path / "missing-outside.yaml")
    result = invoke("scan", str(tree), "-f", "json", cwd=tmp_path)
    document = json.loads(result.output)
    notes = [(f["policy"], f["severity"], f["location"]["file"]) for f in document["findings"]]
    assert ("conformance/broken-link", "note", "tree/testdata/link-to-nowhere.yaml") in notes
    assert [(e["policy"], e["location"]["file"]) for e in document["errors"]] == [
        ("conformance/read-error", "tree/outside.yaml")
    ]
    (tree / "outside.yaml").unlink()
    assert invoke("scan", str(tree), cwd=tmp_path).exit_code == 0


# --- unused inline suppressions -------------------------------------------------------------------------------

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  # conformance:ignore k8s/no-host-network,k8s/no-host-pid reason="the exporter reads host statistics"
  hostNetwork: true
  containers:
    - name: web
      image: nginx:1.27
"""


def _unused(document: dict) -> list[tuple[int, int, str]]:
    return [
        (f["location"]["line"], f["location"]["column"], f["message"].split(" matched")[0])
        for f in document["findings"]
        if f["policy"] == "conformance/unused-suppression"
    ]


def test_unused_part_of_an_inline_suppression_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    result = invoke("scan", "pod.yaml", "-f", "json", "--fail-on", "warning", cwd=tmp_path)
    document = json.loads(result.output)
    assert _unused(document) == [(5, 3, "inline suppression of k8s/no-host-pid")]
    [unused] = [f for f in document["findings"] if f["policy"] == "conformance/unused-suppression"]
    assert (unused["severity"], unused["status"]) == ("warning", "active")
    assert result.exit_code == 1
    text = invoke("scan", "pod.yaml", "--no-color", cwd=tmp_path).output
    assert "pod.yaml:5:3 warning conformance/unused-suppression inline suppression of k8s/no-host-pid" in text


def test_unused_suppression_only_for_policies_that_ran(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    document = json.loads(
        invoke("scan", "pod.yaml", "-f", "json", "--policy", "k8s/no-host-network", cwd=tmp_path).output
    )
    assert _unused(document) == []
    (tmp_path / "pod.yaml").write_text(POD.replace("hostNetwork: true", "hostNetwork: false"))
    document = json.loads(invoke("scan", "-", "-f", "json", input=(tmp_path / "pod.yaml").read_text()).output)
    assert [u[2] for u in _unused(document)] == [
        "inline suppression of k8s/no-host-network",
        "inline suppression of k8s/no-host-pid",
    ]


def test_no_unused_suppression_in_a_file_with_a_scan_error(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD + "---\nkey: [unclosed\n")
    document = json.loads(invoke("scan", "pod.yaml", "-f", "json", cwd=tmp_path).output)
    assert document["errors"] and _unused(document) == []


# --- --target repository on a subdirectory --------------------------------------------------------------------


def test_target_repository_checks_a_subdirectory_as_a_repository(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "mono")
    (repo / "README.md").write_text("# mono\n\nAll services of the shop, with their deployment manifests.\n")
    (repo / "svc").mkdir()
    (repo / "svc" / "main.py").write_text("print('hi')\n")
    document = json.loads(
        invoke("scan", "--target", "repository", "svc", "-f", "json", "--policy", "repo/readme", cwd=repo).output
    )
    assert [(f["policy"], f["location"]["file"]) for f in document["findings"]] == [("repo/readme", "svc")]
    (repo / "svc" / "README.md").write_text("# svc\n\nThe shop's checkout service: takes orders and payments.\n")
    assert invoke("scan", "--target", "repository", "svc", "--policy", "repo/readme", cwd=repo).exit_code == 0
    # without --target repository, a subdirectory is scanned for its files, not as a repository
    plain = json.loads(invoke("scan", "svc", "-f", "json", "--policy", "repo/readme", cwd=repo).output)
    assert plain["findings"] == []


# --- unknown profiles and ids: the same errors everywhere -----------------------------------------------------

KNOWN = "(known: baseline, hygiene, open-source, reliability, restricted, supply-chain)"


def test_unknown_profile_is_the_same_error_in_list_and_scan(tmp_path: Path) -> None:
    expected = f"conformance: error: --profile: profile 'restriced' is unknown (did you mean 'restricted'?) {KNOWN}"
    listed = console("policies", "list", "--profile", "restriced", cwd=tmp_path)
    scanned = console("scan", str(DEPLOYMENT), "--profile", "restriced", cwd=tmp_path)
    assert (listed.returncode, scanned.returncode) == (2, 2)
    assert listed.stdout == ""
    assert listed.stderr.strip() == scanned.stderr.strip() == expected
    nope = console("policies", "list", "--profile", "nope", cwd=tmp_path)
    assert nope.returncode == 2 and f"profile 'nope' is unknown {KNOWN}" in nope.stderr


def test_unknown_ids_say_where_and_suggest(tmp_path: Path) -> None:
    explain = invoke("policies", "explain", "k8s/no-host-pids")
    assert explain.exit_code == 2
    assert "unknown policy id 'k8s/no-host-pids' (did you mean 'k8s/no-host-pid'?)" in explain.output
    for flag in ("--policy", "--skip-policy", "--hard-fail-on", "--soft-fail-on"):
        result = invoke("scan", str(DEPLOYMENT), flag, "k8s/no-host-pids")
        assert result.exit_code == 2
        assert (
            f"conformance: error: {flag}: 'k8s/no-host-pids' matches no known policy "
            "(did you mean 'k8s/no-host-pid'?)" in result.output
        )
    (tmp_path / ".conformance.yaml").write_text("enable: [k8s/no-host-pids]\n")
    configured = invoke("scan", "x.yaml", cwd=tmp_path)
    assert "enable: 'k8s/no-host-pids' matches no known policy (did you mean 'k8s/no-host-pid'?)" in configured.output


# --- --exclude and config excludes that match nothing ---------------------------------------------------------


def test_exclude_on_the_command_line_and_a_warning_for_config_excludes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "vendor").mkdir(parents=True)
    (repo / "app.yaml").write_text(DEPLOYMENT.read_text())
    (repo / "vendor" / "lib.yaml").write_text(DEPLOYMENT.read_text())
    central = tmp_path / "central" / "conformance.yaml"
    central.parent.mkdir()
    central.write_text("exclude: [vendor/, '**/testdata/']\n")
    result = console("scan", "repo", "--config", str(central), "-f", "json", cwd=tmp_path)
    files = {f["location"]["file"] for f in json.loads(result.stdout)["findings"]}
    assert files == {"repo/app.yaml", "repo/vendor/lib.yaml"}
    assert f"conformance: warning: {central}: exclude 'vendor/' matched nothing this scan read" in result.stderr
    assert "'**/vendor/' matches at any depth" in result.stderr
    assert "testdata" in result.stderr
    excluded = console(
        "scan", "repo", "--config", str(central), "--exclude", "repo/vendor/", "-f", "json", cwd=tmp_path
    )
    assert {f["location"]["file"] for f in json.loads(excluded.stdout)["findings"]} == {"repo/app.yaml"}
    inside = console("scan", ".", "-f", "json", "--exclude", "vendor", cwd=repo)
    assert {f["location"]["file"] for f in json.loads(inside.stdout)["findings"]} == {"app.yaml"}
    assert "warning" not in inside.stderr


def test_config_excludes_that_match_give_no_warning(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.yaml").write_text(DEPLOYMENT.read_text())
    (tmp_path / ".conformance.yaml").write_text("exclude: [vendor/]\n")
    result = console("scan", ".", cwd=tmp_path)
    assert result.returncode == 0 and "warning" not in result.stderr


# --- messages that say what is wrong --------------------------------------------------------------------------

MISLEADING = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext:
    runAsUser: 1000
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: true
    - name: root
      image: nginx:1.27
      securityContext: {runAsUser: 0, runAsNonRoot: true, allowPrivilegeEscalation: false}
    - name: unset
      image: nginx:1.27
      securityContext: {runAsNonRoot: false}
  volumes:
    - name: docker
      hostPath: {path: /var/run/docker.sock, type: Socket}
    - name: conf
      hostPath: {path: /etc/kubernetes/admin.conf, type: File}
"""


def test_messages_say_which_field_is_wrong() -> None:
    policies = ("k8s/run-as-non-root", "k8s/no-privilege-escalation", "k8s/no-host-path-volumes")
    args = [arg for policy in policies for arg in ("--policy", policy)]
    result = invoke("scan", "-", "--no-color", *args, input=MISLEADING)
    lines = [line.split(" ", 3)[3] for line in result.output.splitlines() if line.startswith("<stdin>")]
    assert lines == [
        "container 'web' does not set runAsNonRoot: true (a runAsUser other than 0 is not enough: the kubelet "
        "checks runAsNonRoot) (Pod/shop/web)",
        "container 'web' sets allowPrivilegeEscalation: true (it must be false) (Pod/shop/web)",
        "container 'root' runs as root (runAsUser: 0) (Pod/shop/web)",
        "container 'unset' does not set allowPrivilegeEscalation: false (Pod/shop/web)",
        "container 'unset' sets runAsNonRoot: false, so it may run as root (Pod/shop/web)",
        "volume 'docker' mounts /var/run/docker.sock from the node (hostPath) (Pod/shop/web)",
        "volume 'conf' mounts /etc/kubernetes/admin.conf from the node (hostPath) (Pod/shop/web)",
    ]
