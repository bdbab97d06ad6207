from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conformance.config import load_config
from conformance.errors import ConfigError
from conformance.levels import Level
from conformance.org.settings import OrgSettings, load_scan_config, load_settings

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
    assert settings.digest == hashlib.sha256(ORG.encode()).hexdigest()
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
    path.write_text("levels: surprise\norg: {gate: note}\nenable: [k8s]\n")
    assert load_scan_config(str(path)).enable == ("k8s",)
