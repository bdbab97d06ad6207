"""Golden before/after files of ``fixtures/fix/<case>/``: ``conformance fix`` turns ``before/`` into exactly
``after/`` (bytes), a second run changes nothing, and a scan afterwards shows the fixed findings gone and no
finding that was not there before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conftest import FIXING_POLICIES, FIXTURES

CASES = sorted(p.name for p in (FIXTURES / "fix").iterdir() if p.is_dir())
LEFT = {
    "k8s-anchors": [
        ("anchors.yaml", 73, "k8s/drop-all-capabilities"),
        ("anchors.yaml", 73, "k8s/no-privilege-escalation"),
        ("anchors.yaml", 73, "k8s/read-only-root-filesystem"),
    ],
    "k8s-partial": [
        ("partial.yaml", 14, "k8s/run-as-non-root"),
        ("partial.yaml", 23, "k8s/seccomp-profile-required"),
        ("partial.yaml", 48, "k8s/run-as-non-root"),
    ],
}
"""The findings of fixing policies each case leaves on purpose (file, line after the fix, policy)."""


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _scan(root: Path) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["scan", "-f", "json", "."], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]


def test_every_case_has_before_and_after() -> None:
    assert len(CASES) >= 11
    for case in CASES:
        before, after = FIXTURES / "fix" / case / "before", FIXTURES / "fix" / case / "after"
        assert sorted(_files(before)) == sorted(_files(after)), case
        assert _files(before) != _files(after), f"{case}: nothing to fix"


@pytest.mark.parametrize("case", CASES)
def test_fix_turns_before_into_after(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / case
    shutil.copytree(FIXTURES / "fix" / case / "before", tree)
    monkeypatch.chdir(tree)
    before = _scan(tree)
    first = CliRunner().invoke(cli, ["fix", "."], catch_exceptions=False)
    assert first.exit_code == 1, first.output
    assert _files(tree) == _files(FIXTURES / "fix" / case / "after")
    second = CliRunner().invoke(cli, ["fix", "."], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert _files(tree) == _files(FIXTURES / "fix" / case / "after")
    after = _scan(tree)
    left = sorted(
        (str(f["location"]["file"]), f["location"]["line"], str(f["policy"]))
        for f in after
        if f["policy"] in FIXING_POLICIES
    )
    assert left == sorted(LEFT.get(case, []))
    known = {(f["policy"], f["fingerprint"]) for f in before}
    assert [f["message"] for f in after if (f["policy"], f["fingerprint"]) not in known] == []


def test_crlf_case_keeps_crlf_on_every_line() -> None:
    text = (FIXTURES / "fix" / "k8s-crlf" / "after" / "pod.yaml").read_bytes()
    assert text.count(b"\n") == text.count(b"\r\n") > 10
