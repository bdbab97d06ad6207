from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conformance.config import load_config
from conformance.config_extends import builtin_presets
from conformance.errors import ConfigError


@pytest.fixture(autouse=True)
def _inside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_builtin_presets(tmp_path: Path) -> None:
    assert builtin_presets() == ("baseline", "restricted")
    _write(tmp_path, {"repo/.conformance.yaml": "extends: conformance:restricted\nprofiles: [hygiene]\n"})
    config = load_config(tmp_path / "repo" / ".conformance.yaml")
    assert config.profiles == ("baseline", "restricted", "hygiene")
    assert config.chain == ("conformance:baseline", "conformance:restricted", "repo/.conformance.yaml")


def test_several_references_merge_in_order_then_the_file(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "repo/a.yaml": "severity: {k8s/no-host-pid: note}\nfail-on: note\n",
            "repo/b.yaml": "severity: {k8s/no-host-pid: warning}\n",
            "repo/.conformance.yaml": "extends: [a.yaml, b.yaml, conformance:baseline]\n",
        },
    )
    config = load_config(tmp_path / "repo" / ".conformance.yaml")
    assert (config.severity, config.fail_on, config.profiles) == ({"k8s/no-host-pid": "warning"}, "note", ("baseline",))
    assert config.chain == ("repo/a.yaml", "repo/b.yaml", "conformance:baseline", "repo/.conformance.yaml")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {
                "repo/.conformance.yaml": "extends: a.yaml\n",
                "repo/a.yaml": "extends: b.yaml\n",
                "repo/b.yaml": "extends: a.yaml\n",
            },
            "extends: a cycle: repo/.conformance.yaml → repo/a.yaml → repo/b.yaml → repo/a.yaml",
        ),
        (
            {"repo/.conformance.yaml": "extends: .conformance.yaml\n"},
            "a cycle: repo/.conformance.yaml → repo/.conformance.yaml",
        ),
        (
            {"repo/.conformance.yaml": "extends: a.yaml\n", "repo/a.yaml": "extends: conformance:strictest\n"},
            "extends repo/.conformance.yaml → repo/a.yaml → conformance:strictest: no such built-in preset "
            "(built-in: conformance:baseline, conformance:restricted)",
        ),
        (
            {"repo/.conformance.yaml": "extends: nope/base.yaml\n"},
            "extends repo/.conformance.yaml → repo/nope/base.yaml: file not found",
        ),
        (
            {"repo/.conformance.yaml": "extends: acme:strict\n"},
            "extends repo/.conformance.yaml → acme:strict: no installed policy pack is named 'acme'",
        ),
        (
            {"repo/.conformance.yaml": "extends: ../outside.yaml\n", "outside.yaml": ""},
            "'../outside.yaml' leads out of",
        ),
        ({"repo/.conformance.yaml": "extends: /etc/passwd\n"}, "a path must be relative to the file naming it"),
        (
            {"repo/.conformance.yaml": "extends: sub\n", "repo/sub/x.yaml": ""},
            "extends repo/.conformance.yaml → repo/sub: a directory, not a configuration file",
        ),
        (
            {"repo/.conformance.yaml": "extends: 'acme:'\n"},
            "extends repo/.conformance.yaml → repo/acme:: file not found",
        ),
        ({"repo/.conformance.yaml": "extends: [3]\n"}, "key extends"),
        ({"repo/.conformance.yaml": "locked: [profiles]\n"}, "key locked"),
    ],
)
def test_bad_extends_name_the_chain(tmp_path: Path, files: dict[str, str], message: str) -> None:
    _write(tmp_path, files)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "repo" / ".conformance.yaml")
    assert message in str(info.value)


def test_a_link_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, {"secret.yaml": "profiles: [baseline]\n", "repo/.conformance.yaml": "extends: base.yaml\n"})
    os.symlink(tmp_path / "secret.yaml", tmp_path / "repo" / "base.yaml")
    with pytest.raises(ConfigError, match=r"'base.yaml' leads out of .*repo \(links are followed\)"):
        load_config(tmp_path / "repo" / ".conformance.yaml")


def test_a_file_in_a_parent_directory_of_the_same_work_tree_is_fine(tmp_path: Path) -> None:
    _write(
        tmp_path, {"repo/org.yaml": "exclude: [vendor/]\n", "repo/svc/a/.conformance.yaml": "extends: ../../org.yaml\n"}
    )
    config = load_config(tmp_path / "repo" / "svc" / "a" / ".conformance.yaml")
    assert config.exclude == ("vendor/",)
    assert config.root == tmp_path / "repo" / "svc" / "a"


def test_an_error_in_a_parent_names_that_file(tmp_path: Path) -> None:
    _write(tmp_path, {"repo/org.yaml": "fail-on: fatal\n", "repo/.conformance.yaml": "extends: org.yaml\n"})
    with pytest.raises(ConfigError, match=r"org.yaml:1: key fail-on: 'fatal' is not one of"):
        load_config(tmp_path / "repo" / ".conformance.yaml")


def test_a_pack_preset_is_found_through_the_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _write(
        tmp_path,
        {
            "site/acme_preset_pack/__init__.py": "",
            "site/acme_preset_pack/presets/strict.yaml": "extends: conformance:baseline\nlocked: [disable]\n"
            "fail-on: warning\n",
            "site/acme_preset_pack-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-pack\nVersion: 1.0\n",
            "site/acme_preset_pack-1.0.dist-info/entry_points.txt": "[conformance.policies]\nacme = acme_preset_pack\n",
            "repo/.conformance.yaml": "extends: acme:strict\n",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    config = load_config(tmp_path / "repo" / ".conformance.yaml")
    assert (config.profiles, config.fail_on, config.chain) == (
        ("baseline",),
        "warning",
        ("conformance:baseline", "acme:strict", "repo/.conformance.yaml"),
    )
    assert config.locked == {"disable": "acme:strict"}
    (tmp_path / "repo" / ".conformance.yaml").write_text("extends: acme:lax\n")
    with pytest.raises(ConfigError, match=r"acme:lax: pack 'acme' has no preset 'lax' \(its presets: acme:strict\)"):
        load_config(tmp_path / "repo" / ".conformance.yaml")


def test_repeated_references_cannot_multiply(tmp_path: Path) -> None:
    files = {f"repo/l{n}.yaml": f"extends: [l{n + 1}.yaml, l{n + 1}.yaml]\n" for n in range(10)}
    files["repo/l10.yaml"] = ""
    files["repo/.conformance.yaml"] = "extends: l0.yaml\n"
    _write(tmp_path, files)
    with pytest.raises(ConfigError, match=r"extends: more than 64 files to merge, at repo/.conformance.yaml → repo/l0"):
        load_config(tmp_path / "repo" / ".conformance.yaml")


def test_a_chain_has_a_depth_limit(tmp_path: Path) -> None:
    files = {f"repo/l{n}.yaml": f"extends: l{n + 1}.yaml\n" for n in range(20)}
    files["repo/.conformance.yaml"] = "extends: l0.yaml\n"
    _write(tmp_path, files)
    with pytest.raises(ConfigError, match=r"extends: deeper than 16 files: repo/.conformance.yaml → repo/l0.yaml"):
        load_config(tmp_path / "repo" / ".conformance.yaml")


def test_a_preset_may_extend_a_file_of_its_own_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(
        tmp_path,
        {
            "site/acme_chain_pack/__init__.py": "",
            "site/acme_chain_pack/presets/strict.yaml": "extends: ../shared/base.yaml\n",
            "site/acme_chain_pack/shared/base.yaml": "exclude: [generated/]\n",
            "site/acme_chain_pack/presets/escape.yaml": "extends: ../../../repo/secrets.yaml\n",
            "site/acme_chain_pack-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-chain\nVersion: 1.0\n",
            "site/acme_chain_pack-1.0.dist-info/entry_points.txt": "[conformance.policies]\nchain = acme_chain_pack\n",
            "repo/secrets.yaml": "",
            "repo/.conformance.yaml": "extends: chain:strict\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert load_config(tmp_path / "repo" / ".conformance.yaml").exclude == ("generated/",)
    (tmp_path / "repo" / ".conformance.yaml").write_text("extends: chain:escape\n")
    with pytest.raises(
        ConfigError, match=r"chain:escape → ../../../repo/secrets.yaml: .* leads out of .*acme_chain_pack"
    ):
        load_config(tmp_path / "repo" / ".conformance.yaml")
