"""File names that are not UTF-8, and directory trees deeper than Python's recursion limit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import BASE, run_cli_raw, scan


def test_a_file_name_that_is_not_utf8_is_reported_with_escapes(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / os.fsdecode(b"caf\xe9.yaml")).write_text(BASE.replace("name: base", "name: cafe"))
    run = scan(tmp_path, ".")
    assert run.exit_code == 1, run.stderr[-2000:]
    files = {f["location"]["file"] for f in run.report["findings"] if f["policy"] == "k8s/no-host-network"}
    assert files == {"base.yaml", "caf\\xe9.yaml"}
    fingerprints = [f["fingerprint"] for f in run.report["findings"]]
    assert len(fingerprints) == len(set(fingerprints))
    text = run_cli_raw(["scan", ".", "-f", "text"], tmp_path)
    assert text.exit_code == 1 and "caf\\xe9.yaml:10:7 error k8s/no-host-network" in text.stdout, text.stderr


def remove_nested(top: Path) -> None:
    """Remove a chain of single nested directories ``top/d/d/...`` without recursion (``shutil.rmtree``, as
    pytest's own clean-up uses it, recurses once per level and fails on this tree)."""
    descriptors = [os.open(top, os.O_RDONLY)]
    try:
        while True:
            try:
                descriptors.append(os.open("d", os.O_RDONLY, dir_fd=descriptors[-1]))
            except FileNotFoundError:
                break
        for name in os.listdir(descriptors[-1]):
            os.unlink(name, dir_fd=descriptors[-1])
        while len(descriptors) > 1:
            os.close(descriptors.pop())
            os.rmdir("d", dir_fd=descriptors[-1])
    finally:
        for descriptor in descriptors:
            os.close(descriptor)


@pytest.fixture
def nested(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    if (tmp_path / "d").exists():
        remove_nested(tmp_path)


def test_ten_thousand_nested_directories_end_in_an_error_finding(nested: Path) -> None:
    tmp_path = nested
    (tmp_path / "base.yaml").write_text(BASE)
    os.mkdir(tmp_path / "d")
    here = os.open(tmp_path / "d", os.O_RDONLY)
    try:
        for _ in range(10_000):  # by descriptor: the full path is far longer than PATH_MAX
            os.mkdir("d", dir_fd=here)
            inner = os.open("d", os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
        descriptor = os.open("deep.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here)
        os.write(descriptor, BASE.encode())
        os.close(descriptor)
    finally:
        os.close(here)
    run = scan(tmp_path, ".", timeout=120)
    assert run.exit_code == 2, run.stderr[-2000:]
    assert [e["policy"] for e in run.report["errors"]] == ["conformance/read-error"]
    assert "too long" in run.report["errors"][0]["message"]
    assert ("base.yaml", 10) in {(f["location"]["file"], f["location"]["line"]) for f in run.report["findings"]}
    assert run.seconds < 30
