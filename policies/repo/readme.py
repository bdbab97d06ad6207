"""The repository should have a README at its root that says more than the project's name.

The README is the first thing a new reader, a reviewer or an on-call engineer opens: what the project is,
how to build and run it, where to ask. A missing README, or one that holds only a title and badges, leaves
them to reverse-engineer that from the code.

Checked: a file named `README`, `README.md`, `README.markdown`, `README.rst`, `README.txt`, `README.adoc` or
`README.asciidoc` (in any case) at the repository root. It must hold at least one line of real text. These
lines do not count: blank lines; headings (Markdown `#` headings and `===`/`---` underlines, reStructuredText
over- and underlines, AsciiDoc `=` titles, HTML `<h1>`-`<h6>`); lines of one repeated punctuation character
(rules, fences); badge-only lines (Markdown images and linked images, inline and reference-style in any
mix such as `[![codecov](badge.svg)][codecov]`, HTML `<img>`, `<a>`, `<p>`, `<picture>` tags,
reStructuredText `.. image::` directives and their `:target:` options, `|substitution|` references); link
reference definitions; HTML comments; and field or attribute lines (`:toc:`). When the README has no heading
at all, its first line of text counts as the title. With several READMEs, one with text is enough.

A missing README is reported at the repository root; a README with nothing but a title at its first line
(the README first in the order above, when there are several).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.api import CheckContext, Repository, Violation

ID = "repo/readme"
TITLE = "The repository should have a README that says more than a title"
SEVERITY = "warning"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
TARGET = "repository"
FIX = """
Add a `README.md` at the repository root that says what the project is, how to build, test and run it,
and who owns it.
"""
EXAMPLE = """
# payments-api

Accepts card payments for the shop and settles them nightly. Owned by @acme/payments.

## Development

    make test
"""

SUFFIXES = (".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt", "")
"""README suffixes in order of preference (the README reported when none has text)."""

_ATX_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_ASCIIDOC_TITLE = re.compile(r"^={1,6}\s+\S")
_HTML_HEADING = re.compile(r"^\s*<h[1-6][^>]*>.*</h[1-6]>\s*$", re.IGNORECASE)
_ADORNMENT = re.compile(r"^\s*([!-/:-@\[-`{-~])\1{2,}\s*$")
"""A line of one repeated punctuation character: underlines, overlines, rules, code fences."""
_FENCE = re.compile(r"^\s{0,3}(`{3,})")
"""A Markdown code fence (tilde fences are left out: ``~~~`` is a common reStructuredText underline)."""
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_FIELD = re.compile(r"^\s+:[\w-]+:.*$|^:[\w!-]+:(\s+\S*)?\s*$")
"""Directive options (indented ``:target: url``) and attribute lines with one word (``:toc: left``); an
emoji shortcode followed by a sentence (``:warning: Deprecated since 2.0``) is text."""
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_RST_DIRECTIVE = re.compile(r"^\s*\.\.\s+(\|[^|]+\|\s+)?(image|figure|raw)::")
_RST_COMMENT = re.compile(r"^\s*\.\.(\s|$)")
_BADGE_PARTS = re.compile(
    r"\[!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])\](?:\([^)]*\)|\[[^\]]*\])?"  # [![alt](image)](link), any mix of
    # inline and reference forms: [![alt][image]][link], [![alt](image)][link], [![alt][image]](link)
    r"|!\[[^\]]*\]\([^)]*\)"  # ![alt](image)
    r"|!\[[^\]]*\]\[[^\]]*\]"  # ![alt][image]
    r"|</?(?:img|a|p|div|picture|source|br|span|center)\b[^>]*>"  # badge HTML
    r"|\|[^|\s][^|]*\|_{0,2}",  # reStructuredText substitution reference
    re.IGNORECASE,
)


def readme_candidates(repository: Repository) -> list[str]:
    """Root READMEs, in order of preference."""
    found = {}
    for path in repository.files:
        if "/" in path:
            continue
        lowered = path.lower()
        stem, dot, suffix = lowered.partition(".")
        if stem == "readme" and (dot + suffix) in SUFFIXES:
            found[path] = SUFFIXES.index(dot + suffix)
    return sorted(found, key=lambda path: (found[path], path))


def _is_markup(line: str) -> tuple[bool, bool]:
    """(not text, is a heading) for one line."""
    if not line.strip():
        return True, False
    if _ATX_HEADING.match(line) or _ASCIIDOC_TITLE.match(line) or _HTML_HEADING.match(line):
        return True, True
    if _ADORNMENT.match(line) or _SETEXT.match(line) or _FIELD.match(line) or _LINK_DEFINITION.match(line):
        return True, False
    if _RST_DIRECTIVE.match(line) or _RST_COMMENT.match(line):
        return True, False
    if not _BADGE_PARTS.sub("", line).strip():
        return True, False
    return False, False


def has_text(text: str) -> bool:
    """Whether a README holds a line of real text beyond its title (see the module documentation)."""
    lines = text.splitlines()
    seen_title = False
    in_comment = False
    fence = ""
    underlined = -1
    for index, line in enumerate(lines):
        stripped = line.strip()
        if index == underlined:
            continue
        if fence:  # inside a fenced code block every line is content
            if stripped.startswith(fence):
                fence = ""
            elif stripped:
                return True
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        markup, heading = _is_markup(line)
        if markup:
            seen_title = seen_title or heading
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        underline = _ADORNMENT.match(following) and len(following.strip()) >= len(stripped)
        if _SETEXT.match(following) or underline:
            seen_title = True  # a setext or reStructuredText title: the next line underlines it
            underlined = index + 1
            continue
        if not seen_title:
            seen_title = True  # no heading before it: the first line of text is the title
            continue
        return True
    return False


def check(repository: Repository, ctx: CheckContext) -> Iterator[Violation]:
    candidates = readme_candidates(repository)
    if not candidates:
        yield Violation("no README at the repository root", ())
        return
    for path in candidates:
        text = repository.read_text(path)
        if text is not None and has_text(text):
            return
    first = candidates[0]
    text = repository.read_text(first) or ""
    what = "is empty" if not text.strip() else "holds only a title (and badges): say what the project is"
    yield Violation(f"{first} {what}", (first, 1))
