"""Baselines: the findings a team accepts as known debt, listed by fingerprint in a versioned JSON file.

A baseline is written from a scan's findings and read by later scans: a finding whose fingerprint is listed is
suppressed, and a listed fingerprint no scan matches any more is fixed debt (:func:`unmatched`) that
:func:`pruned` drops. The fingerprint is the key; the other fields are for the humans who read the file in a
diff. The file is JSON with a stable layout — keys in a fixed order, one entry per line, entries sorted by
file, policy, resource and path — so a change to the debt is a readable change of a few lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from conformance.errors import ConfigError
from conformance.model import Finding
from conformance.suppress import Suppression

BASELINE_VERSION = 1
TOOL = "conformance"


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding: its fingerprint, and what it was when accepted."""

    fingerprint: str
    policy: str
    file: str = ""
    resource: str | None = None
    path: str = ""
    message: str = ""

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.file, self.policy, self.resource or "", self.path, self.fingerprint)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "policy": self.policy,
            "file": self.file,
            "resource": self.resource,
            "path": self.path,
            "message": self.message,
        }

    @classmethod
    def from_finding(cls, finding: Finding, file: str | None = None) -> BaselineEntry:
        """The entry of a finding; ``file`` is its path as the baseline shows it (default: the finding's)."""
        return cls(
            finding.fingerprint,
            finding.policy_id,
            finding.location.file if file is None else file,
            str(finding.resource) if finding.resource else None,
            finding.path,
            finding.message,
        )


@dataclass(frozen=True)
class Baseline:
    """The accepted findings, by fingerprint, and the file they were read from (if any)."""

    entries: Mapping[str, BaselineEntry] = field(default_factory=dict)
    path: FsPath | None = None
    reason: str = "accepted as known debt in the baseline"
    """What a covered finding's suppression says (``--new-only``: present before the change)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", dict(self.entries))  # a copy of its own: the caller's may change

    def __contains__(self, fingerprint: object) -> bool:
        return fingerprint in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[BaselineEntry]:
        """The entries in file order (sorted by file, policy, resource, path)."""
        return iter(sorted(self.entries.values(), key=BaselineEntry.sort_key))

    def covers(self, finding: Finding) -> bool:
        """Whether the baseline accepts this finding (scan errors are never accepted)."""
        return not finding.is_error and bool(finding.fingerprint) and finding.fingerprint in self.entries

    def suppression(self, source: str | None = None) -> Suppression:
        """The record for a finding it covers; ``source`` is the baseline's path as reports show it."""
        shown = source if source is not None else (str(self.path) if self.path else "baseline")
        return Suppression("baseline", self.reason, source=shown)


def baseline_from_findings(
    findings: Iterable[Finding], path: FsPath | None = None, file_of: Callable[[str], str] | None = None
) -> Baseline:
    """A baseline accepting every finding given (scan errors and findings without a fingerprint are left out).

    ``file_of`` maps a finding's file (as reports show it) to the path the baseline records; the default is
    the path relative to the file's git work tree, the one fingerprints use, so the file does not depend on
    where the scan was started. Of findings that share a fingerprint, the first is recorded.
    """
    from conformance.inputs import repository_path

    entries: dict[str, BaselineEntry] = {}
    for finding in findings:
        if finding.is_error or not finding.fingerprint or finding.fingerprint in entries:
            continue
        if file_of is not None:
            file = file_of(finding.location.file)
        else:  # the origin the scan recorded, computed once when the file was read
            file = finding.origin.path if finding.origin is not None else repository_path(finding.location.file)
        entries[finding.fingerprint] = BaselineEntry.from_finding(finding, file)
    return Baseline(entries, path)


def pruned(baseline: Baseline, matched: Collection[str]) -> Baseline:
    """The baseline without the entries whose fingerprint no finding matched (fixed debt)."""
    return Baseline({fp: entry for fp, entry in baseline.entries.items() if fp in matched}, baseline.path)


def unmatched(baseline: Baseline, matched: Collection[str]) -> tuple[BaselineEntry, ...]:
    """The entries no finding matched, in file order: the debt that was paid since the baseline was written."""
    return tuple(entry for entry in baseline if entry.fingerprint not in matched)


def _schema() -> dict[str, Any]:
    text = (FsPath(__file__).parent / "schemas" / "baseline.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def parse_baseline(data: Any, path: FsPath) -> Baseline:
    """Validate loaded baseline JSON; errors name the file and the key (``entries[3].fingerprint``)."""
    from conformance.validation import compile_schema

    schema = _schema()
    if not compile_schema(schema).is_valid(data):  # the slow library only to explain an error
        from conformance.config import key_text, schema_error

        error = schema_error(schema, data)
        if error is not None:
            raise ConfigError(f"{path}: key {key_text(error[0])}: {error[1]}")
    entries: dict[str, BaselineEntry] = {}
    for item in data["entries"]:
        fingerprint = item["fingerprint"]
        entries.setdefault(  # a fingerprint listed twice (two branches merged) counts once
            fingerprint,
            BaselineEntry(
                fingerprint,
                item["policy"],
                item.get("file", ""),
                item.get("resource"),
                item.get("path", ""),
                item.get("message", ""),
            ),
        )
    return Baseline(entries, path)


def load_baseline(path: FsPath) -> Baseline:
    """Read and validate a baseline file; a missing, unreadable or invalid file is a :class:`ConfigError`."""
    from conformance.smallfiles import MAX_BASELINE_BYTES, read_small_file

    text = read_small_file(path, MAX_BASELINE_BYTES, "baseline")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: the baseline is not valid JSON: {exc.msg}") from None
    except ValueError as exc:  # NaN, Infinity: not JSON
        raise ConfigError(f"{path}: the baseline is not valid JSON: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: the baseline is nested too deeply to be a baseline") from None
    return parse_baseline(data, path)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def baseline_lines(baseline: Baseline) -> Iterator[str]:
    """The file's text, line by line (each ending in a newline): one entry per line, entries sorted."""
    yield "{\n"
    yield f'  "version": {BASELINE_VERSION},\n'
    yield f'  "tool": {_dump(TOOL)},\n'
    entries = list(baseline)
    if not entries:
        yield '  "entries": []\n'
    else:
        yield '  "entries": [\n'
        for i, entry in enumerate(entries):
            yield f"    {_dump(entry.to_dict())}{',' if i < len(entries) - 1 else ''}\n"
        yield "  ]\n"
    yield "}\n"


def dumps_baseline(baseline: Baseline) -> str:
    return "".join(baseline_lines(baseline))


def write_baseline(baseline: Baseline, path: FsPath | None = None) -> None:
    """Write the baseline atomically to ``path`` (default: where it was read from).

    The text is streamed to a temporary file beside the target that replaces it only when complete: a
    failure leaves the old file as it was and no temporary file behind. An ``OSError`` is a ConfigError.
    """
    from conformance.atomic import atomic_writer

    target = path if path is not None else baseline.path
    if target is None:
        raise ValueError("write_baseline needs a path: the baseline was not read from a file")
    try:
        with atomic_writer(target) as stream:
            for line in baseline_lines(baseline):
                stream.write(line)
    except OSError as exc:
        raise ConfigError(f"cannot write the baseline to {target}: {exc.strerror or exc}") from None
