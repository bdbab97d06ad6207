from __future__ import annotations

import logging
import os
import stat
import subprocess
from pathlib import Path

import pytest
from gitrepos import git, head_of, push, remote, work_tree

from conformance.org.clones import CloneError, cache_path, fetch, local_commit


def test_clone_then_update_costs_one_fetch_when_nothing_changed(tmp_path: Path) -> None:
    url = remote(tmp_path, "api", {"README.md": "one\n", "deploy/app.yaml": "kind: Pod\n"})
    path = cache_path(str(tmp_path / "cache"), "acme/api")
    first = fetch(url, None, path, 60)
    assert (first.commit, first.changed) == (head_of(url), True)
    assert (Path(path) / "README.md").read_text() == "one\n"
    assert git(Path(path), "rev-parse", "--is-shallow-repository") == "true"
    again = fetch(url, None, path, 60)
    assert (again.commit, again.changed) == (first.commit, False)
    commit = push(tmp_path, "api", {"README.md": "two\n"})
    updated = fetch(url, None, path, 60)
    assert (updated.commit, updated.changed) == (commit, True)
    assert (Path(path) / "README.md").read_text() == "two\n"
    assert not (Path(path) / ".git" / "logs").exists()  # no reflog, which would hold the fetch command line
    assert "remote" not in (Path(path) / ".git" / "config").read_text()  # the URL is never stored


def test_a_cache_entry_broken_by_a_killed_run_is_cloned_again(tmp_path: Path) -> None:
    url = remote(tmp_path, "api", {"README.md": "one\n"})
    path = cache_path(str(tmp_path / "cache"), "acme/api")
    fetch(url, None, path, 60)
    (Path(path) / ".git" / "index.lock").write_text("")  # a run killed during checkout leaves this behind
    commit = push(tmp_path, "api", {"README.md": "two\n"})
    updated = fetch(url, None, path, 60)
    assert (updated.commit, updated.changed) == (commit, True)
    assert (Path(path) / "README.md").read_text() == "two\n"
    assert not (Path(path) / ".git" / "index.lock").exists()


def test_a_named_branch_is_fetched_alone(tmp_path: Path) -> None:
    url = remote(tmp_path, "svc", {"README.md": "main\n"})
    release = push(tmp_path, "svc", {"README.md": "release\n"}, branch="release")
    path = cache_path(str(tmp_path / "cache"), "svc")
    checkout = fetch(url, "release", path, 60)
    assert checkout.commit == release
    assert (Path(path) / "README.md").read_text() == "release\n"
    assert git(Path(path), "for-each-ref", "--format=%(refname)") == "refs/conformance/fetched"
    with pytest.raises(CloneError, match="couldn't find remote ref refs/heads/nope"):
        fetch(url, "nope", cache_path(str(tmp_path / "cache"), "other"), 60)


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_hooks_filters_fsmonitor_and_submodules_of_a_hostile_remote_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    _script(hooks / "post-checkout", f"touch {marks}/hook")
    template = tmp_path / "template"
    (template / "hooks").mkdir(parents=True)
    _script(template / "hooks" / "post-checkout", f"touch {marks}/template-hook")
    monitor = _script(tmp_path / "monitor.sh", f"touch {marks}/fsmonitor")
    evil = _script(tmp_path / "evil-filter.sh", f"touch {marks}/filter\nexec cat")
    lfs = _script(tmp_path / "lfs-filter.sh", f"touch {marks}/lfs\nexec cat")
    # the operator's global configuration as a careless machine has it: hooks, templates, filters, recursion
    global_config = tmp_path / "gitconfig"
    global_config.write_text(
        f"[core]\n\thooksPath = {hooks}\n\tfsmonitor = {monitor}\n[init]\n\ttemplateDir = {template}\n"
        f'[filter "evil"]\n\tsmudge = {evil}\n\trequired = true\n[filter "lfs"]\n\tsmudge = {lfs}\n'
        '[submodule]\n\trecurse = true\n[fetch]\n\trecurseSubmodules = true\n[protocol "ext"]\n\tallow = always\n'
    )
    source = work_tree(
        tmp_path / "hostile",
        {
            ".gitattributes": "*.txt filter=evil\n*.bin filter=lfs\n",
            "notes.txt": "hello\n",
            "blob.bin": "data\n",
            ".gitmodules": f'[submodule "sub"]\n\tpath = sub\n\turl = ext::sh -c touch% {marks}/submodule\n',
        },
    )
    git(source, "update-index", "--add", "--cacheinfo", f"160000,{git(source, 'rev-parse', 'HEAD')},sub")
    git(source, "commit", "-qm", "submodule")
    bare = tmp_path / "hostile.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(bare))
    with (bare / "config").open("a") as handle:
        handle.write(f"[uploadpack]\n\tpackObjectsHook = sh -c 'touch {marks}/upload-pack'\n")
        handle.write(f"[core]\n\tfsmonitor = {monitor}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(global_config))
    checkout = fetch(f"file://{bare}", None, str(tmp_path / "cache" / "hostile"), 60)
    assert (Path(checkout.path) / "notes.txt").read_text() == "hello\n"
    assert (Path(checkout.path) / "blob.bin").read_text() == "data\n"
    assert not any((Path(checkout.path) / "sub").iterdir())
    assert sorted(os.listdir(marks)) == []
    assert not (Path(checkout.path) / ".git" / "hooks").exists()
    # the control: plain git with the same configuration runs the hook, the filters and the submodule
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(global_config), "GIT_ALLOW_PROTOCOL": "file:ext"}
    subprocess.run(
        ["git", "clone", "-q", "--recurse-submodules", f"file://{bare}", str(tmp_path / "plain")],
        env=env,
        capture_output=True,
        check=False,
    )
    assert {"hook", "filter", "lfs", "submodule"} <= set(os.listdir(marks))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ext::sh -c touch% /tmp/conformance-ext-marker", "transport::address URLs (ext::, fd::) are not allowed"),
        ("http://example.com/a.git", "protocol 'http' is not allowed"),
        ("git://example.com/a.git", "protocol 'git' is not allowed"),
    ],
)
def test_forbidden_protocols_are_refused_before_git_runs(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(CloneError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fetch(url, None, str(tmp_path / "cache" / "x"), 60)
    assert not (tmp_path / "cache").exists()
    assert not os.path.exists("/tmp/conformance-ext-marker")


def test_a_token_in_the_url_is_redacted_and_never_written(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # GitPython logs every command line at debug level
    url = "https://x-access-token:s3cr3t-t0ken@127.0.0.1:9/acme/api.git"
    path = tmp_path / "cache" / "api"
    with pytest.raises(CloneError) as caught:
        fetch(url, None, str(path), 60)
    assert "s3cr3t" not in str(caught.value)
    assert "git" in caplog.text and "s3cr3t" not in caplog.text
    assert str(caught.value).startswith("git fetch failed: unable to access 'https://127.0.0.1:9/acme/api.git/'")
    for directory, _, files in os.walk(path):
        for name in files:
            assert b"s3cr3t" not in (Path(directory) / name).read_bytes(), name


def test_the_fetch_is_killed_when_the_repository_time_is_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = _script(tmp_path / "slow-ssh", "exec sleep 60")
    monkeypatch.setenv("GIT_SSH_COMMAND", str(slow))
    with pytest.raises(CloneError, match=r"^git fetch did not finish in 0.5 s: killed$"):
        fetch("ssh://git@example.invalid/acme/api.git", None, str(tmp_path / "cache" / "api"), 0.5)


def test_local_commit_of_a_work_tree_and_of_a_plain_directory(tmp_path: Path) -> None:
    tree = work_tree(tmp_path / "tree", {"README.md": "x\n"})
    (tree / "sub").mkdir()
    assert local_commit(str(tree / "sub")) == git(tree, "rev-parse", "HEAD")
    (tmp_path / "plain").mkdir()
    assert local_commit(str(tmp_path / "plain")) is None
