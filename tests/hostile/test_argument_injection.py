"""File names chosen by the scanned repository must stay file names: ``--`` in every hook, and a config file
named from inside the scanned tree is not trusted to bring Python policies."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from clirun import BASE, run_cli_raw, scan

from conftest import REPO


def evil_tree(root: Path) -> Path:
    """A repository whose file ``--config=evil.yaml`` names policy paths holding a Python policy that writes a
    marker when imported. Returns the marker."""
    marker = root / "IMPORTED"
    (root / "pol" / "acme").mkdir(parents=True)
    (root / "pol" / "acme" / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (root / "--config=evil.yaml").write_text("policy-paths: [pol]\n")
    (root / "evil.yaml").write_text("policy-paths: [pol]\n")
    (root / "-rf.yaml").write_text(BASE.replace("name: base", "name: rf"))
    (root / "--help.yaml").write_text(BASE.replace("name: base", "name: help"))
    (root / "base.yaml").write_text(BASE)
    (root / ".git").mkdir()  # a work tree: the config file lies inside it
    return marker


def hook_entries() -> dict[str, list[str]]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    return {hook["id"]: shlex.split(hook["entry"]) for hook in hooks}


def test_every_hook_entry_ends_its_options_with_double_dash() -> None:
    for hook_id, entry in hook_entries().items():
        assert "--" in entry, hook_id
        options = entry[entry.index("--") + 1 :]
        assert all(not word.startswith("-") for word in options), hook_id


def test_hook_entry_reads_hostile_file_names_as_files(tmp_path: Path) -> None:
    """As pre-commit runs the hook: the entry, then the file names (``pre-commit run --all-files``)."""
    marker = evil_tree(tmp_path)
    entry = hook_entries()["conformance"]
    names = ["--config=evil.yaml", "-rf.yaml", "--help.yaml", "base.yaml"]
    run = run_cli_raw(["scan", "-f", "json", *entry[2:], *names], tmp_path)  # entry[:2]: `conformance scan`
    assert run.exit_code == 1, run.stderr
    assert not marker.exists()
    located = {(f["location"]["file"], f["policy"]) for f in run.report["findings"]}
    assert {("-rf.yaml", "k8s/no-host-network"), ("--help.yaml", "k8s/no-host-network")} <= located
    assert ("base.yaml", "k8s/no-host-network") in located


def test_cli_accepts_double_dash_before_paths(tmp_path: Path) -> None:
    evil_tree(tmp_path)
    run = run_cli_raw(["scan", "-f", "json", "--", "--help.yaml", "-rf.yaml"], tmp_path)
    assert run.exit_code == 1, run.stderr
    files = {f["location"]["file"] for f in run.report["findings"]}
    assert files == {"--help.yaml", "-rf.yaml"}


def test_config_named_from_inside_the_scanned_tree_is_not_trusted(tmp_path: Path) -> None:
    """Without ``--`` (an old hook, a hand-written CI line) the file name becomes ``--config``: its Python
    policies are still not imported, exactly as for a discovered ``.conformance.yaml``."""
    marker = evil_tree(tmp_path)
    for arguments in (["--config=evil.yaml", "base.yaml"], ["--config", "evil.yaml", "."]):
        run = scan(tmp_path, *arguments)
        assert not marker.exists(), arguments
        assert "conformance/untrusted-policy" in {f["policy"] for f in run.report["findings"]}, arguments


def test_config_outside_the_scanned_tree_stays_trusted(tmp_path: Path) -> None:
    """The operator's own config (outside the scanned repository) still brings trusted policy paths."""
    operator = tmp_path / "operator"
    (operator / "pol" / "acme").mkdir(parents=True)
    marker = operator / "IMPORTED"
    (operator / "pol" / "acme" / "mine.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (operator / "config.yaml").write_text("policy-paths: [pol]\n")
    scanned = tmp_path / "scanned"
    scanned.mkdir()
    (scanned / ".git").mkdir()
    (scanned / "base.yaml").write_text(BASE)
    run_cli_raw(["scan", "-f", "json", "--config", str(operator / "config.yaml"), "base.yaml"], scanned)
    assert marker.exists()
