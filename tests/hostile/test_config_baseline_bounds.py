"""A hostile configuration or committed baseline is a clear error (exit 2), in bounded time and memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from clirun import BASE, CliRun, scan


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    (root / "base.yaml").write_text(BASE)
    (tmp_path / "secret.txt").write_text("top: secret-value\n")
    return root


def refused(run: CliRun, reason: str) -> None:
    assert run.exit_code == 2, run.stderr[-2000:]
    assert reason in run.stderr, run.stderr[-2000:]
    assert "secret-value" not in run.stderr + run.stdout
    assert run.seconds < 30 and run.max_rss_mb < 400, (run.seconds, run.max_rss_mb)


def test_baseline_nested_100000_deep(repo: Path) -> None:
    (repo / "baseline.json").write_text("[" * 100_000 + "]" * 100_000)
    refused(scan(repo, ".", options=["--baseline", "baseline.json"]), "nested too deeply")


def test_baseline_with_nan(repo: Path) -> None:
    (repo / "baseline.json").write_text('{"version": 1, "entries": [], "x": NaN}')
    refused(scan(repo, ".", options=["--baseline", "baseline.json"]), "NaN is not a JSON value")


def test_baseline_of_15_megabytes(repo: Path) -> None:
    with (repo / "baseline.json").open("w") as stream:
        stream.write('{"version": 1, "entries": [], "pad": "' + "x" * (15 * 1024 * 1024) + '"}')
    refused(scan(repo, ".", options=["--baseline", "baseline.json"]), "byte limit for a baseline")


def test_baseline_with_wrong_types(repo: Path) -> None:
    (repo / "baseline.json").write_text('{"version": "1", "entries": {"a": 1}}')
    refused(scan(repo, ".", options=["--baseline", "baseline.json"]), "baseline")


@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_a_committed_link_out_of_the_tree_is_not_read(repo: Path, option: str) -> None:
    (repo / "committed.json").symlink_to(repo.parent / "secret.txt")
    refused(scan(repo, ".", options=[option, "committed.json"]), "symbolic link out of its tree")


def test_a_discovered_config_that_links_out_of_the_tree(repo: Path) -> None:
    (repo / ".conformance.yaml").symlink_to(repo.parent / "secret.txt")
    refused(scan(repo, "."), "symbolic link out of its tree")


@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_a_fifo_is_not_waited_for(repo: Path, option: str) -> None:
    os.mkfifo(repo / "pipe")
    refused(scan(repo, ".", options=[option, "pipe"], timeout=30), "not a regular file")


@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_dev_zero_is_not_read(repo: Path, option: str) -> None:
    refused(scan(repo, ".", options=[option, "/dev/zero"], timeout=30), "not a regular file")


def test_a_config_with_100000_waivers(repo: Path) -> None:
    waiver = "  - {{policy: k8s/no-host-network, paths: [w{0}.yaml], reason: r, owner: o, expires: 2999-01-01}}\n"
    with (repo / ".conformance.yaml").open("w") as stream:
        stream.write("waivers:\n")
        for index in range(100_000):
            stream.write(waiver.format(index))
    refused(scan(repo, "."), "byte limit for a configuration")


def test_a_config_billion_laughs(repo: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    (repo / ".conformance.yaml").write_text("\n".join(lines) + "\nexclude: *a8\n")
    refused(scan(repo, "."), "alias bomb")


def test_a_config_with_a_recursive_alias(repo: Path) -> None:
    (repo / ".conformance.yaml").write_text("exclude: &a [*a]\n")
    refused(scan(repo, "."), "alias")
