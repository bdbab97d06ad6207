"""GitHub Actions workflows must declare the permissions of their `GITHUB_TOKEN`.

Without a `permissions` key, a job's token gets the repository's default permissions, which an
administrator sets — and which are read and write on every scope in repositories and organisations created
before February 2023, unless someone changed them. Any
step (a compromised action, a malicious dependency, an injected script) can then push code, publish
releases or approve pull requests with it. Declaring `permissions` grants only what is listed (every
scope not named is `none`), and makes the grant visible in review.

A workflow passes when it sets `permissions` at the top level (any value: `{}`, `read-all`, a mapping of
scopes), or when every job sets its own — jobs that call a reusable workflow (`jobs.<id>.uses`) included,
since the caller's `permissions` bound the called workflow's token. A `permissions` key with no value
counts as missing. Which scopes are granted is not judged here, only that the grant is explicit.
Documents of `.github/workflows/` without a `jobs` mapping are not workflows and are skipped.

When the top level has no `permissions`, one finding is reported per job without its own, at the job's key
(so that adding it to each of those jobs, or once at the top level, clears them all).

`conformance fix` adds `permissions: {contents: read}` at the top level, right after `on:`: jobs that set
their own `permissions` keep them; a job that needs more than reading the repository (pushing, publishing,
commenting) must then say so in its own `permissions`, so review the jobs before committing the fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.api import WORKFLOW_FILES, CheckContext, Operation, Violation, YamlDocument, is_workflow, jobs

ID = "gha/explicit-permissions"
TITLE = "Workflows must declare the permissions of their GITHUB_TOKEN"
SEVERITY = "warning"
CATEGORY = "security"
PROFILES = ("supply-chain",)
TARGET = "yaml"
FILES = WORKFLOW_FILES
FIX = (
    "Add `permissions:` at the top of the workflow with the least the jobs need (often `contents: read`), "
    "and widen it only in the jobs that need more (e.g. `packages: write` for a publishing job)."
)
EXAMPLE = """\
on: push
permissions:
  contents: read
jobs:
  release:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: write
    steps:
      - run: ./release.sh
"""


def check(document: YamlDocument, ctx: CheckContext) -> Iterator[Violation]:
    data = document.data
    if not is_workflow(data) or data.get("permissions") is not None:
        return
    for job in jobs(data):
        if job.data.get("permissions") is None:
            kind = "reusable-workflow call job" if job.calls_workflow else "job"
            yield Violation(
                f"{kind} '{job.name}' declares no `permissions` and the workflow sets none at the top level: "
                "its GITHUB_TOKEN gets the repository's default permissions",
                job.path,
            )


def fix(violation: Violation, document: YamlDocument, ctx: CheckContext) -> tuple[Operation, ...]:
    """Read-only contents for the whole workflow, after its triggers (``on:``, read as ``True`` in YAML 1.1)."""
    data = document.data
    after = next((key for key in (True, "on") if key in data), None)
    return (Operation("add", ("permissions",), {"contents": "read"}, after=after),)
