"""The config's ``levels:`` list: records, and errors naming the key and its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conformance.config import load_config
from conformance.errors import ConfigError
from conformance.levels import Level

LEVELS = """\
levels:
  - name: bronze
    policies: [k8s/no-host-network, k8s/no-host-]
  - name: silver
    profiles: [baseline, restricted]
  - name: gold
    policies: [k8s]
    profiles: [reliability]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(text)
    return path


def test_levels_become_records(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, LEVELS))
    assert config.levels == (
        Level("bronze", ("k8s/no-host-network", "k8s/no-host-")),
        Level("silver", (), ("baseline", "restricted")),
        Level("gold", ("k8s",), ("reliability",)),
    )
    path = tmp_path / "org.yaml"
    assert config.level_places["levels[0].policies[1]"] == f"{path}:3"
    assert config.level_places["levels[2].profiles[0]"] == f"{path}:8"


def test_no_levels_by_default(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "fail-on: warning\n")).levels == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("levels:\n  - name: a\n", "org.yaml:2: key levels[0]: level 'a' selects nothing"),
        (
            "levels:\n  - name: a\n    profiles: [baseline]\n  - name: a\n    profiles: [restricted]\n",
            "org.yaml:4: key levels[1].name: level 'a' is defined twice (first as levels[0])",
        ),
        ("levels:\n  - name: a\n    polices: [k8s]\n", "org.yaml:2: key levels[0]: Additional properties"),
        ("levels:\n  - policies: [k8s]\n", "org.yaml:2: key levels[0]: 'name' is a required property"),
        ("levels:\n  - name: ' gold'\n    policies: [k8s]\n", "org.yaml:2: key levels[0].name: ' gold' is not a level"),
        ("levels:\n  - name: a\n    policies: []\n", "org.yaml:3: key levels[0].policies: [] should be non-empty"),
    ],
)
def test_malformed_levels_name_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "levels:\n  - name: bronze\n    policies:\n      - k8s/no-host-network\n      - k8s/no-hots-pid\n",
            "org.yaml:5: key levels[0].policies[1]: 'k8s/no-hots-pid' matches no known policy "
            "(did you mean 'k8s/no-host-pid'?)",
        ),
        (
            "levels:\n  - name: bronze\n    policies: [k8s]\n  - name: silver\n    profiles: [restrictd]\n",
            "org.yaml:5: key levels[1].profiles[0]: profile 'restrictd' is unknown (did you mean 'restricted'?)",
        ),
    ],
)
def test_unknown_ids_and_profiles_are_errors_when_policies_load(tmp_path: Path, text: str, message: str) -> None:
    config = write(tmp_path, text)
    manifest = tmp_path / "a.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = CliRunner().invoke(cli, ["scan", str(manifest), "--config", str(config)])
    assert result.exit_code == 2
    assert message in result.output


def test_a_level_may_name_a_policy_of_a_dormant_pack(tmp_path: Path) -> None:
    """Scanning one manifest leaves the repository pack dormant; a level naming repo/readme is still valid."""
    config = write(tmp_path, "levels:\n  - name: bronze\n    policies: [repo/readme, docker]\n")
    manifest = tmp_path / "a.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n")
    result = CliRunner().invoke(cli, ["scan", str(manifest), "--config", str(config)])
    assert result.exit_code == 0, result.output


def test_levels_come_from_the_file_extended_unless_the_child_sets_its_own(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "org.yaml").write_text(LEVELS)
    (tmp_path / "child.yaml").write_text("extends: org.yaml\nfail-on: warning\n")
    (tmp_path / "own.yaml").write_text("extends: org.yaml\nlevels:\n  - name: only\n    policies: [k8s]\n")
    inherited = load_config(tmp_path / "child.yaml")
    assert [level.name for level in inherited.levels] == ["bronze", "silver", "gold"]
    assert inherited.level_places["levels[0].policies[1]"] == f"{tmp_path / 'org.yaml'}:3"
    assert load_config(tmp_path / "own.yaml").levels == (Level("only", ("k8s",)),)


def test_an_unknown_id_in_an_extended_file_names_that_file(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "org.yaml").write_text("levels:\n  - name: bronze\n    policies: [k8s/no-such-policy]\n")
    (tmp_path / "child.yaml").write_text("extends: org.yaml\n")
    manifest = tmp_path / "a.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = CliRunner().invoke(cli, ["scan", str(manifest), "--config", str(tmp_path / "child.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'org.yaml'}:3: key levels[0].policies[0]: 'k8s/no-such-policy' matches no known" in (
        result.output
    )
