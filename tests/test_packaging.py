"""The wheel ships the built-in policies: build it, install it into a fresh venv, scan with it."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO


@pytest.mark.slow
def test_wheel_installs_and_scans_with_builtin_policies(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = dist.glob("conformance-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    probe = subprocess.run(
        [str(python), "-c", "import conformance, pathlib; print(pathlib.Path(conformance.__file__).parent)"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    installed = Path(probe.stdout.strip())
    assert installed.is_relative_to(env_dir), installed
    assert (installed / "builtin_policies" / "k8s" / "no-host-network.yaml").is_file()
    assert (installed / "report" / "templates" / "report.html.j2").is_file()  # the org report's templates
    assert (installed / "schemas" / "org-report.schema.json").is_file()
    scan = subprocess.run(
        [str(env_dir / "bin" / "conformance"), "scan", str(FIXTURES / "examples" / "shop-frontend.yaml")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert scan.returncode == 1, scan.stderr
    assert "k8s/no-host-network" in scan.stdout
    listing = subprocess.run(
        [str(env_dir / "bin" / "conformance"), "policies", "list"], capture_output=True, text=True, cwd=tmp_path
    )
    assert listing.stdout.count("k8s/") >= 25
    # the authoring commands work from the wheel: its templates are package data
    project = tmp_path / "standards"
    project.mkdir()
    for kind, target in (("yaml", "workflow"), ("python", "repository")):
        scaffold = subprocess.run(
            [str(env_dir / "bin" / "conformance"), "policies", "new", f"acme/{kind}-rule", "--kind", kind,
             "--target", target],
            capture_output=True, text=True, cwd=project, timeout=60,
        )
        assert scaffold.returncode == 0, scaffold.stderr
    assert (project / "policies" / "acme" / "tests" / "yaml-rule" / "fail-1" / ".github" / "workflows").is_dir()
    tested = subprocess.run(
        [str(env_dir / "bin" / "conformance"), "policies", "test", "policies"],
        capture_output=True, text=True, cwd=project, timeout=120,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.splitlines()[-1] == "2 policies, 4 fixtures: 4 passed, 0 failed"
