"""Installed packs: the entry point, the pack's layout, and the example pack round-tripping through pip."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

from conformance.catalog.discovery import build_catalog
from conformance.catalog.packs import find_pack, installed_packs
from conformance.errors import ConfigError, PolicyDefinitionError
from conftest import REPO

EXAMPLE_PACK = REPO / "examples" / "acme-pack"
POLICY = (
    "id: {id}\ntitle: t\ndescription: d\nseverity: error\nmessage: m\nschema: {{properties: {{kind: {{const: X}}}}}}\n"
)


def _install(site: Path, package: str, name: str = "acme", value: str | None = None) -> Path:
    """A package on ``site`` with a dist-info declaring the entry point, as pip would leave it."""
    root = site / package
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    dist = site / f"{package}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[conformance.policies]\n{name} = {value or package}\n")
    return root


def test_a_pack_with_a_policies_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _install(tmp_path, "acme_pack")
    (root / "policies" / "k8s").mkdir(parents=True)
    (root / "policies" / "one.yaml").write_text(POLICY.format(id="acme/one"))
    (root / "policies" / "k8s" / "two.yaml").write_text(POLICY.format(id="acme/two"))
    (root / "presets").mkdir()
    (root / "presets" / "strict.yaml").write_text("profiles: [baseline]\n")
    (root / "presets" / "notes.txt").write_text("not a preset")
    monkeypatch.syspath_prepend(str(tmp_path))
    (pack,) = installed_packs()
    assert (pack.name, pack.root, pack.distribution, pack.policies_dir) == (
        "acme",
        root,
        "acme_pack",
        root / "policies",
    )
    assert pack.presets() == ("strict",)
    assert pack.preset("strict") == root / "presets" / "strict.yaml"
    assert pack.preset("lax") is None
    ids = [d.id for d in build_catalog().definitions if d.id.startswith("acme/")]
    assert ids == ["acme/one", "acme/two"]


def test_a_flat_pack_keeps_presets_and_fixtures_out_of_its_policies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _install(tmp_path, "flat_pack", name="flat")
    (root / "only.yaml").write_text(POLICY.format(id="flat/only"))
    (root / "presets").mkdir()
    (root / "presets" / "strict.yaml").write_text("profiles: [baseline]\n")
    (root / "fixtures" / "flat" / "only").mkdir(parents=True)
    (root / "fixtures" / "flat" / "only" / "pass-1.yaml").write_text("kind: X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [d.id for d in build_catalog().definitions if d.id.startswith("flat/")] == ["flat/only"]
    assert find_pack("flat").fixtures_dir == root / "fixtures"


def test_policy_ids_take_the_pack_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _install(tmp_path, "acme_ids_pack")  # a name of its own: imported modules stay in sys.modules
    (root / "policies").mkdir()
    (root / "policies" / "one.yaml").write_text(POLICY.format(id="other/one"))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        PolicyDefinitionError, match=r"'other/one' does not match the file's place, which gives 'acme/one'"
    ):
        build_catalog()


def test_a_broken_entry_point_names_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path, "acme_broken_pack", value="acme_missing_module")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PolicyDefinitionError, match=r"entry point 'acme' \(acme_missing_module\) failed"):
        list(installed_packs())


def test_two_packs_with_one_name_are_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path, "acme_one")
    _install(tmp_path, "acme_two")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PolicyDefinitionError, match=r"two installed packs are named 'acme': acme_one and acme_two"):
        list(installed_packs())


def test_an_unknown_pack_lists_the_installed_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path, "acme_known_pack")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=r"no installed policy pack is named 'globex' \(installed packs: acme\)"):
        find_pack("globex")


def _run(*args: str | Path, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


FIXTURE_RUN = textwrap.dedent(
    """
    from conformance.catalog.discovery import build_catalog
    from conformance.catalog.packs import find_pack
    from conformance.testing.fixtures import run_fixtures

    pack = find_pack("acme")
    results = run_fixtures(build_catalog().definitions, pack.fixtures_dir)
    for r in results:
        print(r.policy_id, r.fixture.name, "ok" if r.ok else f"MISMATCH {r.expected} {r.actual} {r.errors}")
    """
)


@pytest.mark.slow
def test_the_example_pack_round_trips_through_pip(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    for project in (REPO, EXAMPLE_PACK):
        built = _run(
            sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, project, cwd=tmp_path
        )
        assert built.returncode == 0, built.stderr
    wheels = sorted(dist.glob("*.whl"))
    assert [w.name.split("-")[0] for w in wheels] == ["acme_conformance_pack", "conformance"]
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    installed = _run(env_dir / "bin" / "python", "-m", "pip", "install", "-q", *wheels, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    cli = env_dir / "bin" / "conformance"

    listing = _run(cli, "policies", "list", "-f", "json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    acme = sorted(p["id"] for p in json.loads(listing.stdout) if p["id"].startswith("acme/"))
    assert acme == ["acme/approved-registry", "acme/cost-center-label", "acme/ingress-tls"]

    fixtures = _run(env_dir / "bin" / "python", "-c", FIXTURE_RUN, cwd=tmp_path)
    assert fixtures.returncode == 0, fixtures.stderr
    assert fixtures.stdout.splitlines() == [
        "acme/approved-registry fail-1.yaml ok",
        "acme/approved-registry fail-options.yaml ok",
        "acme/approved-registry pass-1.yaml ok",
        "acme/cost-center-label fail-1.yaml ok",
        "acme/cost-center-label pass-1.yaml ok",
        "acme/ingress-tls fail-1.yaml ok",
        "acme/ingress-tls pass-1.yaml ok",
    ]

    where = _run(env_dir / "bin" / "python", "-c", "import acme_conformance as m; print(m.__file__)", cwd=tmp_path)
    package = Path(where.stdout.strip()).parent
    tested = _run(
        cli, "policies", "test", package / "policies", "--pack", "acme", "--fixtures", package / "fixtures",
        "--trust-local-policies", cwd=tmp_path,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.endswith("3 policies, 7 fixtures: 7 passed, 0 failed\n")

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".conformance.yaml").write_text("extends: acme:strict\n")
    (repo / "app.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  labels: {acme.example/cost-center: shop}\nspec:\n"
        "  containers:\n    - name: app\n      image: docker.io/app:1\n"
    )
    scan = _run(cli, "scan", ".", "-f", "json", cwd=repo)
    assert scan.returncode == 1, scan.stderr
    report = json.loads(scan.stdout)
    found = {(f["policy"], f["location"]["line"]) for f in report["findings"]}
    assert ("acme/approved-registry", 9) in found
    assert ("k8s/run-as-non-root", 8) in found  # from conformance:restricted, which acme:strict extends
    assert not any(f["policy"] == "acme/cost-center-label" for f in report["findings"])

    (repo / ".conformance.yaml").write_text("extends: acme:strict\ndisable: [acme/approved-registry]\n")
    locked = _run(cli, "scan", ".", cwd=repo)
    assert locked.returncode == 2
    assert "key disable[0]: disables 'acme/approved-registry', but disable is locked by acme:strict" in locked.stderr

    (repo / ".conformance.yaml").write_text("extends: acme:strict\n")
    framework = _run(cli, "scan", "app.yaml", "--framework", "pss-baseline", "-f", "json", cwd=repo)
    assert framework.returncode == 0, framework.stderr  # the baseline controls all pass on this pod
    (pss,) = json.loads(framework.stdout)["frameworks"]
    assert pss["summary"] == {"pass": 6, "fail": 0, "not_applicable": 0}


def test_a_pack_may_ship_frameworks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.frameworks import load_frameworks

    root = _install(tmp_path, "acme_framework_pack")
    (root / "frameworks").mkdir()
    (root / "frameworks" / "acme-standard.yaml").write_text(
        "id: acme-standard\ntitle: ACME standard\ncontrols:\n"
        "  - {id: ac-1, title: No host PID, policies: [k8s/no-host-pid]}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    frameworks = load_frameworks()
    assert [c.key for c in frameworks["acme-standard"].controls] == ["acme-standard:ac-1"]
    assert "pss-baseline" in frameworks
