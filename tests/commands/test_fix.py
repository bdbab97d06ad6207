"""``conformance fix``: exit codes, --dry-run's diff, what is never touched, file modes, --policy selection."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web   # the web pod
spec:
  automountServiceAccountToken: false
  hostNetwork: true
  containers:
    - name: web
      image: registry.example.com/web:1.0.0
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
        readOnlyRootFilesystem: true
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
"""
FIXED = POD.replace("hostNetwork: true", "hostNetwork: false")


def _fix(*args: str) -> Result:
    return CliRunner().invoke(cli, ["fix", *args], catch_exceptions=False)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD)
    return tmp_path


def test_dry_run_prints_a_diff_exits_1_and_writes_nothing(tree: Path) -> None:
    result = _fix("--dry-run", ".")
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/pod.yaml\n+++ b/pod.yaml\n@@ -4,7 +4,7 @@\n   name: web   # the web pod\n spec:\n"
        "   automountServiceAccountToken: false\n-  hostNetwork: true\n+  hostNetwork: false\n   containers:\n"
        "     - name: web\n       image: registry.example.com/web:1.0.0\n"
    )
    assert "would fix 1 finding in 1 file; 0 left to fix by hand" in result.stderr
    assert (tree / "pod.yaml").read_text() == POD


def test_fix_writes_then_nothing_is_left(tree: Path) -> None:
    first = _fix(".")
    assert first.exit_code == 1
    assert first.stdout == "fixed pod.yaml: k8s/no-host-network\n"
    assert (tree / "pod.yaml").read_text() == FIXED
    second = _fix("--dry-run", ".")
    assert (second.exit_code, second.stdout) == (0, "")
    assert "would fix 0 findings in 0 files" in second.stderr


def test_file_mode_is_kept_and_no_temporary_file_is_left(tree: Path) -> None:
    os.chmod(tree / "pod.yaml", 0o640)
    assert _fix("pod.yaml").exit_code == 1
    assert stat.S_IMODE(os.stat(tree / "pod.yaml").st_mode) == 0o640
    assert sorted(p.name for p in tree.iterdir()) == ["pod.yaml"]


def test_only_the_given_paths_are_touched(tree: Path) -> None:
    (tree / "other").mkdir()
    (tree / "other" / "pod.yaml").write_text(POD)
    assert _fix("pod.yaml").exit_code == 1
    assert (tree / "other" / "pod.yaml").read_text() == POD
    assert (tree / "pod.yaml").read_text() == FIXED


def test_a_link_out_of_the_tree_is_never_followed(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "pod.yaml"
    outside.write_text(POD)
    (tree / "scanned").mkdir()
    (tree / "scanned" / "link.yaml").symlink_to(outside)
    result = _fix("scanned")
    assert result.exit_code == 2  # the scan's read-error for a link out of the tree
    assert outside.read_text() == POD
    assert (tree / "scanned" / "link.yaml").is_symlink()


def test_a_link_inside_the_tree_fixes_the_file_it_points_at(tree: Path) -> None:
    (tree / "k8s").mkdir()
    (tree / "k8s" / "b.yaml").write_text(POD)
    (tree / "k8s" / "a.yaml").symlink_to("b.yaml")  # the scan reads b.yaml through the link, a.yaml first
    result = _fix("k8s")
    assert result.exit_code == 1, result.output
    assert "fixed 1 finding in 1 file; 0 left to fix by hand" in result.stderr
    assert (tree / "k8s" / "b.yaml").read_text() == FIXED
    assert (tree / "k8s" / "a.yaml").is_symlink() and os.readlink(tree / "k8s" / "a.yaml") == "b.yaml"
    assert _fix("k8s").exit_code == 0  # nothing left


def test_a_file_that_does_not_parse_is_left_untouched_with_an_error(tree: Path) -> None:
    broken = POD + "---\nkind: [unclosed\n"
    (tree / "pod.yaml").write_text(broken)
    result = _fix(".")
    assert result.exit_code == 2
    assert (tree / "pod.yaml").read_text() == broken
    assert "pod.yaml: line 19: invalid YAML" in result.stderr and "file left untouched" in result.stderr


def test_a_read_only_file_is_an_error_and_stays(tree: Path) -> None:
    os.chmod(tree / "pod.yaml", 0o444)
    if os.access(tree / "pod.yaml", os.W_OK) and os.geteuid() != 0:
        pytest.skip("cannot make a read-only file here")
    result = _fix(".")
    assert result.exit_code == 2
    assert "pod.yaml: not written: it is read-only" in result.stderr
    assert (tree / "pod.yaml").read_text() == POD


def test_policy_selection(tree: Path) -> None:
    (tree / "pod.yaml").write_text(POD.replace("        readOnlyRootFilesystem: true\n", ""))
    only = _fix("--policy", "k8s/read-only-root-filesystem", "--dry-run", ".")
    assert only.exit_code == 1
    assert "+        readOnlyRootFilesystem: true" in only.stdout and "hostNetwork" not in only.stdout
    skipped = _fix("--skip-policy", "k8s/read-only-root-filesystem", "--dry-run", ".")
    assert "readOnlyRootFilesystem" not in skipped.stdout and "+  hostNetwork: false" in skipped.stdout
    none = _fix("--policy", "k8s/image-tag-pinned", ".")
    assert none.exit_code == 0
    assert "no selected policy can fix" in none.stderr


def test_standard_input_cannot_be_fixed(tree: Path) -> None:
    result = _fix("-")
    assert result.exit_code == 2
    assert "standard input (-) cannot be fixed" in result.stderr


def test_suppressed_findings_are_not_fixed(tree: Path) -> None:
    comment = '# conformance:ignore k8s/no-host-network reason="reviewed"'
    suppressed = POD.replace("hostNetwork: true", "hostNetwork: true  " + comment)
    (tree / "pod.yaml").write_text(suppressed)
    assert _fix(".").exit_code == 0
    assert (tree / "pod.yaml").read_text() == suppressed


def test_utf8_bom_and_crlf_are_kept(tree: Path) -> None:
    data = b"\xef\xbb\xbf" + POD.replace("\n", "\r\n").encode()
    (tree / "pod.yaml").write_bytes(data)
    assert _fix(".").exit_code == 1
    assert (tree / "pod.yaml").read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()


def test_the_installed_command_fixes(tree: Path) -> None:
    command = [sys.executable, "-m", "conformance", "fix", "--dry-run", "pod.yaml"]
    run = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stderr
    assert "+  hostNetwork: false" in run.stdout


def test_a_named_symbolic_link_is_not_written_through(tree: Path) -> None:
    (tree / "link.yaml").symlink_to(tree / "pod.yaml")
    result = _fix("link.yaml")
    assert result.exit_code == 2
    assert "link.yaml: it is a symbolic link (fix the file it points at): not fixed" in result.stderr
    assert (tree / "pod.yaml").read_text() == POD and (tree / "link.yaml").is_symlink()
