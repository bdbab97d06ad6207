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

from collections.abc import Iterator, Mapping

from conformance.catalog.policy import CheckContext
from conformance.model import Violation
from conformance.targets.files import YamlDocument
from conformance.targets.workflow import (
    FORK_REPOSITORY,
    WORKFLOW_FILES,
    checks_out_pr_code,
    excludes_events,
    fork_repository,
    is_workflow,
    jobs,
    merged_env,
    parse_uses,
    pr_controlled_ref,
    same_repository_only,
    steps,
    tainted_env,
    triggers,
)

ID = "gha/no-untrusted-checkout"
TITLE = "Privileged workflows must not check out pull request code"
SEVERITY = "error"
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
