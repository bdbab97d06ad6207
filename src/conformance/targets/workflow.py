"""GitHub Actions workflows, as the ``gha/`` policies (``TARGET = "yaml"``) see them.

A workflow file is loaded with YAML 1.1 semantics, like every other YAML file of a scan, so the key ``on:``
arrives as the boolean ``True`` (and ``yes``/``no``/``off`` keys as booleans too); :func:`triggers` reads
both spellings. A document is treated as a workflow when it is a mapping whose ``jobs`` is a mapping;
anything else (an empty file, a list) is left alone.

Helpers here classify ``uses:`` references and recognise values a pull request's author controls (the head
commit or branch of a pull request, the branch of a ``workflow_run``), in ``${{ }}`` expressions and in shell
commands of ``run:`` steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
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


# --- values a pull request's author controls ------------------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_INDEX = re.compile(r"\[\s*(['\"])([^'\"\]]*)\1\s*\]")
_WHITESPACE = re.compile(r"\s+")

PR_CONTROLLED = re.compile(
    r"github\.(?:head_ref"
    r"|event\.(?:number"
    r"|pull_request\.(?:number|merge_commit_sha|head\.(?:sha|ref))"
    r"|workflow_run\.(?:head_sha|head_branch|head_commit|pull_requests)))"
    r"(?![\w-])"
)
"""Context values naming the code of a pull request (or of the run that triggered a ``workflow_run``)."""
FORK_REPOSITORY = re.compile(r"github\.event\.(?:pull_request\.head\.repo|workflow_run\.head_repository)(?![\w-])")
"""Context values naming the repository a pull request comes from (a fork its author owns)."""
PULL_REF = re.compile(r"(?:^|[\s:/+'\"=])(?:refs/)?pull/[^\s/]+/(?:head|merge)(?![\w-])")
"""A literal pull request ref: ``refs/pull/123/merge``, ``pull/$PR/head``."""
_ENV_REFERENCE = re.compile(r"(?<![\w.])env\.([a-z_][a-z0-9_]*)")


def normalize_expression(text: str) -> str:
    """An expression in one canonical spelling: lower case, no whitespace, ``x['y']`` written ``x.y``."""
    text = _INDEX.sub(lambda match: "." + match.group(2), text)
    return _WHITESPACE.sub("", text).lower()


def merged_env(*scopes: Any) -> dict[str, str]:
    """The ``env`` mappings of a workflow, a job and a step, the innermost winning (non-string keys dropped)."""
    merged: dict[str, str] = {}
    for scope in scopes:
        env = scope.get("env") if isinstance(scope, Mapping) else None
        if isinstance(env, Mapping):
            for name, value in env.items():
                if isinstance(name, str):
                    merged[name] = value if isinstance(value, str) else str(value)
    return merged


def tainted_env(env: Mapping[str, str], pattern: re.Pattern[str] = PR_CONTROLLED) -> frozenset[str]:
    """Names of environment variables set from an expression matching ``pattern``, directly or through
    another such variable (``${{ env.X }}``).

    With the default pattern (values a pull request's author controls), ``GITHUB_HEAD_REF`` — which GitHub
    sets for pull request events — is always one of them.
    """
    tainted: set[str] = {"GITHUB_HEAD_REF"} if pattern is PR_CONTROLLED else set()
    changed = True
    while changed:  # values may refer to each other through ${{ env.X }}; a few rounds settle it
        changed = False
        for name, value in env.items():
            if name not in tainted and _expressions_match(value, pattern, tainted):
                tainted.add(name)
                changed = True
    return frozenset(tainted)


def _expressions_match(text: str, pattern: re.Pattern[str], tainted: Iterable[str]) -> bool:
    """Whether an expression of ``text`` matches ``pattern`` or reads ``env.X`` of a tainted variable."""
    lowered = {name.lower() for name in tainted}
    for match in EXPRESSION.finditer(text):
        expression = normalize_expression(match.group(1))
        if pattern.search(expression):
            return True
        if any(name in lowered for name in _ENV_REFERENCE.findall(expression)):
            return True
    return False


def pr_controlled_ref(value: Any, tainted: Iterable[str] = ()) -> bool:
    """Whether a ref (``with.ref`` of a checkout) names pull request code: a PR-controlled expression, an
    ``env.X`` of a tainted variable (see :func:`tainted_env`), or a literal ``refs/pull/…`` ref."""
    if not isinstance(value, str):
        return False
    return _expressions_match(value, PR_CONTROLLED, tainted) or bool(PULL_REF.search(value))


def fork_repository(value: Any, tainted: Iterable[str] = ()) -> bool:
    """Whether a repository (``with.repository`` of a checkout) names the pull request's head repository,
    directly or through ``env.X`` of a variable :func:`tainted_env` found with :data:`FORK_REPOSITORY`."""
    return isinstance(value, str) and _expressions_match(value, FORK_REPOSITORY, tainted)


# --- shell commands of run: steps --------------------------------------------------------------------------

_GIT_VERB = r"\bgit\s+(?:-\S+\s+(?:[^\s-]\S*\s+)?)*?{verb}(?![\w-])"
_GIT_FETCH = re.compile(_GIT_VERB.format(verb="fetch"))
_GIT_CHECKOUT = re.compile(
    _GIT_VERB.format(verb=r"(?:checkout|switch|reset|merge|pull|rebase|cherry-pick|worktree\s+add)")
)
_GH_PR_CHECKOUT = re.compile(r"\bgh\s+pr\s+checkout(?![\w-])")
_COMMAND_SEPARATOR = re.compile(r"&&|\|\||[;|\n]")
_MASK = "\x00{}\x00"
_MASKED = re.compile(r"\x00(\d+)\x00")


def shell_commands(script: str) -> list[str]:
    """The simple commands of a ``run:`` script: lines (``\\`` continuations joined) split at ``;``, ``&&``,
    ``||`` and ``|``. A ``${{ }}`` expression stays whole, whatever operators it holds."""
    expressions: list[str] = []

    def mask(match: re.Match[str]) -> str:
        expressions.append(match.group(0))
        return _MASK.format(len(expressions) - 1)

    masked = EXPRESSION.sub(mask, script.replace("\\\r\n", " ").replace("\\\n", " "))
    commands = []
    for part in _COMMAND_SEPARATOR.split(masked):
        command = _MASKED.sub(lambda match: expressions[int(match.group(1))], part).strip()
        if command and not command.startswith("#"):
            commands.append(command)
    return commands


def _command_controlled(command: str, tainted: Iterable[str]) -> bool:
    names = ["GITHUB_HEAD_REF", *tainted]
    if _expressions_match(command, PR_CONTROLLED, names) or PULL_REF.search(command):
        return True
    unexpanded = EXPRESSION.sub(" ", command)
    return any(re.search(r"\$\{?" + re.escape(name) + r"(?!\w)", unexpanded) for name in names)


def _fetch_destinations(command: str) -> set[str]:
    """Local names a ``git fetch`` refspec writes (``pull/1/head:pr`` gives ``pr``), plus ``FETCH_HEAD``."""
    names = {"FETCH_HEAD"}
    for token in EXPRESSION.sub("x", command).split():
        if ":" in token and "://" not in token and "@" not in token:
            destination = token.rsplit(":", 1)[1].strip("'\"")
            for prefix in ("refs/heads/", "refs/remotes/"):
                destination = destination.removeprefix(prefix)
            if destination:
                names.add(destination)
    return names


def checks_out_pr_code(script: Any, tainted: Iterable[str] = ()) -> str | None:
    """Why a ``run:`` script checks out pull request code, or None.

    It does when it runs ``gh pr checkout``; when a ``git checkout``/``switch``/``reset``/``merge``/``pull``/
    ``rebase``/``cherry-pick``/``worktree add`` command names a PR-controlled ref; or when a ``git fetch`` of
    such a ref is followed by one of those commands naming ``FETCH_HEAD`` or the fetched local name. A fetch
    alone (to diff against the head, say) does not put the code in the workspace.
    """
    if not isinstance(script, str):
        return None
    names = list(tainted)
    fetched: set[str] = set()
    for command in shell_commands(script):
        if _GH_PR_CHECKOUT.search(command):
            return "runs `gh pr checkout`"
        controlled = _command_controlled(command, names)
        if _GIT_CHECKOUT.search(command):
            if controlled:
                return "checks out a pull request ref with git"
            if any(re.search(r"(?<![\w./-])" + re.escape(name) + r"(?![\w-])", command) for name in fetched):
                return "fetches a pull request ref with git and checks it out"
        if _GIT_FETCH.search(command) and controlled:
            fetched |= _fetch_destinations(command)
    return None


# --- conditions --------------------------------------------------------------------------------------------

_EVENT_IS = re.compile(r"github\.event_name==(['\"])([\w-]+)\1|(['\"])([\w-]+)\3==github\.event_name")
_EVENT_IS_NOT = re.compile(r"github\.event_name!=(['\"])([\w-]+)\1|(['\"])([\w-]+)\3!=github\.event_name")
_HEAD_REPOSITORY = r"github\.event\.(?:pull_request\.head\.repo\.full_name|workflow_run\.head_repository\.full_name)"
_SAME_REPOSITORY_NAME = re.compile(
    rf"(?<![\w.]){_HEAD_REPOSITORY}==github\.repository(?![\w.])"
    rf"|(?<![\w.])github\.repository=={_HEAD_REPOSITORY}(?![\w.])"
)
_NOT_A_FORK = re.compile(
    r"(?<![\w.])github\.event\.pull_request\.head\.repo\.fork==false(?![\w.])"
    r"|(?<![\w.])false==github\.event\.pull_request\.head\.repo\.fork(?![\w.])"
)
_NOT_FORK = "!github.event.pull_request.head.repo.fork"


def _conjunction(condition: Any) -> str | None:
    """An ``if:`` condition, normalized, when it is a plain conjunction (no ``||``, no negation but ``!=`` and
    ``!github.event.pull_request.head.repo.fork``); None otherwise."""
    if not isinstance(condition, str):
        return None
    text = normalize_expression(condition.strip())
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if "||" in text:
        return None
    rest = re.sub(re.escape(_NOT_FORK) + r"(?![\w.])", "", text.replace("!=", "=="))
    return None if "!" in rest else text


def excludes_events(condition: Any, events: Iterable[str]) -> bool:
    """Whether an ``if:`` condition keeps its job or step from running for every one of ``events``.

    Recognised: ``false``; a plain conjunction (see :func:`_conjunction`) with ``github.event_name == 'e'``
    for an event ``e`` outside ``events``, or with ``github.event_name != 'e'`` for every event of ``events``.
    Anything else (labels, actors, ``||``, ``!``) is taken to let the events through.
    """
    if condition is False:
        return True
    text = _conjunction(condition)
    if text is None:
        return False
    wanted = {event.lower() for event in events}
    for match in _EVENT_IS.finditer(text):
        if (match.group(2) or match.group(4)) not in wanted:
            return True
    excluded = {match.group(2) or match.group(4) for match in _EVENT_IS_NOT.finditer(text)}
    return bool(wanted) and wanted <= excluded


def same_repository_only(condition: Any, events: Iterable[str]) -> bool:
    """Whether an ``if:`` condition lets its job or step run, for the given events, only on code from the
    repository itself, never from a fork.

    Recognised in a plain conjunction (see :func:`_conjunction`):
    ``github.event.pull_request.head.repo.full_name == github.repository`` and its ``workflow_run``
    equivalent ``github.event.workflow_run.head_repository.full_name == github.repository`` (either order):
    when the other event triggers the run the compared field is null, so the condition is false then too;
    and, when ``pull_request_target`` is the only event, ``github.event.pull_request.head.repo.fork == false``
    or ``!github.event.pull_request.head.repo.fork`` (under ``workflow_run`` these are true: a null field
    equals ``false`` in GitHub's expressions).
    """
    text = _conjunction(condition)
    if text is None:
        return False
    if _SAME_REPOSITORY_NAME.search(text):
        return True
    if {event.lower() for event in events} != {"pull_request_target"}:
        return False
    if _NOT_A_FORK.search(text):
        return True
    return bool(re.search(r"(?:^|&&|\()" + re.escape(_NOT_FORK) + r"(?![\w.])", text))
