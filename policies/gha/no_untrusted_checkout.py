"""Workflows triggered by `pull_request_target` or `workflow_run` must not check out pull request code.

These two triggers run in the context of the base repository: the job gets its secrets, a `GITHUB_TOKEN`
that can write, and a cache shared with the default branch — even when a fork's pull request set them off.
That is safe only while the job runs the base repository's own code. Once it checks out the pull request's
head (or its merge commit), any build script, test, package install hook or configuration file from the pull
request runs with those privileges: the classic "pwn request".

Checked, in workflows whose `on` names either trigger (as a string, a list or a mapping):

- an `actions/checkout` step (any version) whose `with.ref` names pull request code:
  `github.event.pull_request.head.sha` / `.head.ref` / `.merge_commit_sha` / `.number`,
  `github.event.number`, `github.head_ref`, `github.event.workflow_run.head_sha` / `.head_branch` /
  `.head_commit` / `.pull_requests`, or a literal `refs/pull/…` — directly or through `env.NAME` of a
  variable set from one of them; or, when the ref is not such a value, whose `with.repository` names the
  pull request's head repository (`github.event.pull_request.head.repo.full_name`,
  `github.event.workflow_run.head_repository.full_name`), the fork its author owns;
- a `run:` step that runs `gh pr checkout`, or a `git checkout` / `switch` / `reset` / `merge` / `pull` /
  `rebase` / `cherry-pick` / `worktree add` naming such a ref (in an expression, as `refs/pull/…` or
  `pull/N/head`, or as `$GITHUB_HEAD_REF` or an environment variable set from such a value), or a
  `git fetch` of such a ref followed by one of those commands on `FETCH_HEAD` or the fetched name.
  A fetch alone (to diff against the head, say) passes.

Exempt: a job or step whose `if:` keeps it from running for these triggers
(`github.event_name == 'pull_request'`, `github.event_name != 'pull_request_target'`), or limits it to code
from the repository itself (`github.event.pull_request.head.repo.full_name == github.repository`, or the
`workflow_run` equivalent with `head_repository`; for `pull_request_target` alone also
`!github.event.pull_request.head.repo.fork`), written as a plain `&&` conjunction. Label and actor checks
are not exemptions: a label can be added before the author pushes more commits. Checking out the base
branch, as `actions/checkout` does by default here, passes.

One finding per step, at its `with.ref` (or `with.repository`) key, or at its `run` key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from conformance.api import (
    WORKFLOW_FILES,
    CheckContext,
    Violation,
    YamlDocument,
    is_workflow,
    jobs,
    parse_uses,
    steps,
    triggers,
)

ID = "gha/no-untrusted-checkout"
TITLE = "Privileged workflows must not check out pull request code"
SEVERITY = "error"
NO_FIX = "whether a workflow may run pull request code needs a human review"
CATEGORY = "security"
PROFILES = ("supply-chain",)
TARGET = "yaml"
FILES = WORKFLOW_FILES
FIX = (
    "Build and test pull requests in a `pull_request` workflow, which runs fork code without secrets and with a "
    "read-only token; pass its results (an artifact) to a privileged `workflow_run` workflow that never runs "
    "them. If a privileged job must look at pull request files, check them out into a separate path, treat them "
    "as data only, and restrict the job to same-repository pull requests."
)
EXAMPLE = """\
on: pull_request_target
permissions:
  pull-requests: write
jobs:
  label:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # the base branch
      - uses: actions/labeler@8558fd74291d67161a8a78ce36a881fa63b766a9
"""
PRIVILEGED_TRIGGERS = ("pull_request_target", "workflow_run")


def check(document: YamlDocument, ctx: CheckContext) -> Iterator[Violation]:
    data = document.data
    if not is_workflow(data):
        return
    on = triggers(data)
    events = [event for event in PRIVILEGED_TRIGGERS if event in on]
    if not events:
        return
    context = f"in a workflow triggered by {' and '.join(events)}, which runs with the base repository's secrets"
    for job in jobs(data):
        condition = job.data.get("if")
        if excludes_events(condition, events) or same_repository_only(condition, events):
            continue
        for step in steps(job):
            condition = step.data.get("if")
            if excludes_events(condition, events) or same_repository_only(condition, events):
                continue
            env = merged_env(data, job.data, step.data)
            uses = step.data.get("uses")
            options = step.data.get("with")
            if (
                isinstance(uses, str)
                and isinstance(options, Mapping)
                and parse_uses(uses).is_action("actions", "checkout")
            ):
                ref, repository = options.get("ref"), options.get("repository")
                if pr_controlled_ref(ref, tainted_env(env)):
                    yield Violation(
                        f"{step.label} of job '{job.name}' checks out pull request code (ref '{ref}') {context}",
                        (*step.path, "with", "ref"),
                    )
                elif fork_repository(repository, tainted_env(env, FORK_REPOSITORY)):
                    yield Violation(
                        f"{step.label} of job '{job.name}' checks out the pull request's repository "
                        f"('{repository}') {context}",
                        (*step.path, "with", "repository"),
                    )
            reason = checks_out_pr_code(step.data.get("run"), tainted_env(env))
            if reason is not None:
                yield Violation(f"{step.label} of job '{job.name}' {reason} {context}", (*step.path, "run"))


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
