"""The policy time budget: a check that runs too long is interrupted and reported, and the scan goes on.

The scans run as subprocesses with a timeout: a watchdog that failed to interrupt would hang them forever.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conformance.watchdog import PolicyTimeout, Watchdog

CONFORMANCE = Path(sys.executable).parent / "conformance"

SLOW_POLICY = '''\
"""Loops forever on ConfigMaps named slow*, flags the ones named flag*."""

from conformance.model import Violation

ID = "acme/slow"
TITLE = "A policy that hangs on some objects"
SEVERITY = "warning"
KINDS = ("ConfigMap",)


def check(resource, ctx):
    if resource.name.startswith("slow"):
        while True:
            pass
    if resource.name.startswith("flag"):
        yield Violation("flagged by acme/slow", ("metadata", "name"))
'''

STUBBORN_POLICY = '''\
"""Loops forever on slow* and swallows every Exception inside its loop."""

ID = "acme/stubborn"
TITLE = "A policy that catches Exception"
SEVERITY = "warning"
KINDS = ("ConfigMap",)


def check(resource, ctx):
    if resource.name.startswith("slow"):
        while True:
            try:
                sum(range(1000))
            except Exception:
                pass
    yield from ()
'''

SLOW_SCOPE_POLICY = '''\
"""A cross-resource policy whose check loops forever on slow* subjects."""

from conformance.model import Violation

ID = "acme/hang-scope"
TITLE = "A cross-resource policy that hangs"
SEVERITY = "warning"
KINDS = ("ConfigMap",)
SCOPE = True


def facts(resource):
    return {"name": resource.name}


def check(subject, ctx):
    if subject.name.startswith("slow"):
        while True:
            pass
    if subject.name.startswith("flag"):
        yield Violation("flagged by acme/hang-scope", ("metadata", "name"))
'''

SLEEPY_POLICY = '''\
"""Sleeps 0.4 s on sleepy* objects, then reports them."""

import time

from conformance.model import Violation

ID = "acme/sleepy"
TITLE = "A slow but finite policy"
SEVERITY = "warning"
KINDS = ("ConfigMap",)


def check(resource, ctx):
    if resource.name.startswith("sleepy"):
        time.sleep(0.4)
        yield Violation("woke up", ("metadata", "name"))
'''

HOST_NETWORK_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: x
spec:
  hostNetwork: true
  containers:
    - name: c
      image: nginx:1.2.3
"""


def config_map(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: x\n"


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    directory = tmp_path / "policies"
    (directory / "acme").mkdir(parents=True)
    for name, text in (
        ("slow", SLOW_POLICY),
        ("stubborn", STUBBORN_POLICY),
        ("slow_scope", SLOW_SCOPE_POLICY),
        ("sleepy", SLEEPY_POLICY),
    ):
        (directory / "acme" / f"{name}.py").write_text(text)
    return directory


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    directory = tmp_path / "manifests"
    directory.mkdir()
    return directory


def conformance(policies: Path, *args: str, cwd: Path, timeout: float = 60) -> tuple[int, dict[str, Any], float]:
    """Run a JSON scan with the acme policies; returns the exit code, the report and the wall-clock time."""
    command = [str(CONFORMANCE), "scan", "-f", "json", "--policy-dir", str(policies), "--trust-local-policies", *args]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - started
    assert completed.stdout, completed.stderr
    return completed.returncode, json.loads(completed.stdout), elapsed


def timeouts(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in report["errors"] if e["policy"] == "conformance/policy-error"]


def test_a_check_over_budget_is_interrupted_and_reported(policies: Path, tree: Path) -> None:
    (tree / "a-slow.yaml").write_text(config_map("slow-1") + "---\n" + config_map("flag-same-file"))
    (tree / "b-flag.yaml").write_text(config_map("flag-next-file"))
    (tree / "c-host.yaml").write_text(HOST_NETWORK_POD)
    code, report, elapsed = conformance(
        policies, ".", "--policy", "acme/slow", "--policy", "k8s/no-host-network", "--policy-timeout", "0.5", cwd=tree
    )
    assert code == 2
    [error] = timeouts(report)
    assert error["severity"] == "error"
    assert error["location"]["file"] == "a-slow.yaml" and error["location"]["line"] == 1
    assert error["message"] == (
        "policy acme/slow exceeded its time budget of 0.5s on ConfigMap/x/slow-1: "
        "interrupted, skipped for the rest of this file"
    )
    found = {(f["policy"], f["location"]["file"]) for f in report["findings"]}
    # skipped for the rest of a-slow.yaml, run again on the next file; other policies are not affected
    assert found == {("acme/slow", "b-flag.yaml"), ("k8s/no-host-network", "c-host.yaml")}
    assert report["stats"]["files"] == 3
    assert elapsed < 20


def test_a_policy_is_disabled_after_three_timeouts(policies: Path, tree: Path) -> None:
    for i in range(1, 5):
        (tree / f"a{i}.yaml").write_text(config_map(f"slow-{i}"))
    (tree / "b-flag.yaml").write_text(config_map("flag-1"))
    code, report, _ = conformance(policies, ".", "--policy", "acme/slow", "--policy-timeout", "0.5", cwd=tree)
    assert code == 2
    errors = timeouts(report)
    assert [e["location"]["file"] for e in errors] == ["a1.yaml", "a2.yaml", "a3.yaml"]  # a4.yaml is not tried
    assert all("skipped for the rest of this file" in e["message"] for e in errors[:2])
    assert errors[2]["message"].endswith("interrupted, disabled for the rest of the scan")
    assert report["findings"] == []  # disabled: flag-1 is not checked any more


def test_forked_workers_arm_their_own_timer(policies: Path, tree: Path) -> None:
    for i in range(70):
        (tree / f"f{i:02d}.yaml").write_text(config_map(f"flag-{i}"))
    (tree / "f05-slow.yaml").write_text(config_map("slow-a"))
    (tree / "f60-slow.yaml").write_text(config_map("slow-b"))
    (tree / "host.yaml").write_text(HOST_NETWORK_POD)
    code, report, _ = conformance(
        policies,
        ".",
        "-j",
        "2",
        "--policy",
        "acme/slow",
        "--policy",
        "k8s/no-host-network",
        "--policy-timeout",
        "0.5",
        cwd=tree,
    )
    assert code == 2
    assert sorted(e["location"]["file"] for e in timeouts(report)) == ["f05-slow.yaml", "f60-slow.yaml"]
    flagged = [f for f in report["findings"] if f["policy"] == "acme/slow"]
    assert len(flagged) == 70
    assert [f["location"]["file"] for f in report["findings"] if f["policy"] == "k8s/no-host-network"] == ["host.yaml"]
    assert report["stats"]["files"] == 73


def test_catching_exception_does_not_stop_the_interruption(policies: Path, tree: Path) -> None:
    assert not issubclass(PolicyTimeout, Exception)
    (tree / "slow.yaml").write_text(config_map("slow-1"))
    code, report, _ = conformance(
        policies, "slow.yaml", "--policy", "acme/stubborn", "--policy-timeout", "0.5", cwd=tree
    )
    assert code == 2
    [error] = timeouts(report)
    assert "policy acme/stubborn exceeded its time budget of 0.5s on ConfigMap/x/slow-1" in error["message"]


def test_cross_resource_checks_have_a_budget_too(policies: Path, tree: Path) -> None:
    (tree / "a.yaml").write_text(config_map("slow-1") + "---\n" + config_map("flag-1"))
    code, report, _ = conformance(
        policies, "a.yaml", "--policy", "acme/hang-scope", "--policy-timeout", "0.5", cwd=tree
    )
    assert code == 2
    [error] = timeouts(report)
    assert "policy acme/hang-scope exceeded its time budget of 0.5s on ConfigMap/x/slow-1" in error["message"]
    assert [f["resource"]["name"] for f in report["findings"]] == ["flag-1"]


def test_no_budget_and_the_configured_budget(policies: Path, tree: Path) -> None:
    (tree / "a.yaml").write_text(config_map("sleepy-1"))
    (tree / ".conformance.yaml").write_text("policy-timeout: 0.1\n")
    code, report, _ = conformance(policies, "a.yaml", "--policy", "acme/sleepy", cwd=tree)
    assert code == 2
    [error] = timeouts(report)
    assert "exceeded its time budget of 0.1s on ConfigMap/x/sleepy-1" in error["message"]
    # 0 on the command line: no budget (and the command line wins over the configuration)
    code, report, _ = conformance(policies, "a.yaml", "--policy", "acme/sleepy", "--policy-timeout", "0", cwd=tree)
    assert (code, report["errors"]) == (0, [])
    assert [f["message"] for f in report["findings"]] == ["woke up"]


# ---------------------------------------------------------------------------------------------------------------
# Watchdog itself


def _busy(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def test_no_budget_never_interrupts() -> None:
    before = signal.getsignal(signal.SIGALRM)
    watchdog = Watchdog(0)
    watchdog.install()
    try:
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no timer armed
        assert signal.getsignal(signal.SIGALRM) is before
        watchdog.start()
        _busy(0.3)
        watchdog.stop()
    finally:
        watchdog.uninstall()
    assert signal.getsignal(signal.SIGALRM) is before


def test_a_budget_interrupts_a_running_check_and_uninstall_restores() -> None:
    before = signal.getsignal(signal.SIGALRM)
    watchdog = Watchdog(0.2)
    watchdog.install()
    try:
        assert signal.getitimer(signal.ITIMER_REAL)[1] == pytest.approx(0.05)  # a quarter of the budget
        started = time.monotonic()
        watchdog.start()
        with pytest.raises(PolicyTimeout):
            _busy(5)
        assert 0.2 <= time.monotonic() - started < 2
        # a check that ends in time is not interrupted, however long the scan then idles
        watchdog.start()
        _busy(0.05)
        watchdog.stop()
        _busy(0.3)
    finally:
        watchdog.uninstall()
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_install_outside_the_main_thread_does_nothing() -> None:
    watchdog = Watchdog(0.2)
    raised: list[BaseException] = []

    def install() -> None:
        try:
            watchdog.install()
        except BaseException as exc:  # signal.signal() raises ValueError outside the main thread
            raised.append(exc)

    thread = threading.Thread(target=install)
    thread.start()
    thread.join()
    assert raised == []
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    watchdog.uninstall()  # harmless: it was never installed
