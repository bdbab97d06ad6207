from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import DEFAULT_MAX_FILE_SIZE, find_config, load_config, resolve_config
from conformance.errors import ConfigError


def test_config_is_found_upward_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / ".conformance.yaml").write_text(
        "profiles: [baseline]\nfail-on: warning\npolicy-paths: [policies]\nexclude: ['vendor/']\n"
        "severity: {k8s/no-host-pid: warning}\noptions: {k8s/required-labels: {labels: [team]}}\n"
    )
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested) == tmp_path / ".conformance.yaml"
    config = resolve_config(None, [str(nested)])
    assert config.profiles == ("baseline",)
    assert config.fail_on == "warning"
    assert config.policy_paths == ((tmp_path / "policies").resolve(),)
    assert config.exclude == ("vendor/",)
    assert config.options == {"k8s/required-labels": {"labels": ["team"]}}
    assert config.root == tmp_path


def test_defaults_without_config(tmp_path: Path) -> None:
    config = resolve_config(None, [str(tmp_path)])
    assert config.source is None and config.fail_on == "error"
    assert config.max_file_size == DEFAULT_MAX_FILE_SIZE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fail-on: fatal\n", "key fail-on: 'fatal' is not one of"),
        ("profils: [a]\n", "key (top level): Additional properties are not allowed ('profils'"),
        ("severity: {k8s/x: high}\n", "key severity.k8s/x: 'high' is not one of"),
        ("exclude: vendor\n", "key exclude: 'vendor' is not of type 'array'"),
        ("- 1\n", "must be a mapping"),
        ("a: [\n", "invalid YAML"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".conformance.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        resolve_config(tmp_path / "missing.yaml", ["."])
