"""The loader's bounds hold on what libyaml builds, whatever the text looks like (BOMs at column 0), and a
value an explicit core tag cannot build is a parse error for its document only."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import BASE, scan
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import yamlio

BOM = "\ufeff"


def bom_bomb(levels: int = 8, width: int = 9) -> str:
    """A billion-laughs stream whose every anchor sits at column 0 after a byte-order mark (libyaml skips a BOM
    at the start of any line): no anchor is preceded by a space, a bracket or an indicator."""
    lines = ["["]
    lines.append(BOM + "&a0 [" + ", ".join(["lol"] * width) + "],")
    for level in range(1, levels + 1):
        lines.append(BOM + f"&a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "],")
    lines.append("]")
    return "\n".join(lines) + "\n"


def alias_chain(length: int = 3000) -> str:
    """A shallow text whose aliases build a ``length``-deep list."""
    lines = ["[", BOM + "&a0 [x],"]
    lines += [BOM + f"&a{i} [*a{i - 1}]," for i in range(1, length)]
    return "\n".join([*lines, "]"]) + "\n"


def test_alias_bomb_behind_boms_is_refused() -> None:
    result = yamlio.load(bom_bomb())
    assert result.documents == ()
    (problem,) = result.problems
    assert problem.message.startswith("aliases expand this document to 490329055 nodes"), problem
    assert (problem.line, problem.column) == (1, 1)


def test_alias_chain_deeper_than_the_bound_is_refused() -> None:
    result = yamlio.load(alias_chain())
    assert result.documents == ()
    (problem,) = result.problems
    assert "deeper than 256 levels" in problem.message


def test_block_nesting_behind_boms_is_refused_before_libyaml() -> None:
    """Each line starts with a BOM, so a prefix count that stops at it misses the indentation after it."""
    deep = "".join(BOM + " " * level + "- \n" for level in range(0, 3 * 2000, 3))
    result = yamlio.load("x:\n" + deep.replace("- \n", "-\n"))
    assert result.documents == ()
    assert any("deeper than 256" in p.message for p in result.problems), result.problems


@pytest.mark.parametrize(
    ("value", "tag"),
    [("!!int abc", "!!int"), ("!!int ''", "!!int"), ("!!bool maybe", "!!bool"), ("!!float x", "!!float")],
)
def test_explicit_core_tags_that_cannot_build_lose_only_their_document(value: str, tag: str) -> None:
    text = f"a: 1\n---\nb: {value}\n---\nc: 3\n"
    result = yamlio.load(text)
    assert [d.data for d in result.documents] == [{"a": 1}, {"c": 3}]
    (problem,) = result.problems
    assert (problem.line, problem.column) == (3, 4)
    assert f"not a valid {tag} value" in problem.message


def test_an_integer_of_5001_digits_is_a_parse_error() -> None:
    result = yamlio.load("a: 1\n---\nb: " + "7" * 5001 + "\n")
    assert [d.data for d in result.documents] == [{"a": 1}]
    assert "not a valid !!int value" in result.problems[0].message


def test_through_the_command_line_other_findings_survive(tmp_path: Path) -> None:
    deployment = BASE.replace("name: base", "name: tagged")
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "tags.yaml").write_text(deployment + "---\nreplicas: !!int abc\n---\n" + deployment)
    (tmp_path / "bomb.yaml").write_text(bom_bomb())
    (tmp_path / "chain.yaml").write_text(alias_chain())
    run = scan(tmp_path, ".", options=["-j", "2"])
    assert run.exit_code == 2
    errors = sorted((e["location"]["file"], e["location"]["line"]) for e in run.report["errors"])
    assert errors == [("bomb.yaml", 1), ("chain.yaml", 257), ("tags.yaml", 15)], run.report["errors"]
    found = sorted(
        (f["location"]["file"], f["location"]["line"])
        for f in run.report["findings"]
        if f["policy"] == "k8s/no-host-network"
    )
    assert ("base.yaml", 10) in found and found.count(("tags.yaml", 10)) == 1 and ("tags.yaml", 26) in found
    assert run.max_rss_mb < 300


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                BOM,
                "&a ",
                "*a",
                "&b ",
                "*b",
                "!!int ",
                "!!bool ",
                "!!float ",
                "!!binary ",
                "!!set ",
                "!!omap ",
                "- ",
                "[",
                "]",
                "{",
                "}",
                ": ",
                ", ",
                "\n",
                "  ",
                "x",
                "1",
                "maybe",
                "''",
                "---\n",
                "? ",
                "<<: ",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_loader_never_raises_on_bom_and_tag_laden_input(text: str) -> None:
    result = yamlio.load(text)
    for problem in result.problems:
        assert problem.line >= 1 and problem.column >= 1
