from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conftest import FIXTURES, REPO

EXAMPLES = FIXTURES / "examples"
DEPLOYMENT = (FIXTURES / "examples" / "shop-frontend.yaml").read_text()


def invoke(*args: str, input: str | None = None, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_scan_examples_text_output() -> None:
    result = invoke("scan", str(EXAMPLES), "--no-color")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(":17:7 error k8s/no-host-network " in line and "(Deployment/default/frontend)" in line
               for line in lines)
    assert any(":28:13 error k8s/no-privileged-containers " in line for line in lines)
    assert "payments-compliant.yaml" not in result.output
    assert lines[-1].startswith(tuple(f"{n} violations" for n in range(10, 100)))
    assert "\x1b[" not in result.output


def test_json_output_is_valid_against_its_schema(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    out = tmp_path / "report.json"
    result = invoke("scan", str(EXAMPLES), "-f", "json", "-o", str(out))
    assert result.exit_code == 1
    document = json.loads(out.read_text())
    schema = json.loads((REPO / "src/conformance/schemas/report.schema.json").read_text())
    Draft202012Validator(schema).validate(document)
    assert document["summary"]["exit_code"] == 1
    assert {f["policy"] for f in document["findings"]} >= {"k8s/no-host-network", "k8s/image-tag-pinned"}
    assert not list(tmp_path.glob(".report.json.tmp*"))


def test_fail_on_and_policy_selection(tmp_path: Path) -> None:
    target = str(EXAMPLES / "shop-frontend.yaml")
    assert invoke("scan", target, "--policy", "k8s/image-tag-pinned").exit_code == 0  # warning < error
    assert invoke("scan", target, "--policy", "k8s/image-tag-pinned", "--fail-on", "warning").exit_code == 1
    result = invoke("scan", target, "--profile", "baseline", "-f", "json")
    policies = {f["policy"] for f in json.loads(result.output)["findings"]}
    assert policies == {"k8s/no-host-network", "k8s/no-host-ports", "k8s/no-privileged-containers"}
    result = invoke("scan", target, "--profile", "baseline", "--skip-policy", "k8s/no-host-", "-f", "json")
    assert {f["policy"] for f in json.loads(result.output)["findings"]} == {"k8s/no-privileged-containers"}


def test_compliant_example_is_clean() -> None:
    result = invoke("scan", str(EXAMPLES / "payments-compliant.yaml"), "--fail-on", "note")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 violations")


def test_stdin(tmp_path: Path) -> None:
    result = invoke("scan", "-", "--policy", "k8s/no-host-network", input=DEPLOYMENT)
    assert result.exit_code == 1
    assert "<stdin>:17:7 error k8s/no-host-network" in result.output


def test_config_file_is_applied(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "shop-frontend.yaml", tmp_path / "app.yaml")
    (tmp_path / ".conformance.yaml").write_text(
        "enable: [k8s/image-tag-pinned, k8s/no-host-network]\n"
        "severity: {k8s/no-host-network: warning}\nfail-on: warning\n"
    )
    result = invoke("scan", ".", "-f", "json", cwd=tmp_path)
    document = json.loads(result.output)
    assert result.exit_code == 1
    assert {(f["policy"], f["severity"]) for f in document["findings"]} == {
        ("k8s/image-tag-pinned", "warning"),
        ("k8s/no-host-network", "warning"),
    }
    assert {f["location"]["file"] for f in document["findings"]} == {"app.yaml"}


def test_excludes_from_config(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    shutil.copy(EXAMPLES / "shop-frontend.yaml", tmp_path / "vendor" / "app.yaml")
    (tmp_path / ".conformance.yaml").write_text("exclude: ['vendor/']\n")
    result = invoke("scan", str(tmp_path))
    assert result.exit_code == 0
    assert result.output.startswith("0 violations")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", ".", "--policy", "k8s/nope"), "conformance: error: --policy: 'k8s/nope' matches no known policy"),
        (("scan", ".", "--profile", "nope"), "conformance: error: --profile: profile 'nope' is unknown"),
        (("scan", ".", "--config", "missing.yaml"), "configuration file not found"),
        (("scan", ".", "-f", "yaml"), "Invalid value for '-f' / '--format'"),
        (("policies", "explain", "k8s/nope"), "unknown policy id 'k8s/nope'"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 2
    assert message in result.output


def test_scan_errors_exit_2_even_with_violations(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "shop-frontend.yaml", tmp_path / "app.yaml")
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    result = invoke("scan", str(tmp_path))
    assert result.exit_code == 2
    assert "broken.yaml:2:1 error conformance/parse-error invalid YAML" in result.output


def test_untrusted_local_python_policy(tmp_path: Path) -> None:
    (tmp_path / "pol" / "acme").mkdir(parents=True)
    marker = tmp_path / "ran"
    (tmp_path / "pol" / "acme" / "evil.py").write_text(f"open({str(marker)!r}, 'w')\n")
    (tmp_path / ".conformance.yaml").write_text("policy-paths: [pol]\n")
    result = invoke("scan", ".", cwd=tmp_path)
    assert not marker.exists()
    assert "conformance/untrusted-policy" in result.output
    assert result.exit_code == 0


def test_policies_list_and_explain() -> None:
    listing = invoke("policies", "list")
    assert listing.exit_code == 0
    assert "k8s/no-host-network" in listing.output and "baseline" in listing.output
    restricted = invoke("policies", "list", "--profile", "restricted", "-f", "json")
    ids = {p["id"] for p in json.loads(restricted.output)}
    assert "k8s/run-as-non-root" in ids and "k8s/no-host-network" not in ids
    explained = invoke("policies", "explain", "k8s/required-labels")
    assert explained.exit_code == 0
    assert "Options:" in explained.output and "labels (default" in explained.output
    assert "How to fix:" in explained.output


def test_version() -> None:
    result = invoke("--version")
    assert result.output.strip().startswith("conformance, version ")


def _run_console(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "conformance"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120, **kwargs)


def test_installed_console_script_and_module_entry() -> None:
    result = _run_console("scan", str(EXAMPLES / "shop-frontend.yaml"), "--no-color")
    assert result.returncode == 1
    assert "k8s/no-host-network" in result.stdout
    module = subprocess.run([sys.executable, "-m", "conformance", "--version"], capture_output=True, text=True)
    assert module.returncode == 0 and "conformance, version" in module.stdout


def test_stdin_through_console_script() -> None:
    result = _run_console("scan", "-", "--policy", "k8s/no-privileged-containers", input=DEPLOYMENT)
    assert result.returncode == 1
    assert "<stdin>:28:13 error k8s/no-privileged-containers" in result.stdout


LAZY_CHECK = """
import sys
from conformance.cli import main
try:
    main({args!r})
except SystemExit:
    pass
heavy = sorted(m for m in ("jsonschema", "tabulate", "git", "ruamel", "jinja2") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--version"], ""),
        (["scan", str(EXAMPLES / "shop-frontend.yaml"), "--policy", "k8s/image-tag-pinned"], ""),
        (["scan", str(EXAMPLES / "shop-frontend.yaml")], ""),
    ],
)
def test_heavy_imports_stay_off_the_fast_path(args: list[str], allowed: str) -> None:
    code = LAZY_CHECK.format(args=args)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == f"HEAVY={allowed}", result.stdout + result.stderr


def test_output_to_a_device_writes_through_without_replacing_it(tmp_path: Path) -> None:
    import stat

    result = invoke("scan", str(EXAMPLES / "shop-frontend.yaml"), "-f", "json", "-o", os.devnull)
    assert result.exit_code == 1
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode), "/dev/null must stay a character device"
