"""``conformance baseline create|prune`` and ``scan --baseline``: accepted debt, new findings, fixed entries."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance.cli import cli
from conftest import FIXTURES, need

SHOP = (FIXTURES / "examples" / "shop-frontend.yaml").read_text()
"""A Deployment ``frontend`` (container ``web``) and a Service, with about twenty findings between them."""
PRIVILEGED = "k8s/no-privileged-containers"


def _debt() -> int:
    """How many findings the example has without a baseline (the number every baseline here records)."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "app.yaml")
        path.write_text(SHOP)
        result = CliRunner().invoke(cli, ["scan", "-f", "json", str(path)], catch_exceptions=False)
    count = len(json.loads(result.stdout)["findings"])
    assert count > 10
    return count


DEBT = _debt()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text(SHOP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def create(*paths: str, output: str = "baseline.json") -> Result:
    result = run("baseline", "create", *paths, "-o", output)
    return result


def scan_json(*args: str, baseline: str = "baseline.json") -> tuple[int, dict[str, Any]]:
    result = run("scan", "-f", "json", "--baseline", baseline, *args)
    return result.exit_code, json.loads(result.stdout)


def entries(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text())["entries"])


def active(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if f["status"] == "active"]


def test_create_then_scan_baselines_everything(project: Path) -> None:
    created = create("k8s")
    assert created.exit_code == 0, created.output
    assert f"baseline baseline.json: {DEBT} findings accepted" in created.stderr
    recorded = entries(project / "baseline.json")
    assert len(recorded) == DEBT
    assert {e["file"] for e in recorded} == {"k8s/app.yaml"}

    code, document = scan_json("k8s")
    assert code == 0
    assert {f["status"] for f in document["findings"]} == {"baselined"}
    assert {f["fingerprint"] for f in document["findings"]} == {e["fingerprint"] for e in recorded}
    baselined = document["findings"][0]["suppression"]
    assert baselined["kind"] == "baseline" and baselined["source"] == "baseline.json"
    assert document["summary"]["baselined"] == DEBT
    assert "fixed_baseline_entries" not in document

    text = run("scan", "k8s", "--baseline", "baseline.json", "--no-color")
    assert text.exit_code == 0
    assert text.stdout.startswith(f"0 violations, {DEBT} baselined; 1 file, 2 resources scanned")


def test_without_the_baseline_the_debt_fails(project: Path) -> None:
    create("k8s")
    assert run("scan", "k8s").exit_code == 1


def test_a_new_violation_is_the_only_active_finding(project: Path) -> None:
    create("k8s")
    app = project / "k8s" / "app.yaml"
    app.write_text(app.read_text().replace("      hostNetwork: yes\n", "      hostNetwork: yes\n      hostPID: true\n"))
    code, document = scan_json("k8s")
    assert code == 1
    [new] = active(document)
    assert (new["policy"], new["location"]["line"]) == ("k8s/no-host-pid", 18)
    assert document["summary"]["baselined"] == DEBT
    text = run("scan", "k8s", "--baseline", "baseline.json", "--no-color")
    assert "k8s/app.yaml:18:7 error k8s/no-host-pid" in text.stdout
    assert "k8s/no-host-network" not in text.stdout


def test_moving_a_resource_down_its_file_keeps_it_baselined(project: Path) -> None:
    create("k8s")
    app = project / "k8s" / "app.yaml"
    deployment, service = SHOP.split("---\n")
    app.write_text("# a header\n#\n# more header\n\n" + service + "---\n" + deployment)  # the Deployment moves down
    code, document = scan_json("k8s")
    assert code == 0, active(document)
    assert document["summary"]["baselined"] == DEBT
    host = [f for f in document["findings"] if f["policy"] == "k8s/no-host-network"]
    assert host[0]["location"]["line"] == 17 + 4 + service.count("\n") + 1  # moved, yet baselined


def test_the_same_resource_in_another_file_is_not_baselined(project: Path) -> None:
    create("k8s")
    shutil.copy(project / "k8s" / "app.yaml", project / "k8s" / "copy.yaml")
    code, document = scan_json("k8s")
    assert code == 1
    assert {f["location"]["file"] for f in active(document)} == {"k8s/copy.yaml"}
    assert len(active(document)) == DEBT
    assert document["summary"]["baselined"] == DEBT


def test_renaming_the_container_makes_new_findings(project: Path) -> None:
    create("k8s")
    per_container = [e for e in entries(project / "baseline.json") if "'web'" in e["message"]]
    assert len(per_container) >= 10  # probes, limits, image tag, security context, env, host port, ...
    app = project / "k8s" / "app.yaml"
    app.write_text(app.read_text().replace("- name: web", "- name: server"))
    code, document = scan_json("k8s")
    assert code == 1
    renamed = active(document)
    assert all("'server'" in f["message"] for f in renamed)
    # every finding about the container is new, whether its policy is written in YAML or in Python
    assert sorted(f["policy"] for f in renamed) == sorted(e["policy"] for e in per_container)
    assert {PRIVILEGED, "k8s/image-tag-pinned", "k8s/no-secrets-in-env"} <= {f["policy"] for f in renamed}
    # object-level findings (labels, namespace, replicas, host network) do not depend on the container
    baselined = {f["policy"] for f in document["findings"] if f["status"] == "baselined"}
    assert {"k8s/no-host-network", "k8s/min-replicas", "k8s/no-default-namespace"} <= baselined
    # and the old container's entries are fixed debt now
    fixed = document["fixed_baseline_entries"]
    assert sorted(e["fingerprint"] for e in fixed) == sorted(e["fingerprint"] for e in per_container)


def test_renaming_the_resource_makes_new_findings(project: Path) -> None:
    create("k8s")
    app = project / "k8s" / "app.yaml"
    app.write_text(
        app.read_text().replace(
            "  name: frontend\n  namespace: default\nspec:\n  replicas",
            "  name: web\n  namespace: default\nspec:\n  replicas",
        )
    )
    code, document = scan_json("k8s")
    assert code == 1
    assert {f["resource"]["name"] for f in active(document)} == {"web"}


def _fix_privileged(project: Path) -> None:
    app = project / "k8s" / "app.yaml"
    app.write_text(app.read_text().replace("privileged: true", "privileged: false"))


def test_fixed_debt_is_listed(project: Path) -> None:
    create("k8s")
    [entry] = [e for e in entries(project / "baseline.json") if e["policy"] == PRIVILEGED]
    _fix_privileged(project)
    code, document = scan_json("k8s")
    assert code == 0
    assert document["fixed_baseline_entries"] == [entry]
    assert document["summary"]["baselined"] == DEBT - 1
    text = run("scan", "k8s", "--baseline", "baseline.json", "--no-color")
    assert text.stdout.startswith(f"0 violations, {DEBT - 1} baselined, 1 baseline entry fixed (prune them); 1 file")


def test_prune_removes_exactly_the_fixed_entry(project: Path) -> None:
    create("k8s")
    baseline = project / "baseline.json"
    before = baseline.read_text()
    [entry] = [e for e in entries(baseline) if e["policy"] == PRIVILEGED]
    assert not before.splitlines()[-3].startswith('    {"fingerprint": "' + entry["fingerprint"])  # not the last
    _fix_privileged(project)
    pruned = run("baseline", "prune", "--baseline", "baseline.json", "k8s")
    assert pruned.exit_code == 0, pruned.output
    assert f"1 fixed entry removed, {DEBT - 1} kept" in pruned.stderr
    after = baseline.read_text()
    assert after.splitlines() == [line for line in before.splitlines() if entry["fingerprint"] not in line]
    assert after.endswith("}\n")
    code, document = scan_json("k8s")
    assert code == 0 and "fixed_baseline_entries" not in document
    # nothing left to prune: the file stays byte for byte
    assert run("baseline", "prune", "--baseline", "baseline.json", "k8s").exit_code == 0
    assert baseline.read_text() == after


def test_prune_of_a_file_list_only_judges_the_listed_files(project: Path) -> None:
    (project / "k8s" / "other.yaml").write_text(SHOP.replace("name: frontend", "name: other"))
    create("k8s")
    baseline = project / "baseline.json"
    before = baseline.read_text()
    _fix_privileged(project)
    # a partial scan of other.yaml says nothing about app.yaml's entries
    code, document = scan_json("k8s/other.yaml")
    assert code == 0 and "fixed_baseline_entries" not in document
    assert run("baseline", "prune", "--baseline", "baseline.json", "k8s/other.yaml").exit_code == 0
    assert baseline.read_text() == before
    assert run("baseline", "prune", "--baseline", "baseline.json", "k8s/app.yaml").exit_code == 0
    assert len(entries(baseline)) == len(json.loads(before)["entries"]) - 1


def test_a_subdirectory_scan_below_the_config_does_not_fix_other_debt(project: Path) -> None:
    (project / ".conformance.yaml").write_text("fail-on: error\n")
    (project / "apps").mkdir()
    (project / "apps" / "app.yaml").write_text(SHOP.replace("name: frontend", "name: other"))
    create("k8s", "apps")
    baseline = project / "baseline.json"
    before = baseline.read_text()
    code, document = scan_json("apps")
    assert code == 0
    assert "fixed_baseline_entries" not in document  # k8s/ was not scanned: its debt is not judged
    assert run("baseline", "prune", "--baseline", "baseline.json", "apps").exit_code == 0
    assert baseline.read_text() == before
    # scanned from the configuration's directory, the scan is complete: a deleted file's debt is fixed
    shutil.rmtree(project / "apps")
    _, document = scan_json(".")
    assert {e["file"] for e in document["fixed_baseline_entries"]} == {"apps/app.yaml"}


def test_a_subdirectory_scan_does_not_fix_the_debt_of_other_directories(project: Path) -> None:
    (project / "apps").mkdir()
    (project / "apps" / "app.yaml").write_text(SHOP.replace("name: frontend", "name: other"))
    create("k8s", "apps")
    code, document = scan_json("apps")
    assert code == 0
    assert "fixed_baseline_entries" not in document


def test_scan_with_an_invalid_baseline_exits_2_naming_the_file(project: Path) -> None:
    (project / "broken.json").write_text('{"version": 1, "entries": [\n')
    result = run("scan", "k8s", "--baseline", "broken.json")
    assert result.exit_code == 2
    assert "conformance: error: broken.json:2:1: the baseline is not valid JSON" in result.stderr
    assert result.stdout == ""

    (project / "wrong.json").write_text('{"version": 1, "tool": "conformance", "entries": [{"policy": "k8s/x"}]}')
    result = run("scan", "k8s", "--baseline", "wrong.json")
    assert result.exit_code == 2
    assert "wrong.json: key entries[0]" in result.stderr

    result = run("scan", "k8s", "--baseline", "missing.json")
    assert result.exit_code == 2
    assert "missing.json: baseline file not found" in result.stderr


def test_prune_with_an_invalid_baseline_exits_2_and_keeps_it(project: Path) -> None:
    (project / "broken.json").write_text("[]\n")
    result = run("baseline", "prune", "--baseline", "broken.json", "k8s")
    assert result.exit_code == 2
    assert "broken.json" in result.stderr
    assert (project / "broken.json").read_text() == "[]\n"


def test_create_with_a_scan_error_exits_2_but_writes_the_baseline(project: Path) -> None:
    (project / "k8s" / "broken.yaml").write_text("kind: [\n")
    result = create("k8s")
    assert result.exit_code == 2
    assert "1 scan error(s) were not baselined" in result.stderr
    recorded = entries(project / "baseline.json")
    assert len(recorded) == DEBT
    assert all(not e["policy"].startswith("conformance/") for e in recorded)


def test_prune_refuses_when_the_scan_has_errors(project: Path) -> None:
    create("k8s")
    baseline = project / "baseline.json"
    before = baseline.read_text()
    _fix_privileged(project)
    (project / "k8s" / "broken.yaml").write_text("kind: [\n")
    result = run("baseline", "prune", "--baseline", "baseline.json", "k8s")
    assert result.exit_code == 2
    assert "not pruning" in result.stderr
    assert baseline.read_text() == before


def test_create_replaces_an_existing_baseline(project: Path) -> None:
    create("k8s")
    _fix_privileged(project)
    assert create("k8s").exit_code == 0
    assert PRIVILEGED not in {e["policy"] for e in entries(project / "baseline.json")}


def test_suppressed_findings_are_not_baselined(project: Path) -> None:
    app = project / "k8s" / "app.yaml"
    app.write_text(
        app.read_text().replace(
            "privileged: true", 'privileged: true # conformance:ignore k8s/no-privileged-containers reason="x"'
        )
    )
    create("k8s")
    assert PRIVILEGED not in {e["policy"] for e in entries(project / "baseline.json")}
    code, document = scan_json("k8s")
    assert code == 0
    [finding] = [f for f in document["findings"] if f["policy"] == PRIVILEGED]
    assert finding["status"] == "suppressed"


def test_parallel_scan_matches_baseline_entries_in_workers(project: Path) -> None:
    for i in range(70):
        (project / "k8s" / f"app-{i:02d}.yaml").write_text(SHOP.replace("name: frontend", f"name: app{i}"))
    assert create("k8s", "-j", "2").exit_code == 0
    code, document = scan_json("k8s", "-j", "2")
    assert code == 0, active(document)[:3]
    assert document["summary"]["baselined"] == 71 * DEBT
    assert "fixed_baseline_entries" not in document


def test_the_baseline_does_not_depend_on_where_the_scan_starts(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need(shutil.which("git") is not None, "git is not installed")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    create("k8s")
    assert {e["file"] for e in entries(project / "baseline.json")} == {"k8s/app.yaml"}
    monkeypatch.chdir(project / "k8s")
    code, document = scan_json(".", baseline="../baseline.json")
    assert code == 0
    assert document["summary"]["baselined"] == DEBT
    assert {f["location"]["file"] for f in document["findings"]} == {"app.yaml"}
