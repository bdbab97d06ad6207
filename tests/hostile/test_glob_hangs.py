"""Pathological CODEOWNERS patterns are matched in linear time, with the meaning the regular expressions had."""

from __future__ import annotations

import time
from pathlib import Path

from clirun import BASE, scan
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.targets.codeowners import parse, pattern_glob, pattern_regex

PATTERN_PIECES = ["a", "b", "/", "*", "**", "?", "\\ ", ".", "**/", "/**", "x/"]
PATH_PIECES = ["a", "b", "/", ".", " ", "x", "ab"]


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(PATTERN_PIECES), min_size=1, max_size=6).map("".join),
    st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=8).map("".join),
)
def test_linear_matcher_agrees_with_the_regular_expression(pattern: str, path: str) -> None:
    path = "/".join(part for part in path.split("/") if part) or "a"
    assert pattern_glob(pattern).matches(path) == (pattern_regex(pattern).fullmatch(path) is not None), (
        pattern,
        path,
    )


def test_three_thousand_double_stars() -> None:
    owners = parse("/".join(["**"] * 3000) + "/z @org/team\n")
    started = time.monotonic()
    assert owners.owners_of("a/" * 200 + "y") == ()
    assert owners.owners_of("a/" * 200 + "z") == ("@org/team",)
    assert time.monotonic() - started < 1


def test_fifteen_double_stars_against_a_deep_path() -> None:
    owners = parse("/" + "/".join(["**/a"] * 15) + "/b @org/team\n*a*a*a*a*a*a*a*a*a*a*a*a*c @org/other\n")
    started = time.monotonic()
    assert owners.owners_of("a/" * 400 + "c" * 3) == ()
    assert owners.owners_of("a" * 250) == ()
    assert time.monotonic() - started < 1


def test_through_the_command_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "CODEOWNERS").write_text("/" + "/".join(["**/a"] * 15) + "/b @org/team\n* @org/all\n")
    deep = tmp_path.joinpath(*["a"] * 60)
    deep.mkdir(parents=True)
    (deep / "base.yaml").write_text(BASE)
    run = scan(tmp_path, ".", timeout=60)
    assert run.exit_code in (1, 2)
    assert run.seconds < 30
    owners = {tuple(f["owners"]) for f in run.report["findings"] if f["policy"] == "k8s/no-host-network"}
    assert owners == {("@org/all",)}


BACKTRACKING = "*a" * 12 + "*b"


def test_a_hostile_gitignore_pattern_does_not_hang_the_walk(tmp_path: Path) -> None:
    """Outside git, ``.gitignore`` files are read by conformance itself: the pattern is dropped, the walk ends."""
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / ".gitignore").write_text(BACKTRACKING + "\n")
    (tmp_path / ("a" * 200 + ".yaml")).write_text(BASE.replace("name: base", "name: long"))
    (tmp_path / "README.md").write_text("# x\n")
    run = scan(tmp_path, "--target", "repository", ".", timeout=60)
    assert run.seconds < 30
    run = scan(tmp_path, ".", timeout=60)
    assert run.seconds < 30
    assert ("a" * 200 + ".yaml") in {f["location"]["file"] for f in run.report["findings"]}


def test_hostile_exclude_and_waiver_globs_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / ("a" * 200 + ".yaml")).write_text(BASE)
    waiver = (
        "waivers:\n- policy: k8s/no-host-network\n  reason: r\n  owner: o\n  expires: 2999-01-01\n"
        f"  match: {{paths: ['{BACKTRACKING}']}}\n"
    )
    for config in (f"exclude: ['{BACKTRACKING}']\n", waiver):
        (tmp_path / ".conformance.yaml").write_text(config)
        run = scan(tmp_path, ".", timeout=60)
        assert run.exit_code == 2 and "nests 12 wildcards" in run.stderr, run.stderr[-2000:]
        assert run.seconds < 30
