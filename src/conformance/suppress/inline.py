"""Inline comments: ``# conformance:ignore <policy-id>[,<policy-id>...] reason="free text"`` in a YAML manifest
or a Dockerfile (:func:`parse_inline`); a trailing marker covers its line, a marker on a line of its own the next
line (in a Dockerfile, the next instruction).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from conformance.model import Suppression
from conformance.suppress.ids import POLICY_ID, unknown_policy_message

MARKER = "conformance:ignore"
_MARKER_IN_COMMENT = re.compile(r"(?:^|(?<=\s))#[ \t]*conformance:ignore")
_REASON_FIELD = re.compile(r"(?:^|(?<=\s))reason[ \t]*=[ \t]*")
_COMMENT_START = re.compile(r"(?:^|[ \t])#")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""libyaml's line breaks: finding lines come from libyaml, so markers must count lines the same way."""
_PLAIN_BREAK = re.compile("\r\n|[\r\n]")
_BLOCK_INDICATOR = re.compile(r"[|>](?:[1-9][-+]?|[-+][1-9]?)?")
_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)")
_ESCAPE_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*escape[ \t]*=[ \t]*([\\`])[ \t]*$", re.IGNORECASE)
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
SYNTAXES = ("yaml", "dockerfile")
_NOTHING_BELOW = (
    "the marker covers nothing: a marker on a line of its own covers the next line that is not a comment, "
    "and here that line is blank (or the file ends)"
)
_TRAILING_IN_DOCKERFILE = (
    "in a Dockerfile a marker must be on a line of its own, above the instruction: "
    "BuildKit reads a trailing '#' as part of the instruction"
)
_INSIDE_INSTRUCTION = (
    "the marker is inside an instruction continued over several lines: put it on the line above the instruction"
)


@dataclass(frozen=True)
class InlineIgnore:
    """One well-formed ``# conformance:ignore`` marker."""

    line: int
    """1-based line of the comment."""
    column: int
    """1-based column of the marker's ``#``."""
    policy_ids: tuple[str, ...]
    reason: str
    target_line: int
    """The line whose findings it covers: its own line for a trailing comment; for a comment on a line of its
    own, the next line that is not a comment (so several markers can be stacked above one line)."""

    @property
    def own_line(self) -> bool:
        return self.target_line != self.line

    def covers(self, line: int, policy_id: str) -> bool:
        return line == self.target_line and policy_id in self.policy_ids

    def suppression(self, file: str) -> Suppression:
        """The record for a finding it covers; ``file`` is the path reports show."""
        return Suppression("inline", self.reason, source=f"{file}:{self.line}")


@dataclass(frozen=True)
class InlineProblem:
    """A malformed (or unknown-id) marker: it suppresses nothing, and the scan should report it as an error."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class InlineMarkers:
    """The markers of one file and the problems found in them."""

    ignores: tuple[InlineIgnore, ...] = ()
    problems: tuple[InlineProblem, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ignores or self.problems)

    @cached_property
    def _by_line(self) -> Mapping[int, tuple[InlineIgnore, ...]]:
        index: dict[int, list[InlineIgnore]] = {}
        for ignore in self.ignores:
            index.setdefault(ignore.target_line, []).append(ignore)
        return {line: tuple(found) for line, found in index.items()}

    def covering(self, line: int, policy_id: str) -> InlineIgnore | None:
        """The marker that suppresses ``policy_id`` findings reported on ``line``, if any."""
        if not self.ignores:
            return None
        for ignore in self._by_line.get(line, ()):
            if policy_id in ignore.policy_ids:
                return ignore
        return None

    @property
    def policy_ids(self) -> frozenset[str]:
        """Every policy id the markers name."""
        return frozenset(pid for ignore in self.ignores for pid in ignore.policy_ids)

    def validated(self, known_ids: Collection[str]) -> InlineMarkers:
        """These markers with every marker naming an unknown policy id moved to the problems (one per id)."""
        unknown = unknown_ids(self, known_ids)
        if not unknown:
            return self
        bad = {(p.line, p.column) for p in unknown}
        kept = tuple(i for i in self.ignores if (i.line, i.column) not in bad)
        problems = tuple(sorted((*self.problems, *unknown), key=lambda p: (p.line, p.column)))
        return InlineMarkers(kept, problems)


def unknown_ids(markers: InlineMarkers, known_ids: Collection[str]) -> tuple[InlineProblem, ...]:
    """A problem for each policy id of a marker that is not in ``known_ids`` (pass the whole catalog's ids)."""
    known = known_ids if isinstance(known_ids, (set, frozenset, Mapping)) else frozenset(known_ids)
    return tuple(
        InlineProblem(ignore.line, ignore.column, unknown_policy_message(pid, known))
        for ignore in markers.ignores
        for pid in ignore.policy_ids
        if pid not in known
    )


_NO_MARKERS = InlineMarkers()


def parse_inline(text: str, syntax: str = "yaml") -> InlineMarkers:
    """Find the ``# conformance:ignore`` markers of a YAML (or JSON) file or, with ``syntax="dockerfile"``, a
    Dockerfile. Costs one substring search when the text holds no marker.

    A trailing marker covers its own line; a marker on a line of its own covers the next line that is not a
    comment (markers can be stacked), and is a problem when that line is blank. Only real comments count: in
    YAML a ``#`` at the start of a line or after whitespace, outside quoted scalars (also ones spanning lines)
    and outside block scalars (``|``, ``>``). In a Dockerfile only whole-line comments outside heredoc bodies
    count, as BuildKit reads them: a trailing marker, or one inside a continued instruction, is a problem.

    Known limits: the YAML scan is line-based, not a parser: plain multi-line scalars and unusual block-scalar
    layouts (an indicator alone on its line) are recognised approximately. A marker is the comment's text or
    follows a ``#`` in it (``# note # conformance:ignore ...``); ``conformance:ignore`` elsewhere in a comment
    is prose. Markers with problems suppress nothing.
    """
    if syntax not in SYNTAXES:
        raise ValueError(f"unknown syntax {syntax!r}: expected one of {', '.join(SYNTAXES)}")
    if MARKER not in text:
        return _NO_MARKERS
    lines = (_YAML_BREAK if syntax == "yaml" else _PLAIN_BREAK).split(text)
    continued: set[int] = set()
    if syntax == "yaml":
        comments = _yaml_comments(lines)
    else:
        comments, continued = _dockerfile_comments(lines)
    ignores: list[InlineIgnore] = []
    problems: list[InlineProblem] = []
    pending: list[tuple[int, int, tuple[str, ...], str]] = []  # own-line markers waiting for their target line
    for number, line in enumerate(lines, 1):
        start = comments.get(number)
        own_line = start is not None and not line[:start].strip()
        if pending and not own_line:
            if line.strip():
                ignores.extend(InlineIgnore(ln, col, ids, reason, number) for ln, col, ids, reason in pending)
            else:
                problems.extend(InlineProblem(ln, col, _NOTHING_BELOW) for ln, col, _, _ in pending)
            pending.clear()
        if start is None or MARKER not in line[start:]:
            continue
        for match in _MARKER_IN_COMMENT.finditer(line, start):
            column = match.start() + 1
            parsed = _parse_marker(line[match.end() :])
            if isinstance(parsed, str):
                problems.append(InlineProblem(number, column, parsed))
            elif number in continued:
                problems.append(InlineProblem(number, column, _INSIDE_INSTRUCTION))
            elif syntax == "dockerfile" and not own_line:
                problems.append(InlineProblem(number, column, _TRAILING_IN_DOCKERFILE))
            elif own_line:
                pending.append((number, column, *parsed))
            else:
                ignores.append(InlineIgnore(number, column, *parsed, target_line=number))
            break  # the marker's reason runs to the end of the line
    problems.extend(InlineProblem(ln, col, _NOTHING_BELOW) for ln, col, _, _ in pending)
    problems.sort(key=lambda p: (p.line, p.column))
    return InlineMarkers(tuple(ignores), tuple(problems))


def _parse_marker(rest: str) -> tuple[tuple[str, ...], str] | str:
    """Parse what follows ``conformance:ignore``: (policy ids, reason), or a message saying what is wrong."""
    usage = f'write: # {MARKER} <policy-id>[,<policy-id>...] reason="why"'
    if rest and not rest[0].isspace():
        word = MARKER + rest.split(None, 1)[0]
        return f"unknown directive '{word}': {usage}"
    reason_field = _REASON_FIELD.search(rest)
    ids_text = rest[: reason_field.start()] if reason_field else rest
    items = [item.strip() for item in ids_text.split(",")]
    if not any(items):
        return f"{MARKER} names no policy id: {usage}"
    ids: list[str] = []
    for item in items:
        if not item:
            return f"empty policy id in '{ids_text.strip()}': separate policy ids with single commas"
        if len(item.split()) > 1:
            return f"'{item}': separate policy ids with commas, and quote the reason: {usage}"
        if not POLICY_ID.match(item):
            return f"'{item}' is not a policy id (<pack>/<slug>, as in k8s/no-host-network)"
        if item not in ids:
            ids.append(item)
    if reason_field is None:
        return f'a reason is required: add reason="why" after the policy ids ({usage})'
    value = rest[reason_field.end() :]
    quote = value[:1]
    if quote not in ("'", '"'):
        return f"the reason must be quoted: reason=\"...\" or reason='...' ({usage})"
    end = value.find(quote, 1)
    if end < 0:
        return f"the reason has no closing {quote}"
    reason = value[1:end].strip()
    if not reason:
        return "the reason is empty: say why the finding is accepted"
    trailing = value[end + 1 :].strip()
    if trailing:
        return f"unexpected text after the reason: '{trailing}'"
    return tuple(ids), reason


def _yaml_comments(lines: Sequence[str]) -> dict[int, int]:
    """Line number -> index of the ``#`` starting a real YAML comment on that line."""
    found: dict[int, int] = {}
    quote: str | None = None  # inside a quoted scalar that spans lines
    block_parent: int | None = None  # inside a block scalar: lines indented more than this are its content
    for number, line in enumerate(lines, 1):
        if block_parent is not None:
            body = line.lstrip(" ")
            if not body.strip():
                continue
            if len(line) - len(body) > block_parent and not _DOCUMENT_MARKER.match(line):
                continue
            block_parent = None
        start, quote = _scan_yaml_line(line, quote)
        if start >= 0:
            found[number] = start
        if quote is None:
            block_parent = _block_scalar_parent(line[: start if start >= 0 else len(line)])
    return found


def _scan_yaml_line(line: str, quote: str | None) -> tuple[int, str | None]:
    """(index of the comment's ``#`` or -1, the quote still open at the end of the line)."""
    if quote is None and '"' not in line and "'" not in line:  # the common line: no quoting to follow
        found = _COMMENT_START.search(line)
        return (found.end() - 1 if found else -1), None
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if quote == '"':
            if char == "\\":
                i += 2
                continue
            if char == '"':
                quote = None
        elif quote == "'":
            if char == "'":
                if line.startswith("''", i):
                    i += 2
                    continue
                quote = None
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return i, None
        elif char in "\"'" and _opens_quoted_scalar(line, i):
            quote = char
        i += 1
    return -1, quote


def _opens_quoted_scalar(line: str, index: int) -> bool:
    """Whether a quote character starts a scalar: after indentation, ``- ``, ``: ``, ``? ``, ``[``, ``{``,
    ``,`` or a tag or anchor; elsewhere (``don't``) it is part of a plain scalar."""
    prefix = line[:index]
    while True:
        stripped = prefix.rstrip(" \t")
        if not stripped or stripped[-1] in "[{,:":
            return True
        spaced = len(stripped) < len(prefix)
        token = stripped.split()[-1]
        if spaced and token in ("-", "?", "---"):
            return True
        if spaced and token[0] in "!&":  # a tag or an anchor before the scalar
            prefix = stripped[: -len(token)]
            continue
        return False


def _block_scalar_parent(content: str) -> int | None:
    """If the line (comment removed) opens a block scalar, the indentation its content must exceed."""
    end = content.rstrip()[-1:]
    if not end or end not in "|>+-123456789":
        return None
    tokens = content.split()
    if not tokens or not _BLOCK_INDICATOR.fullmatch(tokens[-1]):
        return None
    before = [t for t in tokens[:-1] if t[0] not in "!&"]  # tags and anchors aside
    if before and not (before[-1].endswith(":") or before[-1] in ("-", "?", "---")):
        return None  # a plain scalar that ends in | or >
    if before and before[0] == "---":
        return -1  # a document that is a block scalar: every line up to the next document is content
    indent = len(content) - len(content.lstrip(" "))
    position, last_dash = indent, None
    while content.startswith("-", position) and content[position + 1 : position + 2] in (" ", "\t"):
        last_dash = position
        position += 1
        while content[position : position + 1] in (" ", "\t"):
            position += 1
    if all(t[0] in "!&" for t in content[position:].split()[:-1]):
        # ``- |``: the content is indented past the dash; ``|`` alone: at least as far as the indicator
        return last_dash if last_dash is not None else indent - 1
    return position  # ``key: |``, ``- key: |``: the content is indented past the key


def _dockerfile_comments(lines: Sequence[str]) -> tuple[dict[int, int], set[int]]:
    """Line number -> index of the ``#`` starting a comment (outside shell quotes and heredoc bodies), and the
    comment lines that sit inside an instruction continued over several lines."""
    found: dict[int, int] = {}
    continued_comments: set[int] = set()
    escape = "\\"
    heredocs: list[tuple[str, bool]] = []  # (terminator, strip leading tabs)
    continued = False
    at_top = True
    for number, line in enumerate(lines, 1):
        if heredocs:
            terminator, strip_tabs = heredocs[0]
            if (line.lstrip("\t") if strip_tabs else line) == terminator:
                heredocs.pop(0)
            continue
        start = _scan_shell_line(line, escape)
        if start >= 0:
            found[number] = start
        code = line[: start if start >= 0 else len(line)]
        if not code.strip():
            directive = _ESCAPE_DIRECTIVE.match(line) if at_top and start >= 0 else None
            if directive:
                escape = directive.group(1)
            else:
                at_top = False
            if start >= 0 and continued:
                continued_comments.add(number)
            continue
        at_top = False
        continued = code.rstrip().endswith(escape)
        if "<<" in code:
            heredocs.extend((m.group(3), m.group(1) == "-") for m in _HEREDOC.finditer(code))
    return found, continued_comments


def _scan_shell_line(line: str, escape: str) -> int:
    if "#" not in line:
        return -1
    quote: str | None = None
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if quote is None and char == escape:
            i += 2
            continue
        if quote is not None:
            if char == quote:
                quote = None
            elif char == escape and quote == '"':
                i += 1
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        i += 1
    return -1
