from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.targets.repo import (
    MAX_READ_BYTES,
    RepoFile,
    first_match,
    is_repository_root,
    open_repository,
)
from conftest import need


def write(root: Path, relative: str, text: str = "x\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def git_repo(tmp_path: Path) -> tuple[Path, Path]:
    need(shutil.which("git") is not None, "git is not installed")
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    root.mkdir()
    write(outside, "secret.txt", "outside the repository\n")
    git(root, "init", "-q")
    write(root, ".gitignore", "build/\n*.tmp\n")
    write(root, "sub/.gitignore", "*.log\n")
    write(root, "tracked.txt", "tracked\n")
    write(root, "deleted.txt")
    write(root, "forced.tmp", "tracked although ignored\n")
    write(root, "docs/README.md", "# docs\n")
    git(root, "add", ".gitignore", "sub/.gitignore", "tracked.txt", "deleted.txt", "docs/README.md")
    git(root, "add", "-f", "forced.tmp")
    (root / "deleted.txt").unlink()  # still in the index, gone from the work tree
    write(root, "untracked.txt")
    write(root, "build/output.bin")
    write(root, "scratch.tmp")
    write(root, "sub/app.log")
    write(root, "app.log")  # *.log is ignored only under sub/
    os.symlink(outside / "secret.txt", root / "leak.txt")
    os.symlink("tracked.txt", root / "alias.txt")
    os.symlink("missing.txt", root / "dangling.txt")
    return root, outside


def test_git_view_lists_tracked_and_untracked_files_that_are_not_ignored(git_repo: tuple[Path, Path]) -> None:
    root, _ = git_repo
    repository = open_repository(str(root), ".")
    assert repository.files == (
        ".gitignore",
        "alias.txt",
        "app.log",
        "docs/README.md",
        "forced.tmp",
        "sub/.gitignore",
        "tracked.txt",
        "untracked.txt",
    )
    assert not any(path.startswith(".git/") for path in repository.files)


def test_git_view_never_follows_a_symlink_out_of_the_tree(git_repo: tuple[Path, Path]) -> None:
    root, _ = git_repo
    repository = open_repository(str(root), ".")
    assert dict(repository.skipped) == {
        "leak.txt": "symbolic link points outside the repository: not followed",
        "dangling.txt": "broken or looping symbolic link",
    }
    assert not repository.exists("leak.txt")
    assert repository.read_bytes("leak.txt") is None
    assert repository.absolute("leak.txt") is None
    alias = next(entry for entry in repository.entries if entry.path == "alias.txt")
    assert alias == RepoFile("alias.txt", len("tracked\n"), symlink=True)
    assert repository.read_text("alias.txt") == "tracked\n"


def test_reads_are_lazy_safe_and_bounded(git_repo: tuple[Path, Path]) -> None:
    root, _ = git_repo
    write(root, "config.yaml", "\ufeffa: 1\n---\nb: [2\n")
    repository = open_repository(str(root), ".")
    assert repository.size("tracked.txt") == 8
    assert repository.size("nope.txt") is None
    assert repository.read_bytes("tracked.txt") == b"tracked\n"
    assert repository.read_bytes("tracked.txt", limit=3) is None  # over the limit: not read
    assert repository.read_text("nope.txt") is None
    assert repository.read_text("build/output.bin") is None  # ignored, so not in the view
    loaded = repository.load_yaml("config.yaml")
    assert loaded.documents[0].data == {"a": 1}  # the BOM is dropped
    assert any(problem.fatal for problem in loaded.problems)
    assert repository.load_yaml("nope.yaml") is None
    assert MAX_READ_BYTES == 20 * 1024 * 1024


def test_glob_is_gitignore_style(git_repo: tuple[Path, Path]) -> None:
    root, _ = git_repo
    repository = open_repository(str(root), ".")
    assert repository.glob(["README*"]) == ["docs/README.md"]  # no slash: any depth
    assert repository.glob(["/README*"]) == []  # a leading slash anchors at the root
    assert repository.glob(["*.txt", "!untracked.txt"]) == ["alias.txt", "tracked.txt"]
    assert repository.glob(("docs/",)) == ["docs/README.md"]
    assert first_match(repository, ["README.md", "docs/README.md"]) == "docs/README.md"
    assert first_match(repository, ["nothing"]) is None


def test_a_broken_git_directory_falls_back_to_the_walk(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # not a repository git can read
    write(root, ".gitignore", "*.log\n")
    write(root, "a.txt")
    write(root, "b.log")
    assert open_repository(str(root), ".").files == (".gitignore", "a.txt")


def test_plain_walk_honours_nested_gitignore_files(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, ".gitignore", "*.log\n/dist/\n")
    write(root, "sub/.gitignore", "/local/\nsecret.txt\n")
    for relative in (
        "keep.txt",
        "a.log",
        "dist/bundle.js",
        "lib/dist/kept.js",  # /dist/ is anchored at the root
        "sub/local/y.txt",
        "sub/secret.txt",
        "sub/deeper/secret.txt",  # a pattern without a slash applies below its directory too
        "other/local/z.txt",  # sub/'s /local/ does not reach here
        "other/secret.txt",
        "node_modules/pkg/index.js",
        ".hidden",
    ):
        write(root, relative)
    repository = open_repository(str(root), "tree")
    assert repository.display == "tree"
    assert repository.files == (
        ".gitignore",
        ".hidden",
        "keep.txt",
        "lib/dist/kept.js",
        "other/local/z.txt",
        "other/secret.txt",
        "sub/.gitignore",
    )


def test_plain_walk_lets_a_deeper_gitignore_re_include(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, ".gitignore", "*.log\n")
    write(root, "sub/.gitignore", "!keep.log\n")
    write(root, "sub/keep.log")
    assert "sub/keep.log" in open_repository(str(root), ".").files  # what git does


def test_plain_walk_reports_symlinks_leaving_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, "a.txt")
    write(tmp_path, "elsewhere/b.txt")
    os.symlink(tmp_path / "elsewhere", root / "linked-dir")
    os.symlink(tmp_path / "elsewhere" / "b.txt", root / "linked-file")
    os.symlink("a.txt", root / "inside")
    repository = open_repository(str(root), ".")
    assert repository.files == ("a.txt", "inside")
    assert sorted(path for path, _ in repository.skipped) == ["linked-dir", "linked-file"]


def test_is_repository_root(tmp_path: Path) -> None:
    need(shutil.which("git") is not None, "git is not installed")
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    git(root, "init", "-q")
    plain = tmp_path / "plain"
    plain.mkdir()
    assert is_repository_root(str(root))
    assert not is_repository_root(str(root / "k8s"))  # inside a work tree, not its top
    assert not is_repository_root(str(plain))  # outside any work tree: only when asked for
    assert is_repository_root(str(plain), plain_directories=True)
    worktree = tmp_path / "worktree"
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: /somewhere/else\n")  # a linked work tree has a .git file
    assert is_repository_root(str(worktree))
