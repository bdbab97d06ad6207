from __future__ import annotations

import io
import shutil
from pathlib import Path

from click.testing import CliRunner
from junitparser import Error, Failure, JUnitXml
from reporter_samples import HOST_NETWORK, LABELS, PROBES, check_golden, empty_result, finding, sample_result

from conformance.cli import cli
from conformance.model import Location, ScanResult
from conformance.reporters import junit
from conformance.store import store_of
from conftest import FIXTURES


def render_junit(result: ScanResult) -> str:
    stream = io.StringIO()
    junit.render(result, stream)
    return stream.getvalue()


def parse(text: str, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    assert isinstance(xml, JUnitXml)
    return xml


def test_golden() -> None:
    check_golden("sample.junit.xml", render_junit(sample_result()))


def test_model_read_by_a_junit_consumer(tmp_path: Path) -> None:
    xml = parse(render_junit(sample_result()), tmp_path)
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ["k8s/broken.yaml", "k8s/odd name,v:1.yaml", "k8s/shop.yaml", "k8s/worker.yaml"]
    xml.update_statistics()
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (12, 2, 2, 0)

    shop = {case.name: case for case in suites["k8s/shop.yaml"]}
    failing = shop["k8s/no-host-network Deployment/shop/frontend"]
    assert failing.classname == "k8s/no-host-network"
    assert failing._elem.get("file") == "k8s/shop.yaml" and failing._elem.get("line") == "17"
    [failure] = failing.result
    assert isinstance(failure, Failure)
    assert failure.message == "Deployment/frontend shares the node's network namespace"
    assert failure.text.startswith("k8s/shop.yaml:17:7 error Deployment/frontend")
    [crash] = shop["conformance/policy-error Service/shop/frontend"].result
    assert isinstance(crash, Error)
    # a warning under --fail-on error passes, with its findings as output
    warned = shop["k8s/readiness-probe Deployment/shop/frontend"]
    assert warned.is_passed and "no readinessProbe" in warned.system_out
    # a policy with no finding in a file that holds resources passes
    assert shop["k8s/required-labels (no violation in this file)"].is_passed

    worker = {case.name: case for case in suites["k8s/worker.yaml"]}
    pair = worker["k8s/readiness-probe Deployment/worker"]
    assert pair.system_out.count("\n") == 1, "one testcase per (policy, resource), every finding listed"
    # a file with only a scan error has no passing cases
    assert [case.name for case in suites["k8s/broken.yaml"]] == ["conformance/parse-error"]


def test_fail_on_decides_failures(tmp_path: Path) -> None:
    xml = parse(render_junit(sample_result(fail_on="note")), tmp_path)
    xml.update_statistics()
    assert (xml.failures, xml.errors) == (6, 2)


def test_hostile_text_stays_well_formed(tmp_path: Path) -> None:
    hostile = finding(
        LABELS,
        'bad ]]> <x> & "q" \x00\x1b[31m\ud800 end',
        Location("k8s/<odd>&.yaml", 2, 1),
        None,
        "metadata",
    )
    text = render_junit(sample_result(findings=store_of([hostile]), errors=(), fail_on="note"))
    xml = parse(text, tmp_path)
    [suite] = list(xml)
    assert suite.name == "k8s/<odd>&.yaml"
    [case] = list(suite)
    [failure] = case.result
    assert failure.message == 'bad ]]> <x> & "q" \ufffd\ufffd[31m\ufffd end'


def test_empty_scan_lists_every_policy_as_passing(tmp_path: Path) -> None:
    xml = parse(render_junit(empty_result()), tmp_path)
    [suite] = list(xml)
    assert suite.name == "conformance"
    assert [case.name for case in suite] == [HOST_NETWORK.id, PROBES.id, LABELS.id]
    assert all(case.is_passed for case in suite)


def test_cli_writes_junit_next_to_text(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "examples" / "shop-frontend.yaml", tmp_path / "app.yaml")
    out = tmp_path / "junit.xml"
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "app.yaml"), "--no-color", "--report", f"junit={out}"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "k8s/no-host-network" in result.output  # the text report still goes to stdout
    xml = JUnitXml.fromfile(str(out))
    xml.update_statistics()
    assert xml.failures > 0


def test_every_policy_and_object_of_a_real_scan_is_a_testcase(tmp_path) -> None:
    """Through the CLI: failures where a policy failed, passes where it applied, skipped where it did not."""
    import os
    import shutil

    from click.testing import CliRunner
    from junitparser import JUnitXml

    from conformance.cli import cli
    from conftest import FIXTURES

    shutil.copy(FIXTURES / "examples" / "payments-compliant.yaml", tmp_path / "payments.yaml")
    shutil.copy(FIXTURES / "examples" / "shop-frontend.yaml", tmp_path / "shop.yaml")
    (tmp_path / "values.yaml").write_text("replicaCount: 2\n")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(
            cli,
            [
                "scan",
                ".",
                "-f",
                "junit",
                "-o",
                "junit.xml",
                "--policy",
                "k8s/no-host-network",
                "--policy",
                "k8s/pod-disruption-budget",
            ],
        )
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml"))}
    assert set(suites) == {"payments.yaml", "shop.yaml"}  # values.yaml holds no object and no finding
    outcomes = {
        (suite_name, case.name): (case.result[0].__class__.__name__ if case.result else "passed")
        for suite_name, suite in suites.items()
        for case in suite
    }
    assert outcomes[("shop.yaml", "k8s/no-host-network Deployment/default/frontend")] == "Failure"
    assert outcomes[("shop.yaml", "k8s/no-host-network Service/default/frontend")] == "Skipped"
    assert outcomes[("payments.yaml", "k8s/no-host-network Deployment/payments/payments")] == "passed"
    assert outcomes[("payments.yaml", "k8s/pod-disruption-budget Deployment/payments/payments")] == "passed"
    assert outcomes[("payments.yaml", "k8s/pod-disruption-budget Service/payments/payments")] == "Skipped"
    # 3 objects in payments.yaml and 2 in shop.yaml, two policies each
    assert len(outcomes) == 10


def test_files_and_the_repository_list_the_policies_that_ran_on_them(tmp_path, monkeypatch) -> None:
    """A Dockerfile, a workflow and the repository as a whole: failed where a policy reported, passed where it
    ran and found nothing (a repository policy passes only if it reported in no file)."""
    import subprocess

    root = tmp_path / "repo"
    (root / "api").mkdir(parents=True)
    (root / "web").mkdir()
    (root / "api" / "Dockerfile").write_text("FROM python:3.12-slim@sha256:" + "0" * 64 + "\n")  # runs as root
    (root / "web" / "Dockerfile").write_text("FROM python:3.12-slim@sha256:" + "0" * 64 + "\nUSER 1000\n")
    (root / "README.md").write_text("# repo\n")  # only a title: repo/readme reports in README.md
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    monkeypatch.chdir(root)
    args = ["scan", ".", "-f", "junit", "-o", "junit.xml", "--fail-on", "warning"]
    args += ["--policy", "docker/non-root-user", "--policy", "repo/readme", "--policy", "repo/no-private-keys"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    outcomes = {
        (suite.name, case.name): (case.result[0].__class__.__name__ if case.result else "passed")
        for suite in JUnitXml.fromfile(str(root / "junit.xml"))
        for case in suite
    }
    assert outcomes == {
        (".", "repo/no-private-keys"): "passed",
        ("README.md", "repo/readme"): "Failure",
        ("api/Dockerfile", "docker/non-root-user"): "Failure",
        ("web/Dockerfile", "docker/non-root-user"): "passed",
    }
