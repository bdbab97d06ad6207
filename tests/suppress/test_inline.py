"""Inline suppression comments in YAML manifests and Dockerfiles."""

from __future__ import annotations

import pytest

from conformance import yamlio
from conformance.suppress import (
    InlineIgnore,
    inline,
    parse_inline,
    unknown_ids,
)

KNOWN = frozenset({"k8s/no-host-network", "k8s/no-privileged-containers", "k8s/image-tag-pinned", "docker/no-root"})


def covered(text: str, syntax: str = "yaml") -> dict[int, tuple[str, ...]]:
    """Target line -> policy ids of the markers covering it."""
    markers = parse_inline(text, syntax)
    assert markers.problems == (), markers.problems
    found: dict[int, tuple[str, ...]] = {}
    for ignore in markers.ignores:
        found[ignore.target_line] = found.get(ignore.target_line, ()) + ignore.policy_ids
    return found


# --- inline comments: where markers are and what they cover -------------------------------------------------


def test_text_without_marker_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise AssertionError("lines scanned")

    monkeypatch.setattr(inline, "_yaml_comments", boom)
    markers = parse_inline("a: 1  # conformance: ignore-ish\n" * 1000)
    assert not markers and markers.ignores == () and markers.problems == ()
    assert markers.covering(1, "k8s/no-host-network") is None


def test_trailing_marker_covers_its_line_only() -> None:
    text = 'spec:\n  hostNetwork: true  # conformance:ignore k8s/no-host-network reason="node agent"\n  x: 1\n'
    markers = parse_inline(text)
    ignore = markers.covering(2, "k8s/no-host-network")
    assert ignore == InlineIgnore(2, 22, ("k8s/no-host-network",), "node agent", 2)
    assert not ignore.own_line
    assert markers.covering(3, "k8s/no-host-network") is None
    assert markers.covering(2, "k8s/no-privileged-containers") is None
    assert ignore.suppression("deploy.yaml").to_dict() == {
        "kind": "inline",
        "reason": "node agent",
        "owner": None,
        "expires": None,
        "source": "deploy.yaml:2",
    }


def test_marker_on_its_own_line_covers_the_next_line_and_markers_stack() -> None:
    text = (
        "spec:\n"
        "  # conformance:ignore k8s/no-host-network reason='node agent'\n"
        '    # conformance:ignore k8s/image-tag-pinned ,  k8s/no-privileged-containers reason="both"\n'
        "  hostNetwork: true\n"
        "  other: 1\n"
    )
    markers = parse_inline(text)
    assert covered(text) == {4: ("k8s/no-host-network", "k8s/image-tag-pinned", "k8s/no-privileged-containers")}
    assert markers.covering(4, "k8s/no-privileged-containers").reason == "both"  # type: ignore[union-attr]
    assert markers.covering(2, "k8s/no-host-network") is None
    assert markers.covering(5, "k8s/no-host-network") is None
    assert markers.policy_ids == {"k8s/no-host-network", "k8s/image-tag-pinned", "k8s/no-privileged-containers"}


def test_marker_after_other_comment_text_and_spacing_variants() -> None:
    text = (
        'a: 1 # TODO # conformance:ignore k8s/no-host-network reason="legacy"\n'
        'b: 2 #conformance:ignore k8s/image-tag-pinned   reason = "spaces"\n'
        "c: 3 # see conformance:ignore in the docs\n"
    )
    assert covered(text) == {1: ("k8s/no-host-network",), 2: ("k8s/image-tag-pinned",)}


def test_line_numbers_match_yamlio_positions() -> None:
    text = (
        "apiVersion: apps/v1\r\n"
        "kind: Deployment\r\n"
        "metadata: {name: web}\r\n"
        "spec:\r\n"
        "  template:\r\n"
        "    spec:\r\n"
        "      containers:\r\n"
        "        - name: app\r\n"
        "          securityContext:\r\n"
        '            # conformance:ignore k8s/no-privileged-containers reason="needs /dev"\r\n'
        "            privileged: true\r\n"
    )
    loaded = yamlio.load(text)
    path = ("spec", "template", "spec", "containers", 0, "securityContext", "privileged")
    line = yamlio.locate(loaded.documents[0].node, path).line
    assert line == 11
    assert parse_inline(text).covering(line, "k8s/no-privileged-containers") is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: \"text # conformance:ignore k8s/no-host-network reason='x'\"\n",
        "a: 'it''s # conformance:ignore k8s/no-host-network reason=\"x\"'\n",
        "a: !!str \"t # conformance:ignore k8s/no-host-network reason='x'\"\n",
        "- \"t # conformance:ignore k8s/no-host-network reason='x'\"\n",
        "{a: [1, \"t # conformance:ignore k8s/no-host-network reason='x'\"]}\n",
        '{"a":"t # conformance:ignore k8s/no-host-network reason=\'x\'"}\n',
        'a: url#conformance:ignore k8s/no-host-network reason="x"\n',
        "a: \"first line\n  # conformance:ignore k8s/no-host-network reason='x'\n  end\"\n",
        "a: 'first line\n  # conformance:ignore k8s/no-host-network reason=\"x\"\n  end'\n",
        "a: |\n  # conformance:ignore k8s/no-host-network reason='x'\n  echo\n",
        "a: |-\n  one\n\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "a: >+2\n    # conformance:ignore k8s/no-host-network reason='x'\n",
        "a: &anchor |\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "a: | # a comment on the header\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "- |\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "list:\n- key: |\n    # conformance:ignore k8s/no-host-network reason='x'\n",
        "--- |\n# conformance:ignore k8s/no-host-network reason='x'\n",
    ],
)
def test_hash_inside_scalars_is_not_a_comment(text: str) -> None:
    assert not parse_inline(text)


def test_comments_after_a_block_scalar_count_again() -> None:
    text = (
        "- name: job\n"
        "  run: |\n"
        "    # not a comment\n"
        "    echo 'unbalanced\n"
        '  # conformance:ignore k8s/no-host-network reason="back in the mapping"\n'
        "  hostNetwork: true\n"
        "data: don't # conformance:ignore k8s/image-tag-pinned reason='apostrophe in a plain scalar'\n"
    )
    assert covered(text) == {6: ("k8s/no-host-network",), 7: ("k8s/image-tag-pinned",)}


def test_libyaml_line_breaks_count_as_lines() -> None:
    text = "a: 1\x85b: 2 # conformance:ignore k8s/no-host-network reason='x'\n"
    assert covered(text) == {2: ("k8s/no-host-network",)}


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: 1 # conformance:ignore k8s/no-host-network\n", 1, 6, "a reason is required"),
        ('a: 1 # conformance:ignore k8s/no-host-network reason="  "\n', 1, 6, "the reason is empty"),
        ("a: 1 # conformance:ignore k8s/no-host-network reason=legacy\n", 1, 6, "the reason must be quoted"),
        ('a: 1 # conformance:ignore k8s/no-host-network reason="legacy\n', 1, 6, 'no closing "'),
        ('a: 1 # conformance:ignore reason="x"\n', 1, 6, "names no policy id"),
        ("a: 1 # conformance:ignore\n", 1, 6, "names no policy id"),
        ('a: 1 # conformance:ignore no-host-network reason="x"\n', 1, 6, "'no-host-network' is not a policy id"),
        ('a: 1 # conformance:ignore k8s/a k8s/b reason="x"\n', 1, 6, "separate policy ids with commas"),
        ('a: 1 # conformance:ignore k8s/a,,k8s/b reason="x"\n', 1, 6, "empty policy id"),
        ('a: 1 # conformance:ignore k8s/a, reason="x"\n', 1, 6, "empty policy id"),
        ('a: 1 # conformance:ignore k8s/a reason="x" until=2025\n', 1, 6, "unexpected text after the reason"),
        ('a: 1 # conformance:ignore-next-line k8s/a reason="x"\n', 1, 6, "unknown directive"),
        ('a: 1\n  # conformance:ignore k8s/a reason="x"\n\nb: 2\n', 2, 3, "covers nothing"),
        ('a: 1\n# conformance:ignore k8s/a reason="x"', 2, 1, "covers nothing"),
    ],
)
def test_malformed_markers_are_problems_that_suppress_nothing(text: str, line: int, column: int, message: str) -> None:
    markers = parse_inline(text)
    assert markers.ignores == ()
    assert len(markers.problems) == 1
    problem = markers.problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert message in problem.message


def test_unknown_policy_ids_are_problems() -> None:
    text = (
        'a: 1 # conformance:ignore k8s/no-host-network reason="ok"\n'
        'b: 2 # conformance:ignore k8s/no-host-networks,k8s/image-tag-pinned reason="typo"\n'
    )
    markers = parse_inline(text)
    problems = unknown_ids(markers, KNOWN)
    assert [(p.line, p.column) for p in problems] == [(2, 6)]
    assert problems[0].message == "unknown policy id 'k8s/no-host-networks' (did you mean 'k8s/no-host-network'?)"
    checked = markers.validated(KNOWN)
    assert checked.problems == problems
    assert checked.covering(1, "k8s/no-host-network") is not None
    assert checked.covering(2, "k8s/image-tag-pinned") is None  # the whole marker is refused
    assert markers.validated(["k8s/no-host-network", "k8s/no-host-networks", "k8s/image-tag-pinned"]) is markers


def test_unknown_syntax_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown syntax"):
        parse_inline("", "toml")


# --- inline comments in Dockerfiles ----------------------------------------------------------------------------


def test_dockerfile_markers_cover_the_next_instruction() -> None:
    text = (
        "FROM alpine:3\n"
        '# conformance:ignore docker/no-root reason="the base image needs root to install"\n'
        "USER root\n"
        "RUN echo \"# conformance:ignore docker/no-root reason='in a string'\"\n"
    )
    assert covered(text, "dockerfile") == {3: ("docker/no-root",)}


def test_dockerfile_heredoc_bodies_are_not_comments() -> None:
    text = (
        "FROM alpine:3\n"
        "RUN <<-EOF\n"
        "\t# conformance:ignore docker/no-root reason='shell comment in a heredoc'\n"
        "\techo hi\n"
        "\tEOF\n"
        "# conformance:ignore docker/no-root reason='after the heredoc'\n"
        "USER root\n"
    )
    assert covered(text, "dockerfile") == {7: ("docker/no-root",)}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("FROM alpine:3\nUSER root # conformance:ignore docker/no-root reason='x'\n", 2, "line of its own"),
        (
            "FROM alpine:3\nRUN apk add \\\n  # conformance:ignore docker/no-root reason='x'\n  curl\n",
            3,
            "inside an instruction continued",
        ),
        (
            "# escape=`\nFROM alpine:3\nRUN apk add `\n  # conformance:ignore docker/no-root reason='x'\n  curl\n",
            4,
            "inside an instruction continued",
        ),
    ],
)
def test_dockerfile_marker_problems(text: str, line: int, message: str) -> None:
    markers = parse_inline(text, "dockerfile")
    assert markers.ignores == ()
    assert [p.line for p in markers.problems] == [line]
    assert message in markers.problems[0].message


def test_dockerfile_backslash_is_not_a_continuation_under_a_backtick_escape() -> None:
    text = "# escape=`\nFROM windows\nRUN dir c:\\\n# conformance:ignore docker/no-root reason='x'\nUSER admin\n"
    assert covered(text, "dockerfile") == {5: ("docker/no-root",)}
