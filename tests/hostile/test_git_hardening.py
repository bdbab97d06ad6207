"""A scanned repository must not run code through git: real git, real hostile configuration, no mocks.

Each hostile setting runs ``touch MARKER`` if git ever obeys it; after every kind of scan that calls git
(a directory walk, ``--target repository``, ``--changed-since --new-only``) no marker may exist.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import BASE, scan

from conformance import gitexec
from conftest import need

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_IDENTITY})


@pytest.fixture(autouse=True)
def _git_installed() -> None:
    need(shutil.which("git") is not None, "git is not installed")


def make_repo(root: Path) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    (root / "base.yaml").write_text(BASE)
    (root / "README.md").write_text("# demo\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")


def markers(tmp_path: Path) -> list[str]:
    return sorted(path.name for path in (tmp_path / "markers").iterdir())


def hostile_config(repo: Path, markers_dir: Path) -> None:
    """Everything in ``.git`` that could make git run a program, each touching its own marker."""

    def touch(name: str) -> str:
        return f"touch {markers_dir / name}"

    config = {
        "core.fsmonitor": touch("fsmonitor") + "; false",
        "core.hooksPath": str(repo / ".git" / "evil-hooks"),
        "core.pager": touch("pager"),
        "core.sshCommand": touch("ssh"),
        "diff.external": touch("diff-external"),
        "diff.evil.textconv": touch("textconv") + "; cat",
        "diff.evil.command": touch("diff-command"),
        "filter.evil.clean": touch("filter-clean") + "; cat",
        "filter.evil.smudge": touch("filter-smudge") + "; cat",
        "filter.evil.process": touch("filter-process"),
        "filter.evil.required": "true",
        "credential.helper": "!" + touch("credential"),
        "log.showSignature": "true",
        "gpg.program": str(markers_dir / "gpg"),
        "remote.origin.url": f"ext::sh -c touch% {markers_dir / 'ext-remote'}",
        "remote.origin.promisor": "true",
        "protocol.ext.allow": "always",
        "extensions.partialClone": "origin",
        "core.repositoryformatversion": "1",
    }
    for key, value in config.items():
        git(repo, "config", key, value)
    hooks = repo / ".git" / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-index-change", "post-checkout", "pre-commit", "reference-transaction"):
        script = hooks / hook
        script.write_text(f"#!/bin/sh\n{touch('hook-' + hook)}\n")
        script.chmod(0o755)
    (repo / ".gitattributes").write_text("*.yaml filter=evil diff=evil\n")


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    (tmp_path / "markers").mkdir()
    repo = tmp_path / "repo"
    make_repo(repo)
    (repo / "changed.yaml").write_text(BASE.replace("name: base", "name: changed"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    hostile_config(repo, tmp_path / "markers")
    # a changed file whose base content is missing: reading it would make git lazily "fetch" from the remote
    blob = subprocess.run(
        ["git", "rev-parse", "HEAD:changed.yaml"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    (repo / "changed.yaml").write_text(BASE.replace("name: base", "name: changed") + "# edited\n")
    (repo / "untracked.yaml").write_text(BASE.replace("name: base", "name: untracked"))
    return repo


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(["."], id="walk"),
        pytest.param(["--target", "repository", "."], id="repository"),
        pytest.param([".", "--changed-since", "HEAD", "--new-only"], id="changed-since"),
        pytest.param(["changed.yaml", "--changed-since", "HEAD~1", "--new-only"], id="changed-since-file"),
    ],
)
def test_hostile_git_config_runs_nothing(hostile_repo: Path, tmp_path: Path, options: list[str]) -> None:
    run = scan(hostile_repo, *options)
    assert markers(tmp_path) == [], run.stderr[-2000:]


def test_hostile_git_config_walk_still_sees_files(hostile_repo: Path, tmp_path: Path) -> None:
    """Git still answers (the overrides disable programs, not git): files are found and reported."""
    run = scan(hostile_repo, ".")
    files = {finding["location"]["file"] for finding in run.report["findings"]}
    assert {"base.yaml", "changed.yaml", "untracked.yaml"} <= files
    assert markers(tmp_path) == []


def embedded_bare_repository(directory: Path, markers_dir: Path) -> None:
    """A directory committed as ordinary files, laid out as a bare repository with a hostile config."""
    directory.mkdir(parents=True)
    (directory / "HEAD").write_text("ref: refs/heads/main\n")
    (directory / "objects").mkdir()
    (directory / "objects" / "keep").write_text("")
    (directory / "refs").mkdir()
    (directory / "refs" / "heads").mkdir()
    (directory / "refs" / "heads" / "keep").write_text("")
    (directory / "config").write_text(
        "[core]\n"
        "\trepositoryformatversion = 0\n"
        "\tbare = false\n"
        f"\tworktree = {directory}\n"
        f"\tfsmonitor = touch {markers_dir / 'bare-fsmonitor'}; false\n"
        f"\thooksPath = {directory / 'hooks'}\n"
        '[filter "evil"]\n'
        f"\tclean = touch {markers_dir / 'bare-filter'}; cat\n"
        f"\tprocess = touch {markers_dir / 'bare-filter-process'}\n"
    )
    (directory / "manifest.yaml").write_text(BASE.replace("name: base", "name: embedded"))
    (directory / ".gitattributes").write_text("* filter=evil\n")


@pytest.mark.parametrize("inside_work_tree", [True, False], ids=["committed", "plain-tree"])
def test_embedded_bare_repository_is_not_discovered(tmp_path: Path, inside_work_tree: bool) -> None:
    (tmp_path / "markers").mkdir()
    repo = tmp_path / "repo"
    if inside_work_tree:
        make_repo(repo)
    else:
        repo.mkdir()
        (repo / "base.yaml").write_text(BASE)
    embedded_bare_repository(repo / "vendor" / "that-dir", tmp_path / "markers")
    if inside_work_tree:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "vendor")
    for arguments in (["vendor/that-dir/"], ["vendor/that-dir/manifest.yaml"], ["."], ["--target", "repository", "."]):
        run = scan(repo, *arguments)
        assert markers(tmp_path) == [], (arguments, run.stderr[-2000:])
    run = scan(repo / "vendor" / "that-dir", ".")
    assert markers(tmp_path) == [], run.stderr[-2000:]
    files = {finding["location"]["file"] for finding in run.report["findings"]}
    assert "manifest.yaml" in files


def test_git_variables_from_the_caller_do_not_redirect_git(tmp_path: Path) -> None:
    """A hook's GIT_DIR or an outer ``git -c`` (GIT_CONFIG_PARAMETERS) does not reach conformance's git."""
    repo = tmp_path / "repo"
    make_repo(repo)
    env = gitexec.base_environment(str(repo), {"GIT_DIR": "/elsewhere", "GIT_CONFIG_PARAMETERS": "'x.y'='1'"})
    assert env["GIT_DIR"] == str(repo / ".git") and "GIT_CONFIG_PARAMETERS" not in env
    result = gitexec.run_git(str(repo), ["rev-parse", "--git-dir"])
    assert result.ok and result.text().strip() == str(repo / ".git")


HARDENED_ELSEWHERE = {"org/clones.py": "gitexec.fetch_environment("}
"""Modules that spawn git themselves, and the hardening each must use: the org scan's clone cache fetches through
GitPython (tested in ``tests/org/test_clones.py``)."""


def test_every_git_call_goes_through_the_helper() -> None:
    """No module but ``gitexec`` spawns git (a new call site would miss the hardening), except the clone cache,
    which takes its environment from ``gitexec``."""
    source = Path(gitexec.__file__).parent
    offenders = []
    for path in source.rglob("*.py"):
        relative = path.relative_to(source).as_posix()
        if path.name == "gitexec.py":
            continue
        if relative in HARDENED_ELSEWHERE:
            assert HARDENED_ELSEWHERE[relative].removeprefix("gitexec.") in path.read_text(), relative
            continue
        text = path.read_text()
        if '"git"' in text or "'git'" in text:
            offenders.append(str(path.relative_to(source)))
    assert offenders == []


def test_diff_always_gets_no_ext_diff(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo)
    (tmp_path / "markers").mkdir()
    git(repo, "config", "diff.external", f"touch {tmp_path / 'markers' / 'external'}")
    (repo / "base.yaml").write_text(BASE + "# more\n")
    result = gitexec.run_git(str(repo), ["diff", "HEAD"])
    assert result.ok and b"# more" in result.stdout
    assert markers(tmp_path) == []
