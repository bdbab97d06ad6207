"""Real git repositories for the org-scan tests: work trees, and bare remotes reached by ``file://`` URLs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from conformance.org.results import RepositoryResult
from conformance.org.task import RepositoryTask

HOST_NETWORK = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx:1.27
"""
CLEAN = HOST_NETWORK.replace("  hostNetwork: true\n", "")


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_ALLOW_PROTOCOL="file:ext")
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def work_tree(path: Path, files: Mapping[str, str]) -> Path:
    """A work tree at ``path`` with ``files`` committed on ``main``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    write(path, files)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "first", "--allow-empty")
    return path


def remote(tmp_path: Path, name: str, files: Mapping[str, str]) -> str:
    """A bare repository holding one commit of ``files``; returns its ``file://`` URL."""
    source = work_tree(tmp_path / "sources" / name, files)
    bare = tmp_path / "remotes" / f"{name}.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    git(tmp_path, "clone", "-q", "--bare", str(source), str(bare))
    git(source, "remote", "add", "origin", str(bare))
    return f"file://{bare}"


def push(tmp_path: Path, name: str, files: Mapping[str, str], branch: str = "main") -> str:
    """Commit ``files`` in the source of remote ``name`` and push it to ``branch``; the new commit."""
    source = tmp_path / "sources" / name
    write(source, files)
    git(source, "add", "-A")
    git(source, "commit", "-qm", "more")
    git(source, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
    return git(source, "rev-parse", "HEAD")


def head_of(url: str) -> str:
    return git(Path(url.removeprefix("file://")), "rev-parse", "HEAD")


def die_on_broken(task: RepositoryTask) -> RepositoryResult:
    """A task function whose worker process dies on the repository ``die`` and raises on ``raise``."""
    if task.entry.id == "die":
        os._exit(3)
    if task.entry.id == "raise":
        raise RuntimeError("boom")
    return RepositoryResult(id=task.entry.id, url=task.entry.display, status="scanned", commit=str(os.getpid()))
