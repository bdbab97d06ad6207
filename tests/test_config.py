from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import DEFAULT_MAX_FILE_SIZE, find_config, key_text, load_config, resolve_config
from conformance.errors import ConfigError
from conformance.suppress import Waiver


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


WAIVERS = """\
fail-on: warning
inline-suppressions: false
waivers:
  - policy: k8s/no-host-network
    reason: the node exporter reads the host's network statistics
    owner: team-observability
    expires: 2025-06-30
    match:
      paths: ["monitoring/**"]
      kind: DaemonSet
      namespace: "mon-*"
      name: node-exporter
      container: exporter
  - {policy: k8s/image-tag-pinned, reason: vendored chart, owner: "@platform"}
"""


def test_waivers_and_inline_suppressions(tmp_path: Path) -> None:
    path = tmp_path / ".conformance.yaml"
    path.write_text(WAIVERS)
    config = load_config(path)
    assert config.inline_suppressions is False
    first, second = config.waivers
    assert first == Waiver(
        policy="k8s/no-host-network",
        reason="the node exporter reads the host's network statistics",
        owner="team-observability",
        expires="2025-06-30",  # an unquoted YAML date stays the text written
        paths=("monitoring/**",),
        kind="DaemonSet",
        namespace="mon-*",
        name="node-exporter",
        container="exporter",
        index=0,
        line=4,
    )
    assert first.config == str(path)
    assert first.suppression(".conformance.yaml").source == ".conformance.yaml:4"
    assert (second.policy, second.owner, second.expires, second.paths, second.index, second.line) == (
        "k8s/image-tag-pinned",
        "@platform",
        None,
        (),
        1,
        14,
    )
    assert first.matches("k8s/no-host-network", "monitoring/ds.yaml", "DaemonSet", "mon-1", "node-exporter", "exporter")


def test_suppression_defaults(tmp_path: Path) -> None:
    path = tmp_path / ".conformance.yaml"
    path.write_text("fail-on: error\n")
    config = load_config(path)
    assert config.inline_suppressions is True and config.waivers == ()
    assert resolve_config(None, [str(tmp_path / "nowhere")]).inline_suppressions is True


W = "policy: k8s/a, reason: r, owner: o"


@pytest.mark.parametrize(
    ("waiver", "message"),
    [
        (f"{{{W}, expires: 2025-02-30}}", "waivers[2].expires: '2025-02-30' is not a real date"),
        (f"{{{W}, expires: 2025-6-30}}", "waivers[2].expires: '2025-6-30' is not a date written YYYY-MM-DD"),
        (f"{{{W}, expires: 20250630}}", "waivers[2].expires: 20250630 is not a date written YYYY-MM-DD"),
        ("{policy: k8s/a, reason: r}", "waivers[2]: 'owner' is a required property"),
        ("{policy: k8s/a, reason: '  ', owner: o}", "waivers[2].reason: '  ' is not a non-empty text"),
        ("{policy: a, reason: r, owner: o}", "waivers[2].policy: 'a' is not a policy id"),
        (f"{{{W}, match: {{path: [x]}}}}", "waivers[2].match: Additional properties are not allowed ('path'"),
        (f"{{{W}, match: {{paths: []}}}}", "waivers[2].match.paths: [] should be non-empty"),
        (f"{{{W}, match: {{paths: ['']}}}}", "waivers[2].match.paths[0]: '' is not a non-empty string"),
        (f"{{{W}, match: {{name: 3}}}}", "waivers[2].match.name: 3 is not a non-empty string"),
        (f"{{{W}, until: 2025-01-01}}", "waivers[2]: Additional properties are not allowed ('until'"),
    ],
)
def test_waiver_errors_name_the_key_and_line(tmp_path: Path, waiver: str, message: str) -> None:
    path = tmp_path / ".conformance.yaml"
    good = "{policy: k8s/x, reason: r, owner: o}"
    path.write_text(f"fail-on: error\nwaivers:\n  - {good}\n\n  - {good}\n  - {waiver}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:6: key {message}")


def test_the_first_error_is_the_first_in_document_order(tmp_path: Path) -> None:
    path = tmp_path / ".conformance.yaml"
    entries = [f"  - {{policy: k8s/x{i}, reason: r, owner: o}}\n" for i in range(12)]
    entries[2] = "  - {policy: k8s/x, reason: r}\n"
    entries[10] = "  - {policy: k8s/x, owner: o}\n"  # waivers[10] sorts before waivers[2] as text
    path.write_text("waivers:\n" + "".join(entries))
    with pytest.raises(ConfigError, match=r":4: key waivers\[2\]: 'owner' is a required property"):
        load_config(path)


def test_inline_suppressions_must_be_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / ".conformance.yaml"
    path.write_text("\n\ninline-suppressions: maybe\n")
    with pytest.raises(ConfigError, match=r":3: key inline-suppressions: 'maybe' is not of type 'boolean'"):
        load_config(path)


def test_key_text() -> None:
    assert key_text(()) == "(top level)"
    assert key_text(("waivers", 2, "match", "paths", 0)) == "waivers[2].match.paths[0]"
    assert key_text(("severity", "k8s/x")) == "severity.k8s/x"
