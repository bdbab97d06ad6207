"""``--changed-since REF``: only files changed since the merge base of REF and HEAD are scanned."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli
from conformance.errors import ConfigError
from conformance.gitdiff import changes_since
from conftest import FIXTURES, need

SHOP = (FIXTURES / "examples" / "shop-frontend.yaml").read_text()
"""A Deployment named ``frontend`` with ``hostNetwork: yes`` (k8s/no-host-network at line 17)."""


def manifest(name: str) -> str:
    return SHOP.replace("name: frontend", f"name: {name}")


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return completed.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository on branch ``feature``, made from ``main``, with every kind of change.

    On the branch: ``added.yaml`` added, ``modified.yaml`` modified, ``renamed.yaml`` renamed to
    ``moved/renamed.yaml``, ``deleted.yaml`` deleted; in the working tree: ``untracked.yaml`` (not ignored),
    ``ignored.yaml`` (ignored), ``dirty.yaml`` edited but not committed. On ``main`` after the branch point:
    ``main-only.yaml`` modified and ``main-new.yaml`` added (not on the branch).
    """
    need(shutil.which("git") is not None, "git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "Test")
    git(root, "config", "commit.gpgsign", "false")
    for name in ("modified", "renamed", "unchanged", "main-only", "dirty"):
        (root / f"{name}.yaml").write_text(manifest(name))
    # unlike any other file, so git cannot take its deletion for the source of the rename
    (root / "deleted.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n")
    (root / ".gitignore").write_text("ignored.yaml\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")

    git(root, "checkout", "-q", "-b", "feature")
    (root / "added.yaml").write_text(manifest("added"))
    (root / "modified.yaml").write_text(manifest("modified") + "# edited on the branch\n")
    (root / "moved").mkdir()
    git(root, "mv", "renamed.yaml", "moved/renamed.yaml")
    git(root, "rm", "-q", "deleted.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature work")

    git(root, "checkout", "-q", "main")
    (root / "main-only.yaml").write_text(manifest("main-only") + "# edited on main\n")
    (root / "main-new.yaml").write_text(manifest("main-new"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main moves on")
    git(root, "checkout", "-q", "feature")

    (root / "untracked.yaml").write_text(manifest("untracked"))
    (root / "ignored.yaml").write_text(manifest("ignored"))
    (root / "dirty.yaml").write_text(manifest("dirty") + "# not committed yet\n")
    monkeypatch.chdir(root)
    return root


CHANGED = {"added.yaml", "modified.yaml", "moved/renamed.yaml", "untracked.yaml", "dirty.yaml"}


def scan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--no-color", *args], catch_exceptions=False)


def scanned_files(*args: str) -> tuple[int, set[str]]:
    result = scan("-f", "json", "--policy", "k8s/no-host-network", *args)
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return result.exit_code, {f["location"]["file"] for f in report["findings"]}


def test_changed_files_lists_added_modified_renamed_and_untracked(repo: Path) -> None:
    base = git(repo, "merge-base", "main", "HEAD").strip()
    status = git(repo, "diff", "--name-status", "-M", base).splitlines()
    assert any(line.startswith("R") and line.endswith("moved/renamed.yaml") for line in status)  # a real rename
    assert "D\tdeleted.yaml" in status
    changed = set(changes_since("main", str(repo)).files)
    assert changed == {str(repo / name) for name in CHANGED}
    assert all(os.path.isabs(path) for path in changed)


def test_only_changed_files_are_scanned(repo: Path) -> None:
    code, files = scanned_files(".", "--changed-since", "main")
    assert code == 1
    assert files == CHANGED
    # without the option every file is scanned
    _, everything = scanned_files(".")
    assert everything > CHANGED
    assert {"unchanged.yaml", "main-only.yaml"} <= everything


def test_text_output_and_stats_cover_only_changed_files(repo: Path) -> None:
    result = scan(".", "--changed-since", "main", "--policy", "k8s/no-host-network")
    assert result.exit_code == 1
    assert "renamed.yaml:17:7 error k8s/no-host-network" in result.stdout
    for name in ("unchanged", "main-only", "main-new", "ignored", "deleted"):
        assert f"{name}.yaml" not in result.stdout
    assert "; 5 files, 10 resources scanned" in result.stdout


def test_deleted_files_are_not_read(repo: Path) -> None:
    result = scan(".", "--changed-since", "main", "-f", "json")
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert "deleted.yaml" not in result.stdout


def test_merge_base_semantics_ignore_changes_made_on_main(repo: Path) -> None:
    """main-only.yaml changed on main after the branch point, main-new.yaml was added there: the branch did not
    change them, so they are not reported (a plain diff against main would list both)."""
    plain = git(repo, "diff", "--name-only", "--no-renames", "main")
    assert "main-only.yaml" in plain and "main-new.yaml" in plain  # the trap the merge base avoids
    _, files = scanned_files(".", "--changed-since", "main")
    assert "main-only.yaml" not in files
    assert "main-new.yaml" not in files


def test_a_commit_ref_and_head(repo: Path) -> None:
    _, files = scanned_files(".", "--changed-since", "HEAD")  # only the working tree's changes
    assert files == {"untracked.yaml", "dirty.yaml"}
    base = git(repo, "merge-base", "main", "HEAD").strip()
    _, files = scanned_files(".", "--changed-since", base)
    assert files == CHANGED


def test_explicit_files_are_filtered_too(repo: Path) -> None:
    code, files = scanned_files("modified.yaml", "unchanged.yaml", "--changed-since", "main")
    assert (code, files) == (1, {"modified.yaml"})
    code, files = scanned_files("unchanged.yaml", "--changed-since", "main")
    assert (code, files) == (0, set())


def test_scanning_a_subdirectory_from_inside_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "moved" / "also.yaml").write_text(manifest("also"))
    monkeypatch.chdir(repo / "moved")
    _, files = scanned_files(".", "--changed-since", "main")
    assert files == {"renamed.yaml", "also.yaml"}  # relative to the working directory; nothing outside it


def test_file_names_with_spaces_and_non_ascii(repo: Path) -> None:
    for name in ("with space.yaml", "façade.yaml"):
        (repo / name).write_text(manifest("odd"))
    git(repo, "add", "with space.yaml")
    git(repo, "commit", "-q", "-m", "odd names")
    _, files = scanned_files(".", "--changed-since", "main")
    assert {"with space.yaml", "façade.yaml"} <= files


def test_unknown_ref_is_a_clear_error(repo: Path) -> None:
    result = scan(".", "--changed-since", "no-such-branch")
    assert result.exit_code == 2
    assert "--changed-since: unknown revision 'no-such-branch'" in result.stderr
    assert result.stdout == ""


def test_ref_that_looks_like_an_option_is_refused(repo: Path) -> None:
    result = scan(".", "--changed-since=--output=/tmp/x")
    assert result.exit_code == 2
    assert "is not a revision" in result.stderr
    with pytest.raises(ConfigError, match="is not a revision"):
        changes_since("-p", str(repo))


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need(shutil.which("git") is not None, "git is not installed")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.yaml").write_text(manifest("app"))
    monkeypatch.chdir(plain)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never find a repository above tmp_path
    result = scan(".", "--changed-since", "main")
    assert result.exit_code == 2
    assert "conformance: error:" in result.stderr and "not a git repository" in result.stderr
    assert result.stdout == ""


def test_changed_since_with_stdin_is_refused(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", "-", "--changed-since", "main"], input=SHOP)
    assert result.exit_code == 2
    assert "--changed-since cannot be combined with standard input" in result.stderr


def test_scanning_a_repository_from_outside_it(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = scan(str(repo), "--changed-since", "main", "--policy", "k8s/no-host-network", "-f", "json")
    assert result.exit_code == 1, result.output
    names = {Path(f["location"]["file"]).name for f in json.loads(result.stdout)["findings"]}
    assert names == {Path(n).name for n in CHANGED}
