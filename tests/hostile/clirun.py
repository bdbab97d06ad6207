"""Running the installed ``conformance`` console script on hostile input, with a watchdog.

Each run is a child process with a wall-clock timeout (a hang is a test failure, not a stuck CI job), an
address-space limit (a runaway read fails fast instead of exhausting the machine), and its own peak memory and
duration measured with ``os.wait4``. The JSON report is parsed strictly (``NaN``/``Infinity`` are not JSON).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CONFORMANCE = shutil.which("conformance", path=str(Path(sys.executable).parent)) or shutil.which("conformance")
ADDRESS_SPACE_LIMIT = 1024**3
"""Bytes of virtual memory a scan may map: several times what the largest hostile case needs."""
BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: base
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: shop/base:1.0
"""
"""The ordinary non-compliant manifest beside every hostile input: ``hostNetwork: true`` at 10:7."""
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2
PR_CAPBSET_DROP = 24


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float
    timed_out: bool

    @property
    def report(self) -> dict[str, Any]:
        def refuse(constant: str) -> Any:
            raise ValueError(f"{constant} is not JSON")

        return json.loads(self.stdout, parse_constant=refuse)  # type: ignore[no-any-return]


def _limits(drop_dac: bool) -> Callable[[], None]:
    libc = ctypes.CDLL(None, use_errno=True) if drop_dac else None

    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
        if libc is not None:
            # root reads any file: without these two capabilities (dropped from the bounding set, which an exec
            # by uid 0 inherits) permissions apply to it as to anyone, so "unreadable" means something
            for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
                if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                    os._exit(97)

    return apply


def can_drop_read_permissions() -> bool:
    """Whether a child of this (root) process can be made to respect file permissions."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return True  # nothing to drop: permissions already apply
    probe = run_cli_raw(["--version"], Path.cwd(), timeout=30, drop_dac=True)
    return probe.exit_code == 0


def _high_water(pid: int) -> int:
    """VmHWM of a running process, in kB (0 when unknown). Unlike ``ru_maxrss`` it belongs to the process's
    own memory since its exec: a forked child's ``ru_maxrss`` starts at the size of this test process (Linux
    keeps the high-water mark across exec), which grows as the suite runs."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def run_cli_raw(args: Sequence[str], cwd: Path, timeout: float = 60, drop_dac: bool = False) -> CliRun:
    if CONFORMANCE is None:
        pytest.fail("the conformance console script is not installed in this environment")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        child = subprocess.Popen(
            [CONFORMANCE, *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            preexec_fn=_limits(drop_dac and os.geteuid() == 0),
            env={**os.environ, "NO_COLOR": "1", "GITHUB_ACTIONS": "", "GITHUB_STEP_SUMMARY": ""},
            start_new_session=True,
        )
        timed_out = False
        peak_kb = 0  # the child's own high-water mark, sampled while it runs (see _high_water)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, _high_water(child.pid))
            if time.monotonic() - started > timeout:
                timed_out = True
                os.killpg(child.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return CliRun(
            exit_code=child.returncode,
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
            seconds=seconds,
            max_rss_mb=(peak_kb or usage.ru_maxrss) / 1024,  # kilobytes on Linux
            timed_out=timed_out,
        )


def scan(cwd: Path, *paths: str, options: Sequence[str] = (), timeout: float = 60, drop_dac: bool = False) -> CliRun:
    """``conformance scan PATHS -f json`` in ``cwd``; fails the test on a hang or a crash."""
    run = run_cli_raw(["scan", *paths, "-f", "json", *options], cwd, timeout=timeout, drop_dac=drop_dac)
    assert not run.timed_out, f"conformance scan hung (killed after {timeout} s)\n{run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr, run.stderr[-4000:]
    assert run.exit_code in (0, 1, 2), (run.exit_code, run.stderr[-2000:])
    return run
