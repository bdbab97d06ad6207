"""Ctrl-C: exit 130 with one line on stderr, worker processes stopped, no half-written report left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLOW_POLICY = '''"""Sleeps on every resource, after saying it started (test helper)."""
import os, time
ID = "acme/slow"
TITLE = "slow"
SEVERITY = "error"
def check(resource, ctx):
    open(os.environ["STARTED_MARKER"], "a").close()
    time.sleep(0.2)
    return []
'''
POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec: {containers: [{name: a, image: x}]}\n"


def _signalled_scan(tmp_path: Path, jobs: str, sent: signal.Signals) -> tuple[int, str, Path]:
    """Start a slow scan that writes a SARIF report over a previous one, send ``sent`` to its process group
    once a policy runs, and return the exit code, standard error and the report's path."""
    (tmp_path / "policies" / "acme").mkdir(parents=True)
    (tmp_path / "policies" / "acme" / "slow.py").write_text(SLOW_POLICY)
    tree = tmp_path / "k8s"
    tree.mkdir()
    for number in range(80):  # enough files for the worker pool
        (tree / f"pod{number:02}.yaml").write_text(POD % number)
    report = tmp_path / "out.sarif"
    report.write_text("previous report\n")
    marker = tmp_path / "started"
    (tmp_path / "tmp").mkdir()
    command = [
        str(Path(sys.executable).with_name("conformance")), "scan", str(tree), "-j", jobs, "-f", "sarif",
        "-o", str(report), "--policy-dir", str(tmp_path / "policies"), "--trust-local-policies",
        "--policy", "acme/slow",
    ]  # fmt: skip
    env = {**os.environ, "STARTED_MARKER": str(marker), "TMPDIR": str(tmp_path / "tmp")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the scan never reached the policy"
    os.killpg(process.pid, sent)  # a terminal's Ctrl-C, or a cancelled CI job, reaches the whole group
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr, report


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_with_one_line_and_keeps_the_previous_report(tmp_path: Path, jobs: str) -> None:
    code, stderr, report = _signalled_scan(tmp_path, jobs, signal.SIGINT)
    assert code == 130
    assert [line for line in stderr.splitlines() if line.strip()] == ["conformance: interrupted"], stderr
    assert report.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k8s", "out.sarif", "policies", "started", "tmp"]
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_exits_143_cleans_up_and_keeps_the_previous_report(tmp_path: Path, jobs: str) -> None:
    """A cancelled CI job: SIGTERM unwinds like Ctrl-C (workers stopped, temporary files gone, the previous
    report intact), with its own exit code."""
    code, stderr, report = _signalled_scan(tmp_path, jobs, signal.SIGTERM)
    assert code == 143, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == ["conformance: terminated"], stderr
    assert report.read_text() == "previous report\n"
    assert list((tmp_path / "tmp").iterdir()) == []  # no spilled store, scope database or half report left


PRINTING_POLICY = '''"""Prints while it checks (a buggy but trusted policy)."""
ID = "acme/chatty"
TITLE = "chatty"
SEVERITY = "error"
def check(resource, ctx):
    print("debug: looking at", resource.name)
    return []
'''


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_what_a_policy_prints_never_corrupts_a_report_on_standard_output(tmp_path: Path, jobs: str) -> None:
    import json

    (tmp_path / "policies" / "acme").mkdir(parents=True)
    (tmp_path / "policies" / "acme" / "chatty.py").write_text(PRINTING_POLICY)
    tree = tmp_path / "k8s"
    tree.mkdir()
    for number in range(70):
        (tree / f"pod{number:02}.yaml").write_text(POD % number)
    command = [
        str(Path(sys.executable).with_name("conformance")), "scan", str(tree), "-j", jobs, "-f", "json",
        "--policy-dir", str(tmp_path / "policies"), "--trust-local-policies", "--policy", "acme/chatty",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["exit_code"] == 0
    assert "debug: looking at p0" in done.stderr  # told on standard error (workers may interleave line ends)
