"""Every GitHub Actions job that runs steps on a runner should set `timeout-minutes`.

Without it a job may run for GitHub's default limit of 360 minutes: a hung test, a prompt waiting for input
or a stuck network call holds the runner, blocks the workflows queued behind it and, on paid runners, is
billed for every minute. A timeout a little above the
job's usual duration ends it early and makes the hang visible.

Checked: each job with `runs-on`, in each workflow file of `.github/workflows/`, must set
`timeout-minutes` (a number or an expression; its size is not judged, and a key with no value counts as
missing). Step-level `timeout-minutes` do not count: they leave the job's setup, its other steps and the
time between steps unbounded.

Exempt: jobs that call a reusable workflow (`jobs.<id>.uses`), which cannot set `timeout-minutes` — the
called workflow's own jobs are checked where that workflow is defined.

One finding per job without a timeout, at the job's key.

`conformance fix` adds `timeout-minutes` after the job's `runs-on`, with the minutes of the option
`fix-minutes` (default 30): set it in the configuration to what suits your jobs.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.api import WORKFLOW_FILES, CheckContext, Operation, Violation, YamlDocument, jobs

ID = "gha/job-timeout"
TITLE = "Workflow jobs should set timeout-minutes"
SEVERITY = "warning"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
TARGET = "yaml"
FILES = WORKFLOW_FILES
OPTIONS = {
    "fix-minutes": {
        "default": 30,
        "description": "the timeout-minutes that `conformance fix` writes into a job without one",
        "schema": {"type": "integer", "minimum": 1, "maximum": 360},
    }
}
FIX = (
    "Add `timeout-minutes:` to the job, a little above its usual duration (e.g. `timeout-minutes: 20` for "
    "a job that takes ten minutes)."
)
EXAMPLE = """\
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - run: make test
"""


def check(document: YamlDocument, ctx: CheckContext) -> Iterator[Violation]:
    for job in jobs(document.data):
        if job.calls_workflow or "runs-on" not in job.data:
            continue
        if job.data.get("timeout-minutes") is None:
            yield Violation(f"job '{job.name}' sets no `timeout-minutes`: it may run for up to 360 minutes", job.path)


def fix(violation: Violation, document: YamlDocument, ctx: CheckContext) -> tuple[Operation, ...]:
    """``timeout-minutes`` (the ``fix-minutes`` option) right after the job's ``runs-on``."""
    minutes = ctx.options.get("fix-minutes", 30)
    return (Operation("add", (*violation.path, "timeout-minutes"), minutes, after="runs-on"),)
