"""Reading a scanned file or standard input: links refused at open time, never blocking, always bounded."""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
from clirun import BASE, CONFORMANCE

from conformance.inputs import Excludes, ReadRefusal, collect, read_input, read_stream

LIMIT = 1 << 20


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("password: hunter2\n")
    scanned = tmp_path / "scanned"
    (scanned / "sub").mkdir(parents=True)
    (scanned / "a.yaml").write_text(BASE)
    (scanned / "sub" / "b.yaml").write_text(BASE)
    return scanned


def refused(result: bytes | ReadRefusal, kind: str = "read-error") -> str:
    assert isinstance(result, ReadRefusal), result
    assert result.kind == kind
    return result.message


def test_a_file_swapped_for_a_link_out_of_the_tree_after_the_walk_is_refused(tree: Path) -> None:
    files, _ = collect([str(tree)], Excludes([], str(tree)))
    item = next(f for f in files if f.path.endswith("a.yaml"))
    assert item.tree == os.path.realpath(tree)
    os.unlink(item.path)
    os.symlink(tree.parent / "outside" / "secret.yaml", item.path)  # the swap, while the scan runs
    assert "outside the scanned tree" in refused(read_input(item.path, LIMIT, item.tree))


def test_a_directory_swapped_for_a_link_out_of_the_tree_is_refused(tree: Path) -> None:
    files, _ = collect([str(tree)], Excludes([], str(tree)))
    item = next(f for f in files if f.path.endswith("b.yaml"))
    (tree / "sub" / "b.yaml").unlink()
    (tree / "sub").rmdir()
    (tree.parent / "outside" / "b.yaml").write_text("password: hunter2\n")
    os.symlink(tree.parent / "outside", tree / "sub")
    assert os.path.exists("/proc/self/fd"), "the descriptor check needs /proc (Linux)"
    assert "left the scanned tree" in refused(read_input(item.path, LIMIT, item.tree))


def test_a_link_inside_the_tree_is_read(tree: Path) -> None:
    os.symlink("a.yaml", tree / "alias.yaml")
    assert read_input(str(tree / "alias.yaml"), LIMIT, os.path.realpath(tree)) == BASE.encode()


def test_a_link_named_on_the_command_line_is_read(tree: Path) -> None:
    os.symlink(tree.parent / "outside" / "secret.yaml", tree / "named.yaml")
    assert read_input(str(tree / "named.yaml"), LIMIT) == b"password: hunter2\n"


def test_a_fifo_planted_after_the_walk_does_not_block(tree: Path) -> None:
    (tree / "a.yaml").unlink()
    os.mkfifo(tree / "a.yaml")
    result: list[bytes | ReadRefusal] = []
    reader = threading.Thread(target=lambda: result.append(read_input(str(tree / "a.yaml"), LIMIT, str(tree))))
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "read_input blocked on a FIFO"
    assert "not a regular file" in refused(result[0])


def test_devices_are_refused() -> None:
    assert "not a regular file" in refused(read_input("/dev/zero", LIMIT))


def test_over_the_limit_is_refused_whole(tree: Path) -> None:
    assert "over the 10-byte limit" in refused(read_input(str(tree / "a.yaml"), 10, str(tree)), "parse-error")
    assert read_input(str(tree / "a.yaml"), len(BASE), str(tree)) == BASE.encode()


def test_missing_file_is_a_read_error(tree: Path) -> None:
    assert "cannot read file" in refused(read_input(str(tree / "gone.yaml"), LIMIT, str(tree)))


def test_read_stream_is_bounded() -> None:
    assert read_stream(io.BytesIO(b"x" * 100), 100) == b"x" * 100
    assert "over the 99-byte limit" in refused(read_stream(io.BytesIO(b"x" * 100), 99), "parse-error")


class _Endless(io.RawIOBase):
    """A stream that never ends: reading it whole would never return."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        buffer[:] = b"a" * len(buffer)
        return len(buffer)


def test_read_stream_stops_on_an_endless_stream() -> None:
    stream = io.BufferedReader(_Endless())
    assert isinstance(read_stream(stream, 5 << 20), ReadRefusal)


def test_standard_input_over_the_size_limit_is_an_error_finding(tmp_path: Path) -> None:
    """30 MB on standard input: not read whole, a parse-error at <stdin>, exit 2, and the files still scanned."""
    assert CONFORMANCE is not None
    (tmp_path / "base.yaml").write_text(BASE)
    big = tmp_path / "big.input"
    with big.open("wb") as stream:
        stream.write(b"# filler\n" * (30 * 1024 * 1024 // 9))
    with big.open("rb") as stdin:
        completed = subprocess.run(
            [CONFORMANCE, "scan", "-f", "json", "-", "base.yaml"],
            cwd=tmp_path,
            stdin=stdin,
            capture_output=True,
            timeout=120,
            env={**os.environ, "NO_COLOR": "1", "GITHUB_ACTIONS": ""},
        )

    report = json.loads(completed.stdout)
    errors = [(e["policy"], e["location"]["file"], e["message"]) for e in report["errors"]]
    assert completed.returncode == 2, completed.stderr
    assert any(file == "<stdin>" and "over the" in message for _, file, message in errors), errors
    assert "base.yaml" in {f["location"]["file"] for f in report["findings"]}
