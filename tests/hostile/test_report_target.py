"""``-o FILE`` and ``--report FORMAT=FILE`` never write through a link the scanned repository planted, and a
target that cannot be written is a clear error (exit 2) with the previous file intact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from clirun import BASE, run_cli_raw


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "base.yaml").write_text(BASE)
    return root


def written_nowhere(run_stderr: str, reason: str) -> None:
    assert "cannot write the report" in run_stderr and reason in run_stderr, run_stderr[-2000:]
    assert "Traceback" not in run_stderr


@pytest.mark.parametrize("option", ["-o", "--report"])
def test_a_planted_symbolic_link_is_not_written_through(repo: Path, tmp_path: Path, option: str) -> None:
    victim = tmp_path / "authorized_keys"
    victim.write_text("ssh-ed25519 AAAA the-real-key\n")
    (repo / "report.json").symlink_to(victim)
    argument = ["-o", "report.json"] if option == "-o" else ["--report", "json=report.json"]
    run = run_cli_raw(["scan", "base.yaml", "-f", "json", *argument], repo)
    assert run.exit_code == 2
    written_nowhere(run.stderr, "symbolic link")
    assert victim.read_text() == "ssh-ed25519 AAAA the-real-key\n"
    assert (repo / "report.json").is_symlink()


def test_a_read_only_report_is_kept(repo: Path) -> None:
    previous = repo / "report.json"
    previous.write_text("previous\n")
    previous.chmod(0o444)
    run = run_cli_raw(["scan", "base.yaml", "-f", "json", "-o", "report.json"], repo)
    assert run.exit_code == 2
    written_nowhere(run.stderr, "read-only")
    assert previous.read_text() == "previous\n"


def test_a_directory_is_a_clear_error(repo: Path) -> None:
    (repo / "out").mkdir()
    for argument in (["-o", "out"], ["--report", "json=out"]):
        run = run_cli_raw(["scan", "base.yaml", *argument], repo)
        assert run.exit_code == 2, argument
        assert "is a directory" in run.stderr and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert os.listdir(repo / "out") == []


def test_a_missing_folder_is_a_clear_error(repo: Path) -> None:
    run = run_cli_raw(["scan", "base.yaml", "-o", "missing/report.txt"], repo)
    assert run.exit_code == 2
    written_nowhere(run.stderr, "does not exist")
    assert not (repo / "missing").exists()


def test_a_planted_fifo_nobody_reads_does_not_hang_the_run(repo: Path) -> None:
    os.mkfifo(repo / "report.json")
    run = run_cli_raw(["scan", "base.yaml", "-f", "json", "-o", "report.json"], repo, timeout=30)
    assert not run.timed_out and run.exit_code == 2
    written_nowhere(run.stderr, "named pipe nobody reads")
    assert run.seconds < 10
