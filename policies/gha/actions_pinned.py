"""Every action and reusable workflow a GitHub Actions workflow uses must be pinned to a full commit SHA.

A tag such as `v4` or a branch such as `main` is a pointer its owner (or whoever takes over their account)
can move at any time: the next run then executes different code with the job's secrets and token, without
any change to the workflow. A full 40-character commit SHA cannot be moved. Keep the version readable in a
comment (`uses: actions/checkout@<sha> # v4.1.7`); Dependabot and Renovate update both.

Checked: the `uses:` of every step, and of every job that calls a reusable workflow in another repository
(`jobs.<id>.uses: owner/repo/.github/workflows/build.yml@ref`), in each workflow file of
`.github/workflows/`. A reference `owner/repo@ref` or `owner/repo/path@ref` passes when `ref` is 40 hex
digits; a tag, a branch, a short SHA or a missing ref fails. `docker://` images pass only with a
`@sha256:` digest (64 hex digits), even when a tag is written too.

Exempt: local actions and workflows (`./path`), which come from the same commit as the workflow; and actions
whose owner matches a glob of the `allowed-owners` option (default: none; `["actions", "github"]` trusts
GitHub's own actions by tag, case-insensitively). The option does not apply to `docker://` images.
Composite action files (`action.yml`) are not checked.

One finding per unpinned reference, at its `uses` key.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from conformance.api import (
    ACTION_DOCKER,
    ACTION_INVALID,
    WORKFLOW_FILES,
    ActionRef,
    CheckContext,
    Path,
    Violation,
    YamlDocument,
    jobs,
    parse_uses,
    steps,
)

ID = "gha/actions-pinned"
TITLE = "Actions and reusable workflows must be pinned to a full commit SHA"
SEVERITY = "error"
NO_FIX = "the commit an action's tag points at must be looked up and reviewed, not guessed offline"
CATEGORY = "security"
PROFILES = ("supply-chain",)
TARGET = "yaml"
FILES = WORKFLOW_FILES
FIX = (
    "Replace the tag or branch with the full commit SHA it points at and keep the version as a comment, e.g. "
    "`uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`; let Dependabot or Renovate "
    "update pinned actions. Pin `docker://` images with `@sha256:<digest>`."
)
EXAMPLE = """\
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - uses: ./.github/actions/setup
      - uses: docker://alpine@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1
  deploy:
    uses: acme/workflows/.github/workflows/deploy.yml@0123456789abcdef0123456789abcdef01234567
"""
OPTIONS = {
    "allowed-owners": {
        "default": [],
        "description": (
            "Owners (globs, case-insensitive) whose actions may be referenced by tag or branch, "
            'e.g. ["actions", "github"].'
        ),
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1, "pattern": "^[^/@]+$"}},
    },
}


def problem(ref: ActionRef, allowed_owners: tuple[str, ...]) -> str | None:
    """Why a ``uses:`` reference is not pinned, or None when it passes."""
    if ref.pinned:
        return None
    if ref.kind == ACTION_DOCKER:
        if not ref.digest:
            return "has no image digest"
        return f"has a malformed image digest '{ref.digest}'"
    if ref.kind == ACTION_INVALID:
        if "${{" in ref.text:
            return "is an expression, which GitHub does not accept in `uses`"
        return "is not an `owner/repo@ref` reference" if ref.ref else "names no ref"
    owner = ref.owner.lower()
    if any(fnmatchcase(owner, pattern.lower()) for pattern in allowed_owners):
        return None
    if len(ref.ref) >= 7 and all(c in "0123456789abcdefABCDEF" for c in ref.ref):
        return f"is pinned to the short SHA '{ref.ref}', not a full 40-character commit SHA"
    return f"is pinned to '{ref.ref}', a tag or branch that can be moved, not a commit SHA"


def check(document: YamlDocument, ctx: CheckContext) -> Iterator[Violation]:
    allowed = tuple(ctx.options.get("allowed-owners", ()))
    for job in jobs(document.data):
        targets: list[tuple[Any, Path, str]] = []
        if job.calls_workflow:
            targets.append((job.data.get("uses"), (*job.path, "uses"), f"job '{job.name}' calls the reusable workflow"))
        for step in steps(job):
            if "uses" in step.data:
                label = f"{step.label} of job '{job.name}' uses"
                targets.append((step.data.get("uses"), (*step.path, "uses"), label))
        for value, path, label in targets:
            if not isinstance(value, str):
                continue
            reason = problem(parse_uses(value), allowed)
            if reason is not None:
                yield Violation(f"{label} '{value.strip()}', which {reason}", path)
