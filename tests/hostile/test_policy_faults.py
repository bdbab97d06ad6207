"""Faulty policies from ``--policy-dir``, through the real command line.

Each fault is one Python policy module (see README "Writing policies") beside a well-behaved one (``t/ok``);
the scan must report the fault as ``conformance/policy-error`` naming the policy, keep every other policy's
findings (``t/ok`` and the built-in ``k8s/no-host-network`` on ``base.yaml``), and exit 2.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from clirun import BASE, scan

POLICY_ERROR = "conformance/policy-error"
HEADER = 'from conformance.model import Violation\nID = "t/{slug}"\nTITLE = "fault: {slug}"\nSEVERITY = "error"\n'
OK_POLICY = """
KINDS = ("Deployment",)
def check(resource, ctx):
    yield Violation("ok policy still reports", ("spec", "replicas"))
"""

FAULTS = [
    # (slug, the rest of the module, what the policy-error message must say)
    (
        "raises",
        "def check(resource, ctx):\n    raise RuntimeError('kaput')\n",
        r"failed on Deployment/shop/base: RuntimeError: kaput",
    ),
    (
        "raises-midway",
        "def check(resource, ctx):\n    yield Violation('first', ('spec',))\n    raise KeyError('second')\n",
        r"failed on Deployment/shop/base: KeyError: 'second'",
    ),
    (
        "not-a-violation",
        "def check(resource, ctx):\n    yield 'not a violation'\n",
        r"yielded a malformed violation: 'not a violation'",
    ),
    (
        "message-not-a-string",
        "def check(resource, ctx):\n    yield Violation(123, ('spec',))\n",
        r"yielded a malformed violation: Violation\(message=123",
    ),
    (
        "float-in-path",
        "def check(resource, ctx):\n    yield Violation('m', ('spec', 1.5))\n",
        r"yielded a malformed violation: Violation\(message='m', path=\('spec', 1\.5\)",
    ),
    (
        "path-is-a-string",
        "def check(resource, ctx):\n    yield Violation('m', 'spec.replicas')\n",
        r"yielded a malformed violation",
    ),
    (
        "key-not-a-string",
        "def check(resource, ctx):\n    yield Violation('m', (), key=5)\n",
        r"yielded a malformed violation",
    ),
    (
        "non-iterable",
        "def check(resource, ctx):\n    return 42\n",
        r"failed on Deployment/shop/base: TypeError: 'int' object is not iterable",
    ),
    (
        "recursion",
        "def check(resource, ctx):\n    return check(resource, ctx)\n",
        r"failed on Deployment/shop/base: RecursionError",
    ),
    (
        "scope-facts-raise",
        "SCOPE = True\nKINDS = ('Deployment',)\ndef facts(resource):\n    raise ValueError('no facts')\n"
        "def check(subject, ctx):\n    return ()\n",
        r"failed on Deployment/shop/base: ValueError: no facts",
    ),
    (
        "scope-check-raises",
        "SCOPE = True\nKINDS = ('Deployment',)\nLOCATE = [('metadata', 'name')]\ndef facts(resource):\n    return 1\n"
        "def check(subject, ctx):\n    raise ZeroDivisionError('in scope')\n",
        r"failed on Deployment/shop/base: ZeroDivisionError: in scope",
    ),
    pytest.param(
        "exits",
        "import sys\ndef check(resource, ctx):\n    sys.exit(0)\n",
        r"failed on Deployment/shop/base: SystemExit",
        id="exits",
    ),
    pytest.param(
        "hard-exit",
        "import os\ndef check(resource, ctx):\n    os._exit(3)\n",
        r"PolicyExit: called os._exit\(3\)",
        id="os-exit",
    ),
    pytest.param(
        "no-alarm",
        "import signal\ndef check(resource, ctx):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    return ()\n",
        r"tried to change the handler of SIGALRM",
        id="ignores-sigalrm",
    ),
    pytest.param(
        "no-alarm-quietly",
        "import signal\ndef check(resource, ctx):\n    try:\n        signal.setitimer(signal.ITIMER_REAL, 0)\n"
        "    except Exception:\n        pass\n    return ()\n",
        r"tried to change the real-time interval timer",
        id="stops-the-timer-and-hides-it",
    ),
    pytest.param(
        "threads",
        "import threading, time\ndef check(resource, ctx):\n"
        "    threading.Thread(target=time.sleep, args=(600,), name='leftover').start()\n    return ()\n",
        r"started thread\(s\) still running after its check returned: leftover",
        id="leaves-a-thread",
    ),
    pytest.param(
        "patches",
        "import builtins, json\ndef check(resource, ctx):\n"
        "    builtins.len = lambda x: 0\n    json.dumps = lambda *a, **k: 'garbage'\n    return ()\n",
        r"replaced builtins\.len \(put back\).*replaced json\.dumps \(put back\)",
        id="monkeypatches-builtins-and-json",
    ),
]


def write_policies(directory: Path, modules: dict[str, str]) -> None:
    directory.mkdir()
    for slug, body in modules.items():
        (directory / f"{slug.replace('-', '_')}.py").write_text(HEADER.format(slug=slug) + textwrap.dedent(body))


def run_with(tmp_path: Path, slug: str, body: str, *options: str, timeout: float = 60):
    policies = tmp_path / "policies"  # outside the scanned tree: trusted, as --policy-dir directories are
    write_policies(policies, {slug: body, "ok": OK_POLICY})
    tree = tmp_path / "scan"
    tree.mkdir()
    (tree / "base.yaml").write_text(BASE)
    return scan(tree, ".", options=("--policy-dir", str(policies), *options), timeout=timeout)


def assert_fault_reported(run, slug: str, message: str) -> None:
    report = run.report
    errors = [e for e in report["errors"] if e["policy"] == POLICY_ERROR]
    assert errors, report["errors"]
    for error in errors:
        assert f"policy t/{slug} " in error["message"], error
        assert re.search(message, error["message"]), error["message"]
        assert error["location"]["file"] == "base.yaml"
        assert error["location"]["line"] >= 1
    assert {e["policy"] for e in report["errors"]} == {POLICY_ERROR}
    found = {(f["policy"], f["location"]["line"], f["location"]["column"]) for f in report["findings"]}
    assert ("t/ok", 7, 3) in found, "another Python policy's finding is lost"
    assert ("k8s/no-host-network", 10, 7) in found, "a built-in policy's finding is lost"
    assert run.exit_code == 2
    assert report["summary"]["exit_code"] == 2


@pytest.mark.parametrize(("slug", "body", "message"), FAULTS)
def test_faulty_policy_is_reported_and_the_scan_goes_on(tmp_path: Path, slug: str, body: str, message: str) -> None:
    assert_fault_reported(run_with(tmp_path, slug, body), slug, message)


def test_policy_that_never_returns_is_interrupted_after_its_time_budget(tmp_path: Path) -> None:
    body = "def check(resource, ctx):\n    while True:\n        pass\n"
    run = run_with(tmp_path, "loops", body, "--policy-timeout", "2", timeout=60)
    assert_fault_reported(run, "loops", r"time budget")
    assert run.seconds < 30


def test_policy_that_swallows_its_interruption_is_stopped_with_its_worker(tmp_path: Path) -> None:
    body = (
        "def check(resource, ctx):\n    while True:\n        try:\n            while True:\n                pass\n"
        "        except BaseException:\n            pass\n"
    )
    run = run_with(tmp_path, "stubborn", body, "--policy-timeout", "1", timeout=60)
    report = run.report
    assert run.exit_code == 2
    errors = [e for e in report["errors"] if e["location"]["file"] == "base.yaml"]
    assert len(errors) == 1, report["errors"]
    assert "policy t/stubborn kept running after its time budget and would not stop" in errors[0]["message"]
    assert run.seconds < 40


def test_a_file_swapped_for_a_link_out_of_the_tree_during_the_scan_is_not_read(tmp_path: Path) -> None:
    """The walk saw a plain ``b.yaml``; by the time it is read it is a link to a secret outside the tree."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen-token-ABC123\n")
    swapper = f"""
    import os
    KINDS = ("Deployment",)
    def check(resource, ctx):
        target = os.path.join(os.getcwd(), "b.yaml")
        if resource.name == "base" and not os.path.islink(target):
            os.remove(target)
            os.symlink({str(secret)!r}, target)
        return ()
    """
    policies = tmp_path / "policies"
    write_policies(policies, {"swapper": swapper, "ok": OK_POLICY})
    tree = tmp_path / "scan"
    tree.mkdir()
    (tree / "a.yaml").write_text(BASE)
    (tree / "b.yaml").write_text(BASE.replace("name: base", "name: other"))
    run = scan(tree, ".", options=("--policy-dir", str(policies), "-j", "1"))
    assert (tree / "b.yaml").is_symlink(), "the policy did not swap the file: the test proves nothing"
    assert "stolen-token" not in run.stdout + run.stderr
    errors = [(e["location"]["file"], e["message"]) for e in run.report["errors"]]
    assert errors == [("b.yaml", "symbolic link points outside the scanned tree: not followed")], errors
    found = {(f["policy"], f["location"]["file"]) for f in run.report["findings"]}
    assert ("t/ok", "a.yaml") in found
    assert ("k8s/no-host-network", "a.yaml") in found
    assert run.exit_code == 2
