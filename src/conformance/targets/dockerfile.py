"""Dockerfiles as BuildKit reads them: instructions with exact positions, build stages, ARG and ENV values.

:func:`parse` turns the text of a Dockerfile (or Containerfile) into a :class:`Dockerfile`: its instructions
in order, each with the line and column of its keyword and of its end, its flags, its arguments and its
BuildKit heredocs; its build stages; and the values of its ``ARG`` and ``ENV`` variables, so that a policy
can see ``FROM ${BASE}`` as the image it names. The rules follow BuildKit's parser (``moby/buildkit``,
``frontend/dockerfile/parser``): parser directives at the top, comments and blank lines skipped even inside
line continuations, the escape character for continuations, heredoc bodies that are not instructions,
JSON (exec) form only when the arguments are a JSON array of strings.

``parse`` never raises: what BuildKit would refuse (an unknown instruction, an unterminated heredoc, a
``FROM`` without an image...) is listed in :attr:`Dockerfile.problems` and parsing goes on.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

KEYWORDS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
"""The instructions BuildKit knows."""

HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
"""Instructions whose ``<<NAME`` words start heredocs."""

EXEC_FORM_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"})
"""Instructions whose arguments may be a JSON array (the exec form)."""

PAIR_KEYWORDS = frozenset({"ARG", "ENV", "LABEL"})
"""Instructions whose arguments are ``name=value`` pairs (see :attr:`Instruction.pairs`)."""

DIRECTIVES = frozenset({"escape", "syntax", "check"})
"""Parser directives; any other ``# key=value`` comment at the top is a plain comment."""

MAX_PROBLEMS = 20
"""At most this many problems are listed; one more problem says how many were left out."""

MAX_NESTING = 16
"""Variable expansions nested deeper than this (``${A:-${B:-...}}``) are not evaluated."""

MAX_INHERITANCE = 16
"""ENV values are inherited through at most this many stages built on one another (``FROM previous``)."""

_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=(.*)$")
"""A parser directive's name and the raw text after ``=`` (trimmed in ``_directive``: BuildKit's lazy
``(.+?)[ \t]*$`` is linear in Go's RE2 but quadratic in Python's ``re`` on a long run of blanks)."""
_HEREDOC = re.compile(r"(\d*)<<(-?)([^<]*)")
_STAGE_NAME = re.compile(r"[a-z][a-z0-9_.-]*")
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])(.*))?", re.S)
_NAME_CHARS = re.compile(r"[A-Za-z0-9_]*")
_SPACES = re.compile(r"\s*")
_BRACES = re.compile(r"[{}]")
_QUOTES = re.compile(r"""'([^']*)'?|"([^"]*)"?""")


@dataclass(frozen=True)
class ParseProblem:
    """Something BuildKit would refuse, at a 1-based line and column."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Heredoc:
    """A BuildKit heredoc (``<<EOF`` ... ``EOF``) of a RUN, COPY or ADD instruction."""

    name: str
    """The delimiter, quotes removed."""
    body: str
    """The lines between the instruction and the delimiter, each ending in a newline (leading tabs removed
    for ``<<-``)."""
    line: int
    """1-based line where the body starts (the delimiter's line when the body is empty)."""
    strip_tabs: bool = False
    """``<<-NAME``: leading tabs are removed from the body and the delimiter line."""
    expand: bool = True
    """False when the delimiter is quoted (``<<"EOF"``): variables in the body are not expanded."""


@dataclass(frozen=True)
class Instruction:
    """One instruction: its keyword, its text, its parsed arguments and where it is in the file."""

    keyword: str
    """Upper case (``RUN``), as BuildKit compares keywords case-insensitively."""
    value: str
    """Everything after the keyword, flags included, with line continuations joined as BuildKit joins them
    (the escape character and the line break removed) and without heredoc bodies."""
    arguments: tuple[str, ...]
    """The words after the flags, quotes and escapes removed and variables left as written; the elements of
    the JSON array in exec form (``CMD ["a", "b"]``)."""
    flags: tuple[tuple[str, str], ...]
    """``(name, value)`` of each leading ``--name=value`` flag, in order (repeated flags repeat); a flag
    without ``=`` has the value ``""``."""
    heredocs: tuple[Heredoc, ...]
    line: int
    """1-based line of the keyword."""
    column: int
    """1-based column of the keyword."""
    end_line: int
    """1-based line where the instruction ends (a heredoc's delimiter line when it has heredocs)."""
    end_column: int
    """1-based column just after its last character (trailing whitespace excluded)."""
    stage: int
    """Index of the build stage it belongs to; -1 before the first FROM."""
    args_text: str = ""
    """The text after the flags: the shell command of a shell-form RUN, CMD or ENTRYPOINT."""
    exec_form: bool = False
    """True when the arguments are a JSON array of strings."""
    pairs: tuple[tuple[str, str | None], ...] = ()
    """For ARG, ENV and LABEL: each ``(name, value)`` with quotes removed and variables left as written
    (legacy ``ENV name value`` included); the value of an ``ARG`` without a default is None."""

    def flag(self, name: str) -> str | None:
        """The value of the last ``--name`` flag, or None when the flag is absent."""
        for flag_name, value in reversed(self.flags):
            if flag_name == name:
                return value
        return None


@dataclass(frozen=True)
class Stage:
    """A build stage: a FROM instruction and the instructions up to the next FROM."""

    index: int
    image: str
    """The image (or earlier stage) as written after FROM, variables unexpanded."""
    alias: str | None
    """The ``AS`` name, lower-cased as BuildKit compares stage names; None without ``AS``."""
    platform: str | None
    """The ``--platform`` flag as written, or None."""
    from_index: int
    """Index of the FROM instruction in :attr:`Dockerfile.instructions`."""
    instructions: tuple[int, ...]
    """Indices of the stage's instructions, its FROM first."""
    resolved_image: str | None
    """The image with ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` replaced by the defaults of the ARGs before
    the first FROM; None when a variable has no known value."""
    parent: int | None = None
    """The index of the earlier stage this stage builds on (``FROM build``), or None for an image."""


@dataclass(frozen=True)
class Variable:
    """A value an ARG or ENV instruction gives a variable, expanded as BuildKit would at that point."""

    name: str
    value: str | None
    """The expanded value; None when it depends on a variable without a known value."""
    index: int
    """Index of the defining instruction."""
    stage: int
    """Its stage (-1 for an ARG before the first FROM)."""
    keyword: str
    """``ARG`` or ``ENV``."""


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile: instructions, stages, the ARGs before the first FROM, and parse problems."""

    file: str
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    global_args: tuple[tuple[str, str | None], ...]
    """``(name, default)`` of each ARG before the first FROM, the default expanded (None when there is none
    or it cannot be resolved)."""
    problems: tuple[ParseProblem, ...]
    escape: str = "\\"
    """The escape character (``# escape=`` directive): backslash or backtick."""
    directives: tuple[tuple[str, str], ...] = ()
    """The parser directives at the top, ``(name lower-cased, value)``."""
    variables: tuple[Variable, ...] = ()
    """Every value given by ARG (with a known or default value) and ENV, in order."""
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def stage_of(self, index: int) -> Stage | None:
        """The stage of instruction ``index``, or None for instructions before the first FROM."""
        stage = self.instructions[index].stage
        return self.stages[stage] if stage >= 0 else None

    def final_stage(self) -> Stage | None:
        """The last stage (the image ``docker build`` produces by default), or None without a FROM."""
        return self.stages[-1] if self.stages else None

    def stage_instructions(self, stage: Stage) -> Iterator[tuple[int, Instruction]]:
        """``(index, instruction)`` of each instruction of a stage, its FROM first."""
        for index in stage.instructions:
            yield index, self.instructions[index]

    def environment(self, stage: int | None = None, before: int | None = None) -> dict[str, str | None]:
        """The variables visible in a stage before instruction ``before`` (default: at its end).

        Without a stage: the ARGs before the first FROM, which FROM lines see. In a stage: the ENV values of
        the stages it builds on (up to :data:`MAX_INHERITANCE` of them), then the stage's own ARG and ENV
        values (an ARG without a default takes the default of the ARG of that name before the first FROM,
        as in BuildKit). A variable whose value is unknown maps to None; a variable that is not set is absent.
        """
        view = self._view(stage, before)
        return {name: view[name] for name in view}

    def substitute(self, text: str, stage: int | None = None, before: int | None = None) -> str | None:
        """``text`` with its variables replaced and quotes removed, or None when a value is unknown.

        Supports ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:+alt}``, ``${VAR+alt}``
        and ``${VAR:?message}``; single-quoted text is not expanded. Without ``stage`` the ARGs before the first
        FROM are used; with it, the variables of :meth:`environment` (before instruction ``before``). A
        plain reference to a variable that is not set, or whose value is unknown, makes the result None.
        """
        if "$" not in text:
            return unquote(text, self.escape)
        return _process(text, self.escape, self._view(stage, before))

    def _view(self, stage: int | None, before: int | None) -> Mapping[str, str | None]:
        """A read-only view of the variables of :meth:`environment`, without copying them."""
        index = self._cache.get("index")
        if index is None:
            index = _VariableIndex(self)
            self._cache["index"] = index
        return index.view(stage, before)

    def locate(self, index: int) -> tuple[int, int, int, int]:
        """``(line, column, end_line, end_column)`` of instruction ``index`` (1-based; the end is exclusive)."""
        instruction = self.instructions[index]
        return instruction.line, instruction.column, instruction.end_line, instruction.end_column

    def label(self, index: int) -> str:
        """An identity of instruction ``index`` that does not depend on its line.

        ``stage <alias or number>: <KEYWORD> <value, whitespace collapsed, at most 80 characters>``, with
        ``#2``, ``#3``... when the same text occurs again in the stage (``global:`` before the first FROM).
        """
        labels = self._cache.get("labels")
        if labels is None:
            labels = []
            counts: dict[str, int] = {}
            for instruction in self.instructions:
                if instruction.stage < 0:
                    prefix = "global"
                else:
                    stage = self.stages[instruction.stage]
                    prefix = f"stage {stage.alias if stage.alias is not None else stage.index}"
                value = " ".join(instruction.value.split())
                if len(value) > 80:
                    value = value[:80]
                text = f"{prefix}: {instruction.keyword} {value}".rstrip()
                seen = counts.get(text, 0) + 1
                counts[text] = seen
                labels.append(text if seen == 1 else f"{text} #{seen}")
            self._cache["labels"] = labels
        return str(labels[index])


class _Layers(Mapping[str, "str | None"]):
    """Variables looked up in a list of dicts, the first that has the name wins (no copying)."""

    def __init__(self, layers: list[Mapping[str, str | None]]) -> None:
        self.layers = layers

    def __getitem__(self, name: str) -> str | None:
        for layer in self.layers:
            if name in layer:
                return layer[name]
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(name in layer for layer in self.layers)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for layer in self.layers:
            for name in layer:
                if name not in seen:
                    seen.add(name)
                    yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _StageBefore(Mapping[str, "str | None"]):
    """The values a stage's own ARG and ENV instructions gave before an instruction (binary search)."""

    def __init__(self, history: Mapping[str, tuple[list[int], list[str | None]]], before: int | None) -> None:
        self.history = history
        self.before = before

    def _position(self, name: object) -> int:
        entry = self.history.get(name) if isinstance(name, str) else None
        if entry is None:
            return -1
        indices = entry[0]
        return len(indices) - 1 if self.before is None else bisect_left(indices, self.before) - 1

    def __getitem__(self, name: str) -> str | None:
        position = self._position(name)
        if position < 0:
            raise KeyError(name)
        return self.history[name][1][position]

    def __contains__(self, name: object) -> bool:
        return self._position(name) >= 0

    def __iter__(self) -> Iterator[str]:
        return (name for name in self.history if self._position(name) >= 0)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _VariableIndex:
    """Per stage: the history of each variable and the ENV values it leaves to the stages built on it."""

    def __init__(self, dockerfile: Dockerfile) -> None:
        self.stages = dockerfile.stages
        self.history: dict[int, dict[str, tuple[list[int], list[str | None]]]] = {}
        self.final_env: dict[int, dict[str, str | None]] = {}
        for variable in dockerfile.variables:
            indices, values = self.history.setdefault(variable.stage, {}).setdefault(variable.name, ([], []))
            indices.append(variable.index)
            values.append(variable.value)
            if variable.keyword == "ENV":
                self.final_env.setdefault(variable.stage, {})[variable.name] = variable.value

    def view(self, stage: int | None, before: int | None) -> Mapping[str, str | None]:
        if stage is None or stage < 0:
            return _StageBefore(self.history.get(-1, {}), None)
        layers: list[Mapping[str, str | None]] = [_StageBefore(self.history.get(stage, {}), before)]
        current = self.stages[stage].parent if 0 <= stage < len(self.stages) else None
        while current is not None and len(layers) <= MAX_INHERITANCE:
            layers.append(self.final_env.get(current, {}))
            current = self.stages[current].parent
        return _Layers(layers)


# --- words, quotes and variables -------------------------------------------------------------------------


_WORD_PATTERNS: dict[str, re.Pattern[str]] = {}


def _words_pattern(escape: str) -> re.Pattern[str]:
    """A word of BuildKit's ``parseWords``: runs of non-blanks, quoted strings and escaped characters."""
    pattern = _WORD_PATTERNS.get(escape)
    if pattern is None:
        e = re.escape(escape)
        # Nested quantifiers are safe here: nothing after a word can fail, so the engine never backtracks.
        pattern = re.compile(rf"""(?:[^\s"'{e}]+|{e}.?|"(?:[^"{e}]+|{e}.?)*"?|'[^']*'?)+""", re.S)
        _WORD_PATTERNS[escape] = pattern
    return pattern


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Split at unquoted whitespace; quotes and escapes stay in the words (BuildKit's ``parseWords``)."""
    if "'" not in text and '"' not in text and escape not in text:
        return text.split()
    return _words_pattern(escape).findall(text)


_UNQUOTE_PATTERNS: dict[str, tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]] = {}


def _unquote_patterns(escape: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(parts of a word, escapes inside double quotes, a run of ordinary characters) for an escape char."""
    patterns = _UNQUOTE_PATTERNS.get(escape)
    if patterns is None:
        e = re.escape(escape)
        patterns = (
            re.compile(rf"""'([^']*)'?|"((?:[^"{e}]|{e}.?)*)"?|{e}(.?)|([^'"{e}]+)""", re.S),
            re.compile(rf"""{e}([\"${e}]|$)"""),
            re.compile(rf"""[^'"${e}]+"""),
        )
        _UNQUOTE_PATTERNS[escape] = patterns
    return patterns


def unquote(word: str, escape: str = "\\") -> str:
    """Remove quotes and escapes from a word as BuildKit does; variables are left as written."""
    if escape not in word:
        if "'" not in word:
            return word.replace('"', "")  # every double quote delimits: there is nothing to escape them
        if '"' not in word:
            return word.replace("'", "")
        return _QUOTES.sub(r"\1\2", word)
    parts, quoted_escape, _ = _unquote_patterns(escape)
    return "".join(
        single + (quoted_escape.sub(r"\1", double) if escape in double else double) + escaped + plain
        for single, double, escaped, plain in parts.findall(word)
    )


def _process(text: str, escape: str, env: Mapping[str, str | None] | None, depth: int = 0) -> str | None:
    """Quote removal and (when ``env`` is given) variable expansion, like BuildKit's ``ProcessWord``.

    ``depth`` counts nested ``${A:-${B:-...}}`` defaults: past :data:`MAX_NESTING` the value is unknown.
    """
    if env is None:
        return unquote(text, escape)
    if "'" not in text and '"' not in text and escape not in text and "$" not in text:
        return text
    plain = _unquote_patterns(escape)[2]
    out: list[str] = []
    i = 0
    n = len(text)
    quote: str | None = None  # '"' while inside double quotes
    while i < n:
        c = text[i]
        if quote is None and c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            out.append(text[i + 1 : end])
            i = end + 1
        elif c == '"':
            quote = None if quote else '"'
            i += 1
        elif c == escape:
            if i + 1 >= n:
                i += 1
            elif quote is None or text[i + 1] in ('"', "$", escape):
                out.append(text[i + 1])
                i += 2
            else:
                out.append(text[i : i + 2])
                i += 2
        elif c == "$":
            value, i = _expand(text, i, escape, env, depth)
            if value is None:
                return None
            out.append(value)
        else:
            match = plain.match(text, i)
            j = match.end() if match else i + 1  # inside double quotes, a "'" is an ordinary character
            out.append(text[i:j])
            i = j
    return "".join(out)


def _expand(text: str, i: int, escape: str, env: Mapping[str, str | None], depth: int) -> tuple[str | None, int]:
    """Expand the ``$`` reference at ``text[i]``: (value or None when unknown, index after it)."""
    n = len(text)
    if depth > MAX_NESTING:
        return None, n
    if i + 1 < n and text[i + 1] == "{":
        end = text.find("}", i + 2)
        if end >= 0 and text.find("{", i + 2, end) >= 0:  # nested: ${A:-${B}}
            open_braces = 0
            end = -1
            for brace in _BRACES.finditer(text, i + 1):
                open_braces += 1 if brace.group() == "{" else -1
                if open_braces == 0:
                    end = brace.start()
                    break
                if open_braces > MAX_NESTING:
                    return None, n
        if end < 0:
            return None, n  # BuildKit: missing '}'
        match = _BRACED.fullmatch(text, i + 2, end)
        if match is None:
            return None, end + 1  # ${#VAR}, ${VAR%pattern}... are not evaluated
        name, operator, word = match.group(1), match.group(2), match.group(3)
        is_set = name in env
        value = env.get(name)
        if operator is None or operator in (":?", "?"):
            return value, end + 1
        if is_set and value is None:
            return None, end + 1  # set, but to something unknown
        if operator == ":-":
            return (value, end + 1) if value else (_process(word, escape, env, depth + 1), end + 1)
        if operator == "-":
            return (value, end + 1) if is_set else (_process(word, escape, env, depth + 1), end + 1)
        if operator == ":+":
            return (_process(word, escape, env, depth + 1), end + 1) if value else ("", end + 1)
        return (_process(word, escape, env, depth + 1), end + 1) if is_set else ("", end + 1)  # "+"
    match = _NAME_CHARS.match(text, i + 1)
    name = match.group(0) if match else ""
    if not name:
        return "$", i + 1
    return env.get(name), i + 1 + len(name)


def _extract_flags(text: str) -> tuple[list[tuple[str, str]], str]:
    """Leading ``--name[=value]`` words (BuildKit's ``extractBuilderFlags``) and the text after them."""
    flags: list[tuple[str, str]] = []
    pattern = _words_pattern("\\")
    pos = 0
    while True:
        pos = _SPACES.match(text, pos).end()  # type: ignore[union-attr]  # always matches
        if not text.startswith("--", pos):
            break
        match = pattern.match(text, pos)
        if match is None:  # pragma: no cover - a word always matches at a non-blank
            break
        word = unquote(match.group(0))
        pos = match.end()
        if word == "--":
            break
        name, _, value = word[2:].partition("=")
        flags.append((name, value))
    return flags, text[pos:].strip()


def _heredocs_of(text: str) -> list[tuple[str, bool, bool, str]]:
    """``(name, strip_tabs, expand, marker word)`` of each ``<<NAME`` word of a line."""
    found = []
    for word in split_words(text, "\\"):
        if "<<" not in word:
            continue
        match = _HEREDOC.fullmatch(word)
        if match is None or not match.group(3):
            continue
        rest = match.group(3)
        name = unquote(rest)
        if not name or len(split_words(rest)) != 1:
            continue
        expand = "'" not in rest and '"' not in rest
        found.append((name, match.group(2) == "-", expand, word))
    return found


def _pairs(keyword: str, text: str, escape: str) -> tuple[list[tuple[str, str | None]], str | None]:
    """Raw ``(name, value)`` pairs of ARG, ENV and LABEL (quotes kept), and a problem message or None."""
    words = split_words(text, escape)
    if not words:
        return [], f"{keyword} requires at least one argument"
    pairs: list[tuple[str, str | None]] = []
    if keyword == "ARG":
        for word in words:
            name, equals, value = word.partition("=")
            pairs.append((unquote(name, escape), value if equals else None))
        return pairs, None
    if "=" not in words[0]:  # legacy ENV name value
        parts = text.split(None, 1)
        if len(parts) < 2:
            return [], f"{keyword} must have two arguments"
        return [(unquote(parts[0], escape), parts[1])], None
    for word in words:
        name, equals, value = word.partition("=")
        if not equals:
            return pairs, f"syntax error: no '=' in {word!r}: {keyword} takes name=value pairs"
        pairs.append((unquote(name, escape), value))
    return pairs, None


# --- the parser --------------------------------------------------------------------------------------------


_new_instruction = object.__new__


class _Problems:
    def __init__(self) -> None:
        self.items: list[ParseProblem] = []
        self.dropped = 0

    def add(self, line: int, column: int, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(ParseProblem(line, column, message))
        else:
            self.dropped += 1

    def result(self) -> tuple[ParseProblem, ...]:
        items = sorted(self.items, key=lambda p: (p.line, p.column))
        if self.dropped:
            last = items[-1]
            items.append(ParseProblem(last.line, last.column, f"{self.dropped} more problems are not listed"))
        return tuple(items)


def parse(text: str, file: str = "") -> Dockerfile:
    """Parse the text of a Dockerfile. Never raises: what BuildKit would refuse goes to ``problems``."""
    problems = _Problems()
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    n = len(lines)

    escape, directives = _directives(lines, problems)
    instructions: list[Instruction] = []
    assignments: dict[int, list[tuple[str, str | None]]] = {}  # raw (quoted) ARG and ENV pairs by index
    stage = -1
    i = 0
    while i < n:
        raw = lines[i]
        stripped = raw.lstrip()
        if not stripped or stripped[0] == "#":
            i += 1
            continue
        first = i
        column = len(raw) - len(stripped) + 1
        content = stripped.rstrip(" \t")
        continued = content.endswith(escape)
        parts = [content[:-1] if continued else stripped]
        last = i
        i += 1
        while continued and i < n:
            raw = lines[i]
            head = raw.lstrip()
            if not head or head[0] == "#":  # BuildKit skips comments and blank lines in continuations
                i += 1
                continue
            content = raw.rstrip(" \t")
            continued = content.endswith(escape)
            parts.append(content[:-1] if continued else raw)
            last = i
            i += 1
        logical = "".join(parts) if len(parts) > 1 else parts[0]
        split = logical.split(None, 1)
        if not split:
            continue  # only an escape character and blanks
        keyword = split[0].upper()
        rest = split[1].strip() if len(split) > 1 else ""
        line = first + 1
        end_line = last + 1
        end_column = len(lines[last].rstrip()) + 1

        if keyword not in KEYWORDS:
            problems.add(line, column, f"unknown instruction: {split[0][:40]}")
        elif keyword == "FROM":
            stage += 1
        elif stage < 0 and keyword != "ARG":
            problems.add(line, column, f"{keyword[:40]} before the first FROM: only ARG may come before it")

        flags: list[tuple[str, str]] = []
        args_text = rest
        if rest.startswith("--") and keyword != "ONBUILD":
            flags, args_text = _extract_flags(rest)

        arguments: tuple[str, ...] | None = None
        exec_form = False
        if keyword in EXEC_FORM_KEYWORDS and args_text.startswith("["):
            try:
                decoded = json.loads(args_text)
            except ValueError:
                decoded = None
            if isinstance(decoded, list):
                if all(isinstance(item, str) for item in decoded):
                    arguments = tuple(decoded)
                    exec_form = True
                else:
                    problems.add(line, column, f"{keyword} arguments in JSON form must all be strings")
        if keyword == "SHELL" and not exec_form:
            problems.add(line, column, "SHELL requires the arguments to be in JSON form")
        if arguments is None:
            if "'" in args_text or '"' in args_text or escape in args_text:
                arguments = tuple(
                    [
                        unquote(word, escape) if "'" in word or '"' in word or escape in word else word
                        for word in _words_pattern(escape).findall(args_text)
                    ]
                )
            else:
                arguments = tuple(args_text.split())

        heredocs: list[Heredoc] = []
        heredoc_keyword = keyword
        if keyword == "ONBUILD" and arguments:
            heredoc_keyword = arguments[0].upper()
        if heredoc_keyword in HEREDOC_KEYWORDS and not exec_form and "<<" in args_text:
            for name, strip_tabs, expand, marker in _heredocs_of(args_text):
                start = i
                terminated = False
                while i < n:
                    candidate = lines[i].lstrip("\t") if strip_tabs else lines[i]
                    if candidate == name:
                        terminated = True
                        break
                    i += 1
                body_lines = lines[start:i]
                if strip_tabs:
                    body_lines = [body_line.lstrip("\t") for body_line in body_lines]
                body = "".join(body_line + "\n" for body_line in body_lines)
                heredocs.append(Heredoc(name, body, min(start, n - 1) + 1, strip_tabs, expand))
                if terminated:
                    end_line = i + 1
                    end_column = len(lines[i].rstrip()) + 1
                    i += 1
                else:
                    at = lines[first].find(marker)
                    problems.add(line, at + 1 if at >= 0 else column, f"unterminated heredoc <<{name}")
                    end = n - 1
                    while end > last and not lines[end].strip():
                        end -= 1
                    end_line = end + 1
                    end_column = len(lines[end].rstrip()) + 1

        pairs: tuple[tuple[str, str | None], ...] = ()
        if keyword in PAIR_KEYWORDS:
            raw_pairs, message = _pairs(keyword, args_text, escape)
            if message:
                problems.add(line, column, message)
            pairs = tuple((name, None if value is None else unquote(value, escape)) for name, value in raw_pairs)
            if keyword != "LABEL":
                assignments[len(instructions)] = raw_pairs
        elif not args_text and not heredocs and keyword in KEYWORDS:
            problems.add(line, column, f"{keyword} requires at least one argument")

        # What Instruction(...) does, without the per-field cost of a frozen dataclass's __init__ (a third of
        # the parse time): every field is set, and the object stays immutable.
        instruction = _new_instruction(Instruction)
        instruction.__dict__.update(
            {
                "keyword": keyword,
                "value": rest,
                "arguments": arguments,
                "flags": tuple(flags),
                "heredocs": tuple(heredocs),
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "stage": stage,
                "args_text": args_text,
                "exec_form": exec_form,
                "pairs": pairs,
            }
        )
        instructions.append(instruction)

    if not instructions:
        problems.add(1, 1, "the file has no instructions")
    elif stage < 0:
        problems.add(instructions[0].line, instructions[0].column, "the file has no FROM instruction")
    stages, global_args, variables = _stages(instructions, assignments, escape, problems)
    return Dockerfile(
        file=file,
        instructions=tuple(instructions),
        stages=stages,
        global_args=global_args,
        problems=problems.result(),
        escape=escape,
        directives=directives,
        variables=variables,
    )


def _directive(line: str) -> tuple[str, str] | None:
    """(lower-cased name, value) of a parser directive line, as ``#\\s*NAME\\s*=\\s*(.+?)\\s*$`` reads it, in
    linear time."""
    match = _DIRECTIVE.match(line.lstrip())
    if match is None:
        return None
    rest = match.group(2)
    value = rest.strip()
    if not value:
        if not rest:
            return None
        value = rest[-1]  # all blanks: the lazy group takes the last one
    return match.group(1).lower(), value


def _directives(lines: list[str], problems: _Problems) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The escape character and the parser directives of the first lines (they end at any other line)."""
    escape = "\\"
    found: list[tuple[str, str]] = []
    for number, line in enumerate(lines, start=1):
        directive = _directive(line)
        if directive is None:
            break
        name, value = directive
        if name not in DIRECTIVES:
            break
        if any(seen == name for seen, _ in found):
            problems.add(number, 1, f"only one {name} parser directive can be used")
            continue
        found.append((name, value))
        if name == "escape":
            if value in ("\\", "`"):
                escape = value
            else:
                problems.add(number, 1, f"invalid escape character {value!r}: use ` or \\")
    return escape, tuple(found)


def _stages(
    instructions: list[Instruction],
    assignments: Mapping[int, list[tuple[str, str | None]]],
    escape: str,
    problems: _Problems,
) -> tuple[tuple[Stage, ...], tuple[tuple[str, str | None], ...], tuple[Variable, ...]]:
    """Build stages and variable values in one pass over the instructions (linear: nothing is copied)."""
    global_env: dict[str, str | None] = {}
    global_args: list[tuple[str, str | None]] = []
    variables: list[Variable] = []
    stage_fields: list[dict[str, Any]] = []
    aliases: dict[str, int] = {}
    own: dict[str, str | None] = {}  # the current stage's ARG and ENV values
    env_names: set[str] = set()  # names the current stage set with ENV
    final_env: list[dict[str, str | None]] = []  # per stage: the ENV values it leaves to stages built on it
    ancestors: list[list[Mapping[str, str | None]]] = []  # per stage: final_env of the stages it builds on
    env: Mapping[str, str | None] = own

    for index, instruction in enumerate(instructions):
        keyword = instruction.keyword
        if keyword == "FROM":
            if stage_fields:
                final_env[-1].update((name, own[name]) for name in env_names)
            words = split_words(instruction.args_text, escape)
            image_word = words[0] if words else ""
            alias: str | None = None
            if len(words) == 3 and words[1].lower() == "as":
                alias = unquote(words[2], escape).lower()
                if not _STAGE_NAME.fullmatch(alias):
                    problems.add(instruction.line, instruction.column, f"invalid stage name {alias!r}")
                elif alias in aliases:
                    problems.add(instruction.line, instruction.column, f"duplicate stage name {alias!r}")
            elif len(words) > 1:
                problems.add(
                    instruction.line, instruction.column, "FROM takes an image and optionally AS and a stage name"
                )
            resolved = _process(image_word, escape, global_env) if image_word else None
            parent = aliases.get(resolved.lower()) if resolved else None
            inherited = [final_env[parent], *ancestors[parent]][:MAX_INHERITANCE] if parent is not None else []
            ancestors.append(inherited)
            final_env.append({})
            own, env_names = {}, set()
            env = _Layers([own, *inherited]) if inherited else own
            stage_fields.append(
                {
                    "index": len(stage_fields),
                    "image": unquote(image_word, escape),
                    "alias": alias,
                    "platform": instruction.flag("platform"),
                    "from_index": index,
                    "instructions": [index],
                    "resolved_image": resolved,
                    "parent": parent,
                }
            )
            if alias is not None and alias not in aliases:
                aliases[alias] = len(stage_fields) - 1
            continue
        if instruction.stage >= 0 and stage_fields:
            stage_fields[-1]["instructions"].append(index)
        if keyword not in ("ARG", "ENV"):
            continue
        raw_pairs = assignments.get(index, [])
        if instruction.stage < 0:
            if keyword != "ARG":
                continue
            for name, raw in raw_pairs:
                value = None if raw is None else _process(raw, escape, global_env)
                global_args.append((name, value))
                if raw is not None:
                    global_env[name] = value
                    variables.append(Variable(name, value, index, -1, "ARG"))
            continue
        # Every value of one instruction is expanded with the variables before it: compute, then assign.
        inherited_names = ancestors[-1] if ancestors else []
        computed: list[tuple[str, str | None]] = []
        for name, raw in raw_pairs:
            if keyword == "ARG":
                if name in env_names or any(name in layer for layer in inherited_names):
                    continue  # an ENV of the same name wins over an ARG
                if raw is None:
                    if name not in global_env:
                        continue  # no default: not set unless passed with --build-arg
                    computed.append((name, global_env[name]))
                else:
                    computed.append((name, _process(raw, escape, env)))
            else:
                computed.append((name, _process(raw or "", escape, env)))
        for name, value in computed:
            own[name] = value
            if keyword == "ENV":
                env_names.add(name)
            variables.append(Variable(name, value, index, instruction.stage, keyword))

    stages = tuple(
        Stage(
            index=f["index"],
            image=f["image"],
            alias=f["alias"],
            platform=f["platform"],
            from_index=f["from_index"],
            instructions=tuple(f["instructions"]),
            resolved_image=f["resolved_image"],
            parent=f["parent"],
        )
        for f in stage_fields
    )
    return stages, tuple(global_args), tuple(variables)
