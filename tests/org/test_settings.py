from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conformance.config import load_config
from conformance.errors import ConfigError
from conformance.levels import Level
from conformance.org.settings import OrgSettings, load_repository_config, load_settings

ORG = """\
profiles: [baseline]
levels:
  - name: bronze
    policies: [k8s/no-host-network]
  - name: silver
    profiles: [restricted]
org:
  gate: warning
  allow-repository-waivers: false
  timeout: 30
"""


def test_the_org_keys_and_the_scan_configuration(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(ORG)
    settings = load_settings(str(path))
    assert settings.levels == (Level("bronze", ("k8s/no-host-network",)), Level("silver", (), ("restricted",)))
    assert (settings.gate, settings.allow_repository_waivers, settings.allow_inline_suppressions, settings.timeout) == (
        "warning",
        False,
        True,
        30.0,
    )
    assert settings.config.profiles == ("baseline",)
    assert settings.digest == hashlib.sha256(hashlib.sha256(ORG.encode()).digest()).hexdigest()
    assert load_settings(None) == OrgSettings(settings.config.__class__())
    # an ordinary scan accepts the org: section of the same file
    assert (
        load_config(tmp_path / "plain.yaml").profiles == ()
        if (tmp_path / "plain.yaml").write_text("org: {}\n")
        else False
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("org:\n  gate: fatal\n", ":2: key org.gate: 'fatal' is not one of ['error', 'warning', 'note']"),
        ("org:\n  timeout: 0\n", ":2: key org.timeout: 0 is less than or equal to the minimum of 0"),
        ("org:\n  waivers: true\n", ":1: key org: Additional properties are not allowed ('waivers' was unexpected)"),
        ("levels:\n  - policies: [k8s]\n", ":2: key levels[0]: 'name' is a required property"),
        (
            "levels:\n  - {name: a, profiles: [baseline]}\n  - {name: a, profiles: [restricted]}\n",
            ":3: key levels[1].name: level 'a' is defined twice (first as levels[0])",
        ),
        (
            "levels:\n  - name: a\n",
            ":2: key levels[0]: level 'a' selects nothing: give it policies (ids or prefixes) or profiles",
        ),
        ("profiles: nope\n", ":1: key profiles: 'nope' is not of type 'array'"),
    ],
)
def test_errors_name_the_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    assert str(caught.value) == f"{path}{message}"


def test_a_repository_config_may_not_bring_org_keys_into_the_scan(tmp_path: Path) -> None:
    path = tmp_path / ".conformance.yaml"
    path.write_text("levels:\n  - {name: mine, policies: [k8s]}\norg: {gate: note}\nenable: [k8s]\n")
    config = load_repository_config(str(path))
    assert (config.enable, config.levels) == (("k8s",), ())


def test_what_the_org_config_extends_is_merged_and_in_the_digest(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("profiles: [baseline]\ndisable: [k8s/no-host-ports]\nlocked: [disable]\n")
    org = tmp_path / "org.yaml"
    org.write_text("extends: [./base.yaml]\norg: {gate: error}\n")
    settings = load_settings(str(org))
    assert (settings.config.profiles, settings.config.disable) == (("baseline",), ("k8s/no-host-ports",))
    base.write_text("profiles: [restricted]\n")
    assert load_settings(str(org)).digest != settings.digest  # a change in an extended file is a new policy set
    org.write_text("extends: [./base.yaml]\ndisable: [k8s/no-host-pid]\n")
    base.write_text("locked: [disable]\n")
    with pytest.raises(ConfigError, match="but disable is locked by"):  # the locks of the chain hold
        load_settings(str(org))


def test_a_repository_config_extends_a_file_of_its_own_tree(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "shared.yaml").write_text("enable: [k8s/no-host-network]\n")
    own = tmp_path / ".conformance.yaml"
    own.write_text("extends: [./ci/shared.yaml]\n")
    assert load_repository_config(str(own)).enable == ("k8s/no-host-network",)
