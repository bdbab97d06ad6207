"""``--framework`` replaces the selection: it cannot be mixed with one, and an unknown id is a usage error."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from conformance.cli import cli

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}}


def test_framework_is_not_combined_with_a_selection(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(yaml.safe_dump(POD))
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "pods.yaml"), "--framework", "pss-baseline", "--policy", "k8s/no-host-pid"]
    )
    assert result.exit_code == 2
    assert "--framework runs exactly the policies its controls map to: drop --policy" in result.output
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "pods.yaml"), "--framework", "pss-strict"])
    assert result.exit_code == 2
    assert "--framework: no framework 'pss-strict'" in result.output


def test_the_config_selection_does_not_apply(tmp_path: Path, monkeypatch) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".conformance.yaml").write_text("profiles: [reliability]\ndisable: [k8s/no-host-pid]\n")
    (tmp_path / "pods.yaml").write_text(yaml.safe_dump(POD))
    result = CliRunner().invoke(cli, ["scan", "pods.yaml", "--framework", "cis-kubernetes-5", "-f", "json"])
    ran = sorted(p["id"] for p in json.loads(result.stdout)["policies"])
    assert "k8s/no-host-pid" in ran and "k8s/liveness-probe" not in ran
    assert len(ran) == 15  # every policy the CIS controls map to
