"""CODEOWNERS files: where a repository keeps one, what each line says, and who owns a path.

A CODEOWNERS file maps path patterns to owners, one rule a line: ``pattern owner...``. Owners are ``@user``,
``@org/team`` or an email address. Blank lines and ``#`` comments (whole lines, or after the owners) are
ignored. For a path, the **last** matching rule wins; a rule without owners makes the paths it matches
unowned.

Patterns follow gitignore's rules as GitHub applies them: ``*.js`` and ``docs/`` match at any depth, a
pattern with a ``/`` at its start or in its middle is anchored at the root, ``docs/*`` matches the files
directly in ``docs`` but not deeper ones (unlike gitignore, where it also covers everything below),
``**`` spans directories, ``?`` is one character, ``\\ `` is an escaped space. Each pattern is translated to
one regular expression, compiled once per file (the ``codeowners`` library's ``CodeOwners`` is not used for
matching: it reads an inline comment's ``@mentions`` as owners, anchors patterns with escaped spaces and
raises on an unbalanced ``[``; the tests use it as a reference on the patterns it handles). What GitHub
does not support is a syntax problem of the line, and GitHub skips such lines, so :meth:`Codeowners.owners_of`
skips them too: negation (``!pattern``), character ranges (``[abc]``) and escaping a leading ``#`` (``\\#``).
Paths are case-sensitive, as on GitHub.

GitLab's sections are understood too, since GitLab reads the same file: a header ``[Section]``,
``^[Optional section]`` or ``[Section][2]``, optionally followed by default owners that rules of the section
without owners of their own inherit. In a file with sections, each section picks its own last matching rule
and the owners of all sections are combined, as GitLab does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from conformance.globmatch import ONE_CHAR, ONE_SEGMENT, STAR, ZERO_OR_MORE, PathGlob, compile_segments

if TYPE_CHECKING:
    from conformance.targets.repo import Repository

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
"""Where a CODEOWNERS file is looked for, in GitHub's order (GitHub uses the first it finds; the last is
GitLab's own location, which GitHub ignores)."""
MAX_BYTES = 3 * 1024 * 1024
"""GitHub does not load a CODEOWNERS file larger than this."""
CATCH_ALL_PATTERNS = frozenset({"*", "**", "/**", "**/*", "/**/*"})
"""Patterns that match every path of the repository."""

_USER = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?"
_OWNER = re.compile(
    rf"@{_USER}"  # @user
    rf"|@{_USER}(?:/{_USER})+"  # @org/team (GitLab: @group/subgroup)
    r"|@@(?:developer|maintainer|owner)s?"  # GitLab roles
    r"|[^@\s]+@[^@\s]+\.[^@\s]+"  # an email address
)
_SECTION = re.compile(r"^(\^)?\[([^\]]+)\](?:\[(\d+)\])?(?:\s+(.*))?$")
_DEFAULT_SECTION = ""


@dataclass(frozen=True)
class Rule:
    """One rule line: its 1-based line number, pattern (as written, escapes kept) and owners."""

    line: int
    pattern: str
    owners: tuple[str, ...]
    problems: tuple[str, ...] = ()
    """Why the line is broken (GitHub skips such lines); empty for a rule that applies."""
    section: str = _DEFAULT_SECTION
    """The GitLab section the rule is in (its name in lower case), or '' before any section header."""

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def catch_all(self) -> bool:
        """Whether the pattern matches every path (``*``, ``**``, ``/**``)."""
        return self.pattern in CATCH_ALL_PATTERNS


@dataclass(frozen=True)
class Section:
    """A GitLab section header: ``[Name]``, ``^[Optional]``, ``[Name][2]``, with default owners."""

    line: int
    name: str
    owners: tuple[str, ...] = ()
    optional: bool = False
    approvals: int | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codeowners:
    """A parsed CODEOWNERS file: its rules and section headers, and ownership lookups."""

    path: str
    rules: tuple[Rule, ...]
    sections: tuple[Section, ...] = ()
    _cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def default_owners(self, rule: Rule) -> tuple[str, ...]:
        """The owners a rule gives: its own, else its GitLab section's default owners."""
        if rule.owners or not rule.section:
            return rule.owners
        for section in self.sections:
            if section.name.lower() == rule.section and section.owners and not section.problems:
                return section.owners
        return ()

    @cached_property
    def _matchers(self) -> tuple[tuple[tuple[PathGlob | _Expression, Rule], ...], ...]:
        """Per section, (compiled pattern, rule) of every valid rule, last rule first. A pattern whose nested
        wildcards could make a regular expression backtrack is matched in linear time
        (``conformance.globmatch``): a CODEOWNERS file of pathological patterns cannot hang the report, which
        matches owners outside any policy's time budget. Ordinary patterns use the (C-speed) expression."""
        by_section: dict[str, list[tuple[PathGlob | _Expression, Rule]]] = {}
        for rule in self.rules:
            if not rule.valid:
                continue
            by_section.setdefault(rule.section, []).append((_matcher(rule.pattern), rule))
        return tuple(tuple(reversed(matchers)) for matchers in by_section.values())

    def rules_for(self, path: str) -> tuple[Rule, ...]:
        """The rules that decide a path's owners: the last matching valid rule of each section."""
        relative = normalize(path)
        decided = []
        for matchers in self._matchers:
            for regex, rule in matchers:
                if regex.matches(relative):
                    decided.append(rule)
                    break
        return tuple(decided)

    def owners_of(self, path: str) -> tuple[str, ...]:
        """The owners of a repository-relative path (``()`` when no rule gives it one). Results are cached."""
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        owners: list[str] = []
        for rule in self.rules_for(path):
            for owner in self.default_owners(rule):
                if owner not in owners:
                    owners.append(owner)
        result = tuple(owners)
        self._cache[path] = result
        return result


class _Expression:
    """A pattern matched by its regular expression (only for patterns that cannot backtrack badly)."""

    def __init__(self, pattern: str) -> None:
        self._fullmatch = pattern_regex(pattern).fullmatch

    def matches(self, path: str) -> bool:
        return self._fullmatch(path) is not None


def _matcher(pattern: str) -> PathGlob | _Expression:
    from conformance.globmatch import glob_complexity_problem

    if glob_complexity_problem(pattern) is not None:
        return pattern_glob(pattern)
    return _Expression(pattern)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression (for ``fullmatch`` on a repository-relative path) of a CODEOWNERS pattern."""
    anchored = "/" in pattern.rstrip("/")
    directory = pattern.endswith("/")
    children_only = pattern.endswith("/*") and not pattern.endswith("\\/*")
    trimmed = pattern.rstrip("/").lstrip("/")
    parts: list[str] = []
    index = 0
    while index < len(trimmed):
        char = trimmed[index]
        if char == "\\" and index + 1 < len(trimmed):
            parts.append(re.escape(trimmed[index + 1]))
            index += 2
        elif trimmed.startswith("**", index):
            starts_segment = index == 0 or trimmed[index - 1] == "/"
            ends_segment = index + 2 == len(trimmed) or trimmed[index + 2] == "/"
            if starts_segment and ends_segment and index + 2 < len(trimmed):
                parts.append("(?:.*/)?")  # **/ : any number of directories, none included
                index += 3
            elif starts_segment and ends_segment:
                parts.append(".*")  # a trailing /** : everything below
                index += 2
            else:
                parts.append("[^/]*")  # ** inside a name is a plain *
                index += 2
        elif char == "*":
            parts.append("[^/]*")
            index += 1
        elif char == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(char))
            index += 1
    prefix = "" if anchored else "(?:.*/)?"
    suffix = "/.*" if directory else "" if children_only else "(?:/.*)?"
    return re.compile(prefix + "".join(parts) + suffix, re.DOTALL)


def pattern_glob(pattern: str) -> PathGlob:
    """The linear-time matcher of a CODEOWNERS pattern, with exactly the meaning of ``pattern_regex``."""
    anchored = "/" in pattern.rstrip("/")
    directory = pattern.endswith("/")
    children_only = pattern.endswith("/*") and not pattern.endswith("\\/*")
    trimmed = pattern.rstrip("/").lstrip("/")
    segments: list[object] = [] if anchored else [ZERO_OR_MORE]
    current: list[object] = []
    trailing_globstar = False
    index = 0
    while index < len(trimmed):
        char = trimmed[index]
        if char == "\\" and index + 1 < len(trimmed):
            current.append(trimmed[index + 1])
            index += 2
        elif trimmed.startswith("**", index):
            starts_segment = index == 0 or trimmed[index - 1] == "/"
            ends_segment = index + 2 == len(trimmed) or trimmed[index + 2] == "/"
            if starts_segment and ends_segment and index + 2 < len(trimmed):
                segments.append(ZERO_OR_MORE)  # **/ : any number of directories, none included
                index += 3
            elif starts_segment and ends_segment:
                segments.extend((ONE_SEGMENT, ZERO_OR_MORE))  # a trailing /** : everything below
                trailing_globstar = True
                index += 2
            else:
                current.append(STAR)  # ** inside a name is a plain *
                index += 2
        elif char == "/":
            segments.append(tuple(current))
            current = []
            index += 1
        else:
            current.append(STAR if char == "*" else ONE_CHAR if char == "?" else char)
            index += 1
    if not trailing_globstar:
        segments.append(tuple(current))
    if directory:
        segments.extend((ONE_SEGMENT, ZERO_OR_MORE))
    elif not children_only:
        segments.append(ZERO_OR_MORE)
    return compile_segments(segments)


def normalize(path: str) -> str:
    """A path as CODEOWNERS patterns see it: forward slashes, no leading ``./`` or ``/`` (the root is '')."""
    relative = path.replace("\\", "/")
    while relative.startswith("./"):
        relative = relative[2:]
    relative = relative.lstrip("/")
    return "" if relative == "." else relative


def owner_problem(owner: str) -> str | None:
    """Why a token is not a valid owner, or None."""
    if _OWNER.fullmatch(owner):
        return None
    if not owner.startswith("@") and "@" not in owner:
        return f"owner '{owner}' is neither @user, @org/team nor an email address (missing '@'?)"
    return f"owner '{owner}' is not a valid @user, @org/team or email address"


def _split(line: str) -> list[str]:
    """Whitespace-separated tokens; ``\\ `` is an escaped space inside a token, and an unescaped ``#`` that
    starts a token begins a comment."""
    tokens: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            current.append(line[index : index + 2])
            index += 2
            continue
        if char.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        elif char == "#" and not current:
            break
        else:
            current.append(char)
        index += 1
    if current:
        tokens.append("".join(current))
    return tokens


def pattern_problems(pattern: str) -> list[str]:
    """What GitHub does not support in a pattern."""
    problems = []
    if pattern.startswith("!"):
        problems.append(f"pattern '{pattern}' negates with '!', which CODEOWNERS does not support")
    if pattern.startswith("\\#"):
        problems.append(f"pattern '{pattern}' escapes '#', which CODEOWNERS does not support")
    unescaped = re.sub(r"\\.", "", pattern)
    if "[" in unescaped or "]" in unescaped:
        problems.append(f"pattern '{pattern}' uses a '[ ]' character range, which CODEOWNERS does not support")
    return problems


def parse(text: str, path: str = "CODEOWNERS") -> Codeowners:
    """Parse a CODEOWNERS file; broken lines become rules with ``problems``, never exceptions."""
    rules: list[Rule] = []
    sections: list[Section] = []
    section = _DEFAULT_SECTION
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.match(line)
        if header:
            optional, name, approvals, rest = header.groups()
            owners = tuple(_split(rest or ""))
            problems = tuple(p for p in (owner_problem(o) for o in owners) if p)
            sections.append(
                Section(number, name.strip(), owners, bool(optional), int(approvals) if approvals else None, problems)
            )
            section = name.strip().lower()
            continue
        tokens = _split(line)
        if not tokens:  # a line holding only an escaped character run: nothing GitHub can use
            continue
        pattern, owners = tokens[0], tuple(tokens[1:])
        rule_problems = pattern_problems(pattern)
        rule_problems.extend(p for p in (owner_problem(o) for o in owners) if p)
        rules.append(Rule(number, pattern, owners, tuple(rule_problems), section))
    return Codeowners(path, tuple(rules), tuple(sections))


def find_codeowners(repository: Repository) -> tuple[str, Codeowners] | None:
    """The CODEOWNERS file GitHub uses (the first of :data:`LOCATIONS` that exists), parsed; None when there
    is none or it cannot be read."""
    for location in candidates(repository):
        text = repository.read_text(location, MAX_BYTES)
        if text is None:
            return None
        return location, parse(text, location)
    return None


def candidates(repository: Repository) -> list[str]:
    """Every CODEOWNERS location that exists in the repository, in the order GitHub looks at them."""
    return [location for location in LOCATIONS if repository.exists(location)]
