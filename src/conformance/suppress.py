"""Suppressions: inline comments, Kubernetes annotations, configuration waivers, and what they record.

Pure building blocks: nothing here reads files, knows the engine or imports YAML. Four kinds of suppression
exist, from the most local to the most global:

- **inline** comments ``# conformance:ignore <policy-id>[,<policy-id>...] reason="free text"`` in a YAML
  manifest or a Dockerfile (:func:`parse_inline`);
- **annotation** ``conformance.dev/ignore.<pack>.<slug>: "reason=...; container=..."`` on a Kubernetes object
  or its pod template (:func:`parse_resource_annotations`);
- **waiver** entries under ``waivers:`` in ``.conformance.yaml``, with an owner and an optional expiry date
  (:class:`Waiver`, parsed by :mod:`conformance.config`);
- **baseline** entries: accepted findings listed by fingerprint (:mod:`conformance.baseline`).

Every parser returns its problems (a marker without a reason, an annotation with an unknown field) instead of
raising, and every policy id a suppression names is checked against the catalog: an unknown id is an error,
never silently ignored.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from conformance.errors import ConfigError
from conformance.model import Finding, Path, Suppression

SUPPRESSION_KINDS = ("inline", "annotation", "waiver", "baseline")
"""The kinds of :class:`~conformance.model.Suppression` (re-exported here), from the most local."""
IN_SOURCE_KINDS = ("inline", "annotation")
"""Suppressions written in the scanned file itself (SARIF ``inSource``); the others are ``external``."""
POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
"""The syntax of a policy id (the same as the catalog's): ``<pack>/<kebab-slug>``."""


def _did_you_mean(policy_id: str, known_ids: Collection[str]) -> str:
    import difflib

    close = difflib.get_close_matches(policy_id, list(known_ids), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_policy_message(policy_id: str, known_ids: Collection[str]) -> str:
    """``unknown policy id 'k8s/no-host-pids' (did you mean 'k8s/no-host-pid'?)``."""
    return f"unknown policy id '{policy_id}'{_did_you_mean(policy_id, known_ids)}"


# --------------------------------------------------------------------------------------------------------------
# Inline comments

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


# --------------------------------------------------------------------------------------------------------------
# Kubernetes annotations

ANNOTATION_PREFIX = "conformance.dev/"
GENERIC_ANNOTATION = "conformance.dev/ignore"
"""For ids too long for a key of their own: ``conformance.dev/ignore: "policy=<id>[,<id>]; reason=..."``."""
MAX_ANNOTATION_NAME = 63
"""Kubernetes limits the name part of an annotation key (after ``conformance.dev/``) to 63 characters."""
_ANNOTATION_FIELD = re.compile(r"^[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=(.*)$", re.DOTALL)
_ANNOTATION_FIELDS = ("reason", "container")


def annotation_key(policy_id: str) -> str:
    """The annotation key that ignores one policy: ``conformance.dev/ignore.k8s.no-host-network``; for an id
    whose key name would exceed 63 characters, :data:`GENERIC_ANNOTATION` (then the value says ``policy=``)."""
    name = "ignore." + policy_id.replace("/", ".")
    return ANNOTATION_PREFIX + name if len(name) <= MAX_ANNOTATION_NAME else GENERIC_ANNOTATION


def annotation_for(policy_id: str, reason: str, containers: Iterable[str] = ()) -> tuple[str, str]:
    """The (key, value) of an annotation that ignores ``policy_id``, as a fix suggestion can print it."""
    key = annotation_key(policy_id)
    parts = [f"policy={policy_id}"] if key == GENERIC_ANNOTATION else []
    parts.append(f"reason={reason}")
    names = ",".join(containers)
    if names:
        parts.append(f"container={names}")
    return key, "; ".join(parts)


@dataclass(frozen=True)
class AnnotationIgnore:
    """A ``conformance.dev/ignore.*`` annotation: ignores one policy on the object, or on some containers."""

    policy_id: str
    reason: str
    containers: frozenset[str] | None
    """None: every finding of the policy on the object; else only findings on these containers."""
    key: str
    path: Path = ()
    """Where the annotation's key is written, inside the resource: ``("metadata", "annotations", key)``."""
    line: int = 0
    """The line of the annotation in its file, once located (0: not located)."""

    def covers(self, policy_id: str, container: str | None) -> bool:
        if policy_id != self.policy_id:
            return False
        return self.containers is None or (container is not None and container in self.containers)

    def suppression(self, source: str) -> Suppression:
        """``source`` says where the annotation is written (``deploy.yaml:7``: locate :attr:`path`)."""
        return Suppression("annotation", self.reason, source=source)


@dataclass(frozen=True)
class AnnotationProblem:
    """A malformed (or unknown-id) ignore annotation: it ignores nothing; report it as an error."""

    key: str
    message: str
    path: Path = ()
    """Where the annotation's key is written, inside the resource."""


@dataclass(frozen=True)
class AnnotationMarkers:
    """The ignore annotations of one resource and their problems."""

    ignores: tuple[AnnotationIgnore, ...] = ()
    problems: tuple[AnnotationProblem, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ignores or self.problems)

    def covering(self, policy_id: str, container: str | None = None) -> AnnotationIgnore | None:
        """The annotation that ignores this finding, if any."""
        return next((i for i in self.ignores if i.covers(policy_id, container)), None)

    def unknown_ids(self, known_ids: Collection[str]) -> tuple[AnnotationProblem, ...]:
        known = known_ids if isinstance(known_ids, (set, frozenset, Mapping)) else frozenset(known_ids)
        return tuple(
            AnnotationProblem(i.key, unknown_policy_message(i.policy_id, known), i.path)
            for i in self.ignores
            if i.policy_id not in known
        )

    def validated(self, known_ids: Collection[str]) -> AnnotationMarkers:
        """These annotations with the ones naming an unknown policy id moved to the problems."""
        unknown = self.unknown_ids(known_ids)
        if not unknown:
            return self
        bad = {(p.path, p.key) for p in unknown}
        return AnnotationMarkers(
            tuple(i for i in self.ignores if (i.path, i.key) not in bad), (*self.problems, *unknown)
        )


def annotations_of(resource_data: Mapping[str, Any]) -> list[tuple[Path, Mapping[str, Any]]]:
    """The annotation mappings that can ignore findings on a resource, with their paths: the object's own and
    its pod templates' (``spec.template.metadata.annotations``; a CronJob's under ``spec.jobTemplate``; those of
    the custom workloads of the shipped kind table, such as an Argo Rollout's)."""
    from conformance.targets.kinds import shipped
    from conformance.targets.kubernetes import get_path

    found: list[tuple[Path, Mapping[str, Any]]] = []
    paths: list[Path] = [("metadata", "annotations")]
    kind, api_version = resource_data.get("kind"), resource_data.get("apiVersion")
    if isinstance(kind, str):
        for spec_path in shipped().lookup(api_version if isinstance(api_version, str) else "", kind).pod_specs:
            if len(spec_path) > 1:
                paths.append((*spec_path[:-1], "metadata", "annotations"))
    for path in paths:
        annotations = get_path(resource_data, path)
        if isinstance(annotations, Mapping) and annotations:
            found.append((path, annotations))
    return found


def parse_annotations(annotations: Mapping[str, Any], path: Path = ("metadata", "annotations")) -> AnnotationMarkers:
    """The ignore annotations of one annotations mapping (found at ``path`` in the resource).

    Keys are ``conformance.dev/ignore.<pack>.<slug>`` (the policy id with ``/`` as ``.``); values are
    ``reason=<text>; container=<name>[,<name>]`` in any order, the container part optional, or plain text that
    is the whole reason. In the structured form, text after ``reason=`` that holds ``;`` but no new field
    stays part of the reason. Ids too long for a key (a name over 63 characters, which the API server
    refuses) go under :data:`GENERIC_ANNOTATION`, whose value also says ``policy=<id>[,<id>]``.
    """
    ignores: list[AnnotationIgnore] = []
    problems: list[AnnotationProblem] = []
    for key, value in annotations.items():
        if not isinstance(key, str) or not key.startswith(ANNOTATION_PREFIX + "ignore"):
            continue
        where = (*path, key)
        parsed = _parse_annotation(key, value)
        if isinstance(parsed, str):
            problems.append(AnnotationProblem(key, parsed, where))
            continue
        policy_ids, reason, containers = parsed
        ignores.extend(AnnotationIgnore(pid, reason, containers, key, where) for pid in policy_ids)
    return AnnotationMarkers(tuple(ignores), tuple(problems))


def parse_resource_annotations(resource_data: Mapping[str, Any]) -> AnnotationMarkers:
    """The ignore annotations of a resource and of its pod template, together."""
    ignores: list[AnnotationIgnore] = []
    problems: list[AnnotationProblem] = []
    for path, mapping in annotations_of(resource_data):
        markers = parse_annotations(mapping, path)
        ignores.extend(markers.ignores)
        problems.extend(markers.problems)
    return AnnotationMarkers(tuple(ignores), tuple(problems))


def _parse_annotation(key: str, value: Any) -> tuple[tuple[str, ...], str, frozenset[str] | None] | str:
    """(policy ids, reason, containers) of one ignore annotation, or a message saying what is wrong."""
    generic = key == GENERIC_ANNOTATION
    name = key[len(ANNOTATION_PREFIX) :]
    policy_ids: tuple[str, ...] = ()
    if not generic:
        parts = name.split(".")
        if len(parts) != 3 or parts[0] != "ignore" or not POLICY_ID.match(f"{parts[1]}/{parts[2]}"):
            return f"'{key}' is not an ignore annotation: write {ANNOTATION_PREFIX}ignore.<pack>.<slug>"
        if len(name) > MAX_ANNOTATION_NAME:
            return (
                f"the annotation name '{name}' is {len(name)} characters, over Kubernetes' limit of "
                f'{MAX_ANNOTATION_NAME}: write {GENERIC_ANNOTATION}: "policy={parts[1]}/{parts[2]}; reason=..."'
            )
        policy_ids = (f"{parts[1]}/{parts[2]}",)
    if not isinstance(value, str):
        return f"the value must be a string (reason=...), not {type(value).__name__}"
    fields = _annotation_fields(value, generic)
    if isinstance(fields, str):
        return fields
    if generic:
        if "policy" not in fields:
            return f"{GENERIC_ANNOTATION} needs policy=<id>[,<id>]; reason=..."
        ids = [item.strip() for item in fields["policy"].split(",")]
        for item in ids:
            if not POLICY_ID.match(item):
                return f"policy: '{item}' is not a policy id (<pack>/<slug>)"
        policy_ids = tuple(dict.fromkeys(ids))
    reason = fields.get("reason", "").strip()
    if not reason:
        return "the reason is empty: say why the finding is accepted (reason=...)"
    containers: frozenset[str] | None = None
    if "container" in fields:
        names = [item.strip() for item in fields["container"].split(",")]
        if not all(names):
            return f"container: '{fields['container'].strip()}' must be container names separated by commas"
        containers = frozenset(names)
    return policy_ids, reason, containers


def _annotation_fields(value: str, generic: bool) -> dict[str, str] | str:
    allowed = (*_ANNOTATION_FIELDS, "policy") if generic else _ANNOTATION_FIELDS
    parts = value.split(";")
    if not any(_ANNOTATION_FIELD.match(part) for part in parts):
        return {"reason": value}  # plain text: the whole value is the reason
    fields: dict[str, str] = {}
    last: str | None = None
    for part in parts:
        match = _ANNOTATION_FIELD.match(part)
        if match is None:
            if not part.strip():
                continue
            if last != "reason":
                return f"'{part.strip()}' is not a field: write key=value parts ({', '.join(allowed)})"
            fields["reason"] += ";" + part  # a ';' inside the reason
            continue
        name, text = match.group(1), match.group(2)
        if name not in allowed:
            return f"unknown field '{name}': the fields are {', '.join(allowed)}"
        if name in fields:
            return f"field '{name}' is given twice"
        fields[name] = text
        last = name
    return fields


# --------------------------------------------------------------------------------------------------------------
# Waivers


@dataclass(frozen=True)
class Waiver:
    """One entry of ``waivers:`` in the configuration: a policy accepted where ``match`` says, by an owner."""

    policy: str
    reason: str
    owner: str
    expires: str | None = None
    """The last day the waiver holds (``YYYY-MM-DD``); None: it never expires."""
    paths: tuple[str, ...] = ()
    """gitignore-style patterns, relative to the configuration file's directory."""
    kind: str | None = None
    namespace: str | None = None
    """fnmatch pattern (``team-*``); a resource without a namespace is matched as ``""``."""
    name: str | None = None
    """fnmatch pattern."""
    container: str | None = None
    index: int = 0
    """Position in ``waivers:`` (0-based), as error messages name it: ``waivers[2]``."""
    line: int = 0
    """Line of the entry in the configuration file (0 when unknown)."""
    config: str = field(default="", compare=False)
    """The configuration file it comes from."""

    @property
    def key(self) -> str:
        return f"waivers[{self.index}]"

    @property
    def expiry(self) -> date | None:
        return date.fromisoformat(self.expires) if self.expires else None

    def expired(self, today: date) -> bool:
        """True from the day after :attr:`expires`."""
        expiry = self.expiry
        return expiry is not None and today > expiry

    @cached_property
    def _path_spec(self) -> Any:
        import pathspec

        return pathspec.GitIgnoreSpec.from_lines(self.paths)

    def matches(
        self,
        policy_id: str,
        relative_path: str | None,
        kind: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        container: str | None = None,
    ) -> bool:
        """Whether the waiver applies to a finding (expiry aside: see :meth:`expired`).

        ``relative_path`` is the finding's file relative to the configuration's directory, with forward
        slashes (None for standard input or a file outside that directory: then ``paths`` never match).
        Every criterion given must hold; a finding without a resource or a container fails criteria on them.
        """
        if policy_id != self.policy:
            return False
        if self.paths and (relative_path is None or not self._path_spec.match_file(relative_path)):
            return False
        has_resource = kind is not None or name is not None
        if self.kind is not None and kind != self.kind:
            return False
        if self.namespace is not None and not (has_resource and fnmatch.fnmatchcase(namespace or "", self.namespace)):
            return False
        if self.name is not None and (name is None or not fnmatch.fnmatchcase(name, self.name)):
            return False
        return self.container is None or container == self.container

    def matches_finding(self, finding: Finding, relative_path: str | None, container: str | None = None) -> bool:
        """:meth:`matches` for a finding (its policy and resource); ``container`` from :func:`container_of`."""
        resource = finding.resource
        if resource is None:
            return self.matches(finding.policy_id, relative_path, container=container)
        return self.matches(
            finding.policy_id, relative_path, resource.kind, resource.namespace, resource.name, container
        )

    def suppression(self, config_file: str | None = None) -> Suppression:
        """The record for a finding it covers; ``config_file`` is the configuration's path as reports show it."""
        source = f"{config_file if config_file is not None else self.config}:{self.line}"
        return Suppression("waiver", self.reason, self.owner, self.expires, source)


def find_waiver(
    waivers: Iterable[Waiver],
    finding: Finding,
    relative_path: str | None,
    container: str | None,
    today: date,
) -> Waiver | None:
    """The first waiver in force that matches the finding; else the first expired one that matches (so the
    caller can say that the waiver has expired); else None."""
    expired: Waiver | None = None
    for waiver in waivers:
        if waiver.matches_finding(finding, relative_path, container):
            if not waiver.expired(today):
                return waiver
            expired = expired or waiver
    return expired


def relative_to(file: str, root: str | os.PathLike[str] | None) -> str | None:
    """A scanned file's path relative to ``root`` (the configuration's directory), with forward slashes, as
    waiver ``paths`` match it; None for standard input, no root, or a file outside the root."""
    if root is None or file.startswith("<"):
        return None
    relative = os.path.relpath(os.path.abspath(file), os.path.abspath(root))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative.replace(os.sep, "/")


def check_waiver_ids(waivers: Sequence[Waiver], known_ids: Collection[str]) -> None:
    """Raise :class:`ConfigError` if a waiver names a policy id the catalog does not have (pass every id of the
    catalog, not only the enabled policies: disabling a policy must not break its waivers)."""
    known = known_ids if isinstance(known_ids, (set, frozenset, Mapping)) else frozenset(known_ids)
    bad = [w for w in waivers if w.policy not in known]
    if not bad:
        return
    first = bad[0]
    where = f"{first.config}:{first.line}" if first.line else first.config
    more = f" (and {len(bad) - 1} more unknown waiver ids)" if len(bad) > 1 else ""
    raise ConfigError(f"{where}: key {first.key}.policy: {unknown_policy_message(first.policy, known)}{more}")


# --------------------------------------------------------------------------------------------------------------
# Containers of findings

_CONTAINER_STEP = re.compile(r"(?:^|\.)(?:containers|initContainers|ephemeralContainers)\[([^\]]*)\]")
_CONTAINER_KEY = re.compile(r"^(?:containers|initContainers|ephemeralContainers)\[([^\]]*)\]$")


def container_of(finding_path: str, key: str = "") -> str | None:
    """The container a finding is about, from its path label and its violation key.

    A pod-level value inherited by containers (``spec.securityContext.runAsUser``) carries the container in
    the key (``containers[web]``, as YAML policies set it); otherwise the label names it
    (``spec.template.spec.containers[web].securityContext.privileged``). A container without a name is
    labelled by its index (``containers[0]`` gives ``"0"``).
    """
    match = _CONTAINER_KEY.match(key) if key else None
    if match is None:
        match = _CONTAINER_STEP.search(finding_path)
    return match.group(1) or None if match else None
