"""``conformance policies docs``: the project's docs/policies.md is current, the page is deterministic, and
nothing from a policy file can add HTML, links or structure to it."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner, Result

from conformance.cli import cli
from conformance.commands.policies_docs import REGENERATE
from conftest import REPO


def invoke(cwd: Path, *args: str) -> Result:
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def test_docs_policies_md_is_current() -> None:
    args = REGENERATE.split()[1:]
    generated = invoke(REPO, *args[: args.index("-o")], "-o", "-")
    assert generated.exit_code == 0, generated.output
    current = (REPO / "docs" / "policies.md").read_text("utf-8")
    assert generated.stdout == current, f"docs/policies.md is stale: regenerate it with `{REGENERATE}`"


def test_every_builtin_policy_has_a_section_with_both_examples() -> None:
    text = (REPO / "docs" / "policies.md").read_text("utf-8")
    sections = text.split('<a id="')[1:]
    policy_sections = [s for s in sections if not s.startswith("pack-")]
    assert len(policy_sections) >= 47
    for section in policy_sections:
        assert "**Failing example**" in section and "**Passing example**" in section, section[:80]
        assert "| severity |" in section and "| target |" in section


def test_the_page_is_deterministic_and_names_no_local_path(tmp_path: Path) -> None:
    out = tmp_path / "a.md"
    args = ["policies", "docs", str(REPO / "policies"), "--fixtures", str(REPO / "fixtures" / "policies")]
    assert invoke(tmp_path, *args, "-o", str(out)).exit_code == 0
    again = invoke(tmp_path, *args, "-o", "-")
    assert out.read_text("utf-8") == again.stdout
    assert str(REPO) not in again.stdout and str(tmp_path) not in again.stdout


HOSTILE = """\
title: "<script>alert(1)</script> [click](https://evil.example) | cell"
description: |
  # Not a heading
  <img src=x onerror=alert(1)> **bold** @team `<b>kept as code</b>`
  - not a list
fix: "[link](javascript:alert(1))"
severity: error
message: m
options:
  "allowed":
    default: ["a|b", "`tick`"]
    description: "<b>x</b> | y"
schema:
  properties:
    spec: {type: object}
"""


def test_everything_from_a_policy_file_is_escaped(tmp_path: Path) -> None:
    policy = tmp_path / "policies" / "acme" / "hostile.yaml"
    policy.parent.mkdir(parents=True)
    policy.write_text(HOSTILE)
    fixtures = tmp_path / "policies" / "acme" / "tests" / "hostile"
    fixtures.mkdir(parents=True)
    (fixtures / "fail-1.yaml").write_text("kind: Pod\n```\n<script>x</script>\n")
    result = invoke(tmp_path, "policies", "docs", "policies")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "<script>" not in page.replace("```yaml\nkind: Pod\n```\n<script>", "")  # only inside the fenced block
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\[click\\](https://evil.example) \\| cell" in page
    assert "\\# Not a heading" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\\*\\*bold\\*\\*" in page and "@\u200bteam" in page and "`<b>kept as code</b>`" in page
    assert "\\- not a list" in page
    assert "**How to fix:** \\[link\\](javascript:alert(1))" in page
    assert '| `allowed` | `["a\\|b", "`tick`"]`' not in page  # the backticks inside need a longer fence
    assert '| `allowed` | ``["a\\|b", "`tick`"]`` | &lt;b&gt;x&lt;/b&gt; \\| y |  |' in page
    assert "````yaml\nkind: Pod\n```\n<script>x</script>\n````" in page  # the fence outlasts the fixture's


def test_broken_policies_are_not_documented(tmp_path: Path) -> None:
    policy = tmp_path / "policies" / "acme" / "broken.yaml"
    policy.parent.mkdir(parents=True)
    policy.write_text("title: t\n")
    result = invoke(tmp_path, "policies", "docs", "policies", "-o", "out.md")
    assert result.exit_code == 2
    assert "cannot document broken policies" in result.output
    assert not (tmp_path / "out.md").exists()
