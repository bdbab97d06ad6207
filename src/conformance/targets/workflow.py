"""GitHub Actions workflows, as the ``gha/`` policies (``TARGET = "yaml"``) see them.

A workflow file is loaded with YAML 1.1 semantics, like every other YAML file of a scan, so the key ``on:``
arrives as the boolean ``True`` (and ``yes``/``no``/``off`` keys as booleans too); :func:`triggers` reads
both spellings. A document is treated as a workflow when it is a mapping whose ``jobs`` is a mapping;
anything else (an empty file, a list) is left alone.

Helpers here read a workflow's triggers, jobs and steps and classify ``uses:`` references. What a pull
request's author controls (the heuristics of ``gha/no-untrusted-checkout``) lives with that policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model import Path

WORKFLOW_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml")
"""The ``FILES`` globs of workflow policies: GitHub runs the workflow files of this directory (not below)."""


# --- structure ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One job: its id (the key as loaded), its path ``("jobs", id)`` and its mapping."""

    id: Any
    path: Path
    data: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.id)

    @property
    def calls_workflow(self) -> bool:
        """A reusable-workflow call (``jobs.<id>.uses``): it runs no steps of its own."""
        return "uses" in self.data


@dataclass(frozen=True)
class Step:
    """One step of a job: its 0-based index, its path ``("jobs", id, "steps", index)`` and its mapping."""

    job: Job
    index: int
    path: Path
    data: Mapping[str, Any]

    @property
    def label(self) -> str:
        """``step 'Check out'`` (its ``name``, else its ``id``), or ``step 3`` (1-based) when it has neither."""
        for key in ("name", "id"):
            value = self.data.get(key)
            if isinstance(value, str) and value.strip():
                return f"step '{value.strip()}'"
        return f"step {self.index + 1}"


def is_workflow(data: Any) -> bool:
    """Whether a YAML document is a workflow: a mapping whose ``jobs`` is a mapping."""
    return isinstance(data, Mapping) and isinstance(data.get("jobs"), Mapping)


def triggers(data: Any) -> dict[str, Any]:
    """The events of a workflow, by name, with their configuration (None when the form gives none).

    ``on`` comes as ``True`` under YAML 1.1 (``"on"`` when quoted); both are read. Its three forms — a
    string (``on: push``), a list of names, a mapping of names to filters — all give the same shape.
    """
    if not isinstance(data, Mapping):
        return {}
    events: dict[str, Any] = {}
    for key in (True, "on"):
        value = data.get(key)
        if isinstance(value, str):
            events.setdefault(value.strip(), None)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    events.setdefault(item.strip(), None)
        elif isinstance(value, Mapping):
            for name, config in value.items():
                if isinstance(name, str):
                    events.setdefault(name.strip(), config)
    return events


def jobs(data: Any) -> Iterator[Job]:
    """Every job of a workflow whose value is a mapping, in file order."""
    if not is_workflow(data):
        return
    for job_id, job in data["jobs"].items():
        if isinstance(job, Mapping):
            yield Job(job_id, ("jobs", job_id), job)


def steps(job: Job) -> Iterator[Step]:
    """Every step of a job that is a mapping, with its index in ``steps``."""
    items = job.data.get("steps")
    if not isinstance(items, list):
        return
    for index, step in enumerate(items):
        if isinstance(step, Mapping):
            yield Step(job, index, (*job.path, "steps", index), step)


# --- uses: references ------------------------------------------------------------------------------------

LOCAL = "local"
DOCKER = "docker"
REPOSITORY = "repository"
INVALID = "invalid"

COMMIT_SHA = re.compile(r"[0-9a-fA-F]{40}")
IMAGE_DIGEST = re.compile(r"sha256:[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class ActionRef:
    """A parsed ``uses:`` value.

    ``kind`` is ``local`` (``./path``), ``docker`` (``docker://image``), ``repository``
    (``owner/repo[/path]@ref``: an action or a reusable workflow in another repository) or ``invalid``.
    """

    kind: str
    text: str
    owner: str = ""
    repo: str = ""
    path: str = ""
    ref: str = ""
    image: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        """``owner/repo`` or ``owner/repo/path`` (without the ref)."""
        return "/".join(part for part in (self.owner, self.repo, self.path) if part)

    @property
    def pinned(self) -> bool:
        """Whether the reference names immutable content: a full commit SHA, an image digest, or a local path."""
        if self.kind == LOCAL:
            return True
        if self.kind == DOCKER:
            return bool(IMAGE_DIGEST.fullmatch(self.digest))
        if self.kind == REPOSITORY:
            return is_commit_sha(self.ref)
        return False

    def is_action(self, owner: str, repo: str) -> bool:
        """Whether this is the top-level action ``owner/repo`` at any ref (names compare case-insensitively)."""
        return (
            self.kind == REPOSITORY
            and not self.path
            and self.owner.lower() == owner.lower()
            and self.repo.lower() == repo.lower()
        )


def is_commit_sha(ref: str) -> bool:
    """A full 40-hex-digit commit SHA (short SHAs, tags and branches can move or be ambiguous)."""
    return bool(COMMIT_SHA.fullmatch(ref))


def parse_uses(value: str) -> ActionRef:
    """Classify a ``uses:`` value of a step or of a reusable-workflow call job."""
    text = value.strip()
    if text.startswith("./"):
        return ActionRef(LOCAL, text, path=text)
    if text[:9].lower() == "docker://":
        image, _, digest = text[9:].partition("@")
        return ActionRef(DOCKER, text, image=image, digest=digest)
    target, at, ref = text.partition("@")
    parts = target.split("/")
    if not at or not ref or len(parts) < 2 or not all(parts) or "${{" in text:
        return ActionRef(INVALID, text, ref=ref)
    return ActionRef(REPOSITORY, text, owner=parts[0], repo=parts[1], path="/".join(parts[2:]), ref=ref)
