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
