"""Glob matching in linear time: a CODEOWNERS pattern is matched segment by segment, never by a backtracking
regular expression.

Python's ``re`` backtracks: ``(?:.*/)?`` for each of fifteen ``**`` segments against a deep path, or
``[^/]*a`` repeated against a long name, takes exponential time, and owners are matched while the report is
written, outside any time budget. Here a pattern is a list of segments: ``ZERO_OR_MORE`` (``**/``: any number
of whole directories), ``ONE_SEGMENT`` (any one segment), or a segment glob of literal characters, ``STAR``
(any run within the segment) and ``ONE_CHAR`` (one character). A path is matched by simulating the pattern's
automaton over its segments (a set of positions, at most one per pattern segment), and a segment glob by the
two-pointer wildcard algorithm: O(pattern x path) in the worst case, whatever the pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class _Token:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


STAR = _Token("STAR")
ONE_CHAR = _Token("ONE_CHAR")
ZERO_OR_MORE = _Token("ZERO_OR_MORE")
ONE_SEGMENT = _Token("ONE_SEGMENT")

Glob = tuple[object, ...]
"""A segment glob: 1-character strings (literal), ``STAR`` and ``ONE_CHAR``."""


def segment_matches(glob: Glob, name: str) -> bool:
    """Whether one path segment matches a segment glob (``*`` and ``?`` never cross a ``/``)."""
    p = n = 0
    star = -1
    resume = 0
    while n < len(name):
        token = glob[p] if p < len(glob) else None
        if token is STAR:
            star, resume = p, n
            p += 1
        elif token is not None and (token is ONE_CHAR or token == name[n]):
            p += 1
            n += 1
        elif star >= 0:
            p = star + 1
            resume += 1
            n = resume
        else:
            return False
    while p < len(glob) and glob[p] is STAR:
        p += 1
    return p == len(glob)


@dataclass(frozen=True)
class PathGlob:
    """A compiled pattern: segments as described in the module docstring."""

    segments: tuple[object, ...]

    def matches(self, path: str) -> bool:
        segments = self.segments
        end = len(segments)

        def closure(states: set[int]) -> set[int]:
            pending = list(states)
            while pending:
                index = pending.pop()
                if index < end and segments[index] is ZERO_OR_MORE and index + 1 not in states:
                    states.add(index + 1)
                    pending.append(index + 1)
            return states

        states = closure({0})
        for part in path.split("/"):
            following: set[int] = set()
            for index in states:
                if index == end:
                    continue
                segment = segments[index]
                if segment is ZERO_OR_MORE:
                    following.add(index)
                elif segment is ONE_SEGMENT or segment_matches(segment, part):  # type: ignore[arg-type]
                    following.add(index + 1)
            states = closure(following)
            if not states:
                return False
        return end in states


def compile_segments(items: Sequence[object]) -> PathGlob:
    """A ``PathGlob`` from segments, with runs of ``ZERO_OR_MORE`` collapsed (``**/**/**`` is ``**``)."""
    collapsed: list[object] = []
    for item in items:
        if item is ZERO_OR_MORE and collapsed and collapsed[-1] is ZERO_OR_MORE:
            continue
        collapsed.append(item)
    return PathGlob(tuple(collapsed))


MAX_GLOB_EXPONENT = 2
"""How many nested unbounded wildcards a gitignore-style pattern matched with ``pathspec`` (which compiles to a
backtracking ``re``) may have: ``**/`` segments, plus the ``*`` beyond the first in each segment. At 2, the
worst case is quadratic in a path's length (``**/a/**/b``, ``*a*a*b``); at 3 a 400-deep path takes 0.3 s per
pattern and file (``**/a/**/a/**/b``), at 4 some 30 s, and ``*a*a*a*a*...*b`` never ends."""


def glob_complexity_problem(pattern: str) -> str | None:
    """Why a gitignore-style pattern (``.gitignore``, config ``exclude``, waiver ``paths``) is refused, if it is:
    its nested wildcards would make ``re`` backtrack for minutes on a long name or a deep path."""
    text = pattern.strip()
    if text.startswith("!"):
        text = text[1:]
    exponent = 0
    for segment in text.strip("/").split("/"):
        if segment == "**":
            exponent += 1
            continue
        collapsed = segment.replace("\\*", "")
        while "**" in collapsed:
            collapsed = collapsed.replace("**", "*")
        stars = collapsed.count("*")
        exponent += max(0, stars - 1)
    if exponent > MAX_GLOB_EXPONENT:
        return (
            f"pattern {pattern!r} nests {exponent} wildcards (at most {MAX_GLOB_EXPONENT}: more makes matching "
            "take exponential time); split it into simpler patterns"
        )
    return None


def safe_globs(patterns: Sequence[str]) -> tuple[list[str], list[str]]:
    """``patterns`` without the ones ``glob_complexity_problem`` refuses, and the reasons for those."""
    kept: list[str] = []
    problems: list[str] = []
    for pattern in patterns:
        problem = glob_complexity_problem(pattern)
        if problem is None:
            kept.append(pattern)
        else:
            problems.append(problem)
    return kept, problems
