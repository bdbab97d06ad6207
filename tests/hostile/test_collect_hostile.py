"""inputs.collect on hostile trees and arguments, in-process (the command-line cases are in test_hostile_inputs)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from conformance.inputs import Excludes, InputProblem, collect


def no_excludes(root: Path) -> Excludes:
    return Excludes([], str(root))


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda p: os.mkfifo(p), "a named pipe"),
        (lambda p: socket.socket(socket.AF_UNIX).bind(str(p)), "a socket"),
        (lambda p: p.symlink_to("/dev/zero"), "a character device"),
    ],
    ids=["fifo", "socket", "device-symlink"],
)
def test_special_files_named_explicitly_are_reported_not_opened(tmp_path: Path, make, kind: str) -> None:
    target = tmp_path / "special.yaml"
    make(target)
    files, problems = collect([str(target)], no_excludes(tmp_path), base=str(tmp_path))
    assert files == []
    assert problems == [
        InputProblem(
            "special.yaml", f"not a regular file ({kind}): not read; pipe the manifests to standard input (-) instead"
        )
    ]


def test_regular_files_and_links_to_them_named_explicitly_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a.yaml")
    files, problems = collect([str(tmp_path / "link.yaml")], no_excludes(tmp_path), base=str(tmp_path))
    assert [f.display for f in files] == ["link.yaml"]
    assert problems == []


def test_directory_that_cannot_be_listed_is_reported_even_for_root(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "ok.yaml").write_text("a: 1\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "app.yaml").write_text("a: 1\n")
    real_scandir = os.scandir

    def scandir(path: str):  # what os.walk sees for a mode-000 directory when permissions apply
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = collect([str(tmp_path)], no_excludes(tmp_path), base=str(tmp_path))
    assert [f.display for f in files] == ["ok.yaml"]
    assert problems == [InputProblem("locked", "cannot read directory: Permission denied")]


def test_include_sees_paths_relative_to_the_repository_root(tmp_path: Path) -> None:
    # scanning a subdirectory of a work tree: FILES globs are relative to the repository root, not to it
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc" / "api").mkdir(parents=True)
    (tmp_path / "svc" / "api" / "Dockerfile").write_text("FROM scratch\n")
    seen: list[str] = []

    def include(relative: str) -> bool:
        seen.append(relative)
        return relative == "svc/api/Dockerfile"

    files, problems = collect([str(tmp_path / "svc")], no_excludes(tmp_path), base=str(tmp_path), include=include)
    assert seen == ["svc/api/Dockerfile"]
    assert [f.display for f in files] == ["svc/api/Dockerfile"]
    assert problems == []
