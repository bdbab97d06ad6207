"""The repository should have a CODEOWNERS file whose every rule parses and names an owner.

CODEOWNERS tells the forge who must review a change to which paths and who answers for them. A missing file
leaves reviews to chance; a broken line is silently skipped by GitHub, so the paths it was meant to cover
fall back to an earlier rule or to nobody.

Checked: the CODEOWNERS file GitHub uses, the first of `.github/CODEOWNERS`, `CODEOWNERS` and
`docs/CODEOWNERS` (GitLab's `.gitlab/CODEOWNERS` is accepted last). Each rule is a pattern followed by owners:
`@user`, `@org/team` or an email address. Reported, each at its line:
- a pattern GitHub does not support: negation (`!pattern`), character ranges (`[abc]`), an escaped leading
  `#` (`\\#`);
- an owner that is not `@user`, `@org/team` or an email address (a name without `@`, a stray token);
- a rule without owners. GitHub accepts it and it removes ownership of the paths it matches; set the option
  `allow-unowned-rules` when such exceptions are intended;
- with `require-catch-all` (the default), a file without a catch-all rule (`*`, `**` or `/**` with owners),
  reported at its first line: paths no rule matches have no owner. A catch-all written after other rules is
  reported at its line, because the last matching rule wins and it overrides all of them;
- a rule whose pattern is repeated later in the file (the later one wins, so this one never applies);
- CODEOWNERS files in the other locations, which are ignored, and a file over GitHub's 3 MB limit.

Comments (whole lines and after the owners) and blank lines are fine. GitLab section headers (`[Section]`,
`^[Optional]`, `[Section][2]`, with default owners) are accepted, because GitLab reads the same file: rules
of a section with default owners are owned. GitHub itself would flag such headers. Whether an owner exists
and may review (write access) cannot be seen from the repository and is not checked.

A missing file is reported at the repository root.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from conformance.api import (
    CODEOWNERS_LOCATIONS,
    CODEOWNERS_MAX_BYTES,
    CheckContext,
    Repository,
    Violation,
    codeowners_candidates,
    parse_codeowners,
)

ID = "repo/codeowners"
TITLE = "The repository should have a valid CODEOWNERS file with a catch-all owner"
SEVERITY = "warning"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
TARGET = "repository"
FIX = """
Add `.github/CODEOWNERS` starting with a catch-all rule (`* @org/team`), followed by more specific rules
(the last matching rule wins). Give every rule at least one `@user`, `@org/team` or email owner, and remove
negations (`!`) and character ranges (`[ ]`), which GitHub skips.
"""
EXAMPLE = """
# .github/CODEOWNERS
*                 @acme/platform
/docs/            @acme/docs
/services/billing @acme/billing alice@example.com
"""
OPTIONS = {
    "require-catch-all": {
        "default": True,
        "description": "Require a catch-all rule (`*`, `**` or `/**`) with owners, so every path has an owner.",
        "schema": {"type": "boolean"},
    },
    "allow-unowned-rules": {
        "default": False,
        "description": "Accept rules without owners (GitHub reads them as removing ownership of their paths).",
        "schema": {"type": "boolean"},
    },
}


def check(repository: Repository, ctx: CheckContext) -> Iterator[Violation]:
    keys: Counter[str] = Counter()

    def at(line: int, identity: str) -> dict[str, Any]:
        """The violation's place and a fingerprint key that does not depend on the line (survives edits)."""
        keys[identity] += 1
        return {"path": (path, line), "key": f"{identity}#{keys[identity]}"}

    found = codeowners_candidates(repository)
    if not found:
        where = ", ".join(CODEOWNERS_LOCATIONS[:3])
        yield Violation(f"no CODEOWNERS file (looked for {where})", ())
        return
    path, ignored = found[0], found[1:]
    for other in ignored:
        yield Violation(f"{other} is ignored: {path} comes first and is the CODEOWNERS file in use", (other, 1))
    size = repository.size(path) or 0
    if size > CODEOWNERS_MAX_BYTES:
        yield Violation(f"{path} is {size} bytes: GitHub ignores CODEOWNERS files over 3 MB", (path, 1))
        return
    text = repository.read_text(path, CODEOWNERS_MAX_BYTES)
    if text is None:
        yield Violation(f"{path} cannot be read", (path, 1))
        return
    codeowners = parse_codeowners(text, path)
    for section in codeowners.sections:
        for problem in section.problems:
            yield Violation(f"section [{section.name}]: {problem}", **at(section.line, f"[{section.name}] {problem}"))
    valid = [rule for rule in codeowners.rules if rule.valid]
    for rule in codeowners.rules:
        for problem in rule.problems:
            yield Violation(f"{problem}; GitHub skips this line", **at(rule.line, problem))
        if rule.valid and not codeowners.default_owners(rule) and not ctx.options["allow-unowned-rules"]:
            yield Violation(
                f"rule '{rule.pattern}' has no owners, so the paths it matches have no code owner",
                **at(rule.line, f"unowned {rule.pattern}"),
            )
    last_of: dict[tuple[str, str], int] = {}
    for rule in valid:
        last_of[(rule.section, rule.pattern)] = rule.line
    for rule in valid:
        later = last_of[(rule.section, rule.pattern)]
        if later != rule.line:
            yield Violation(
                f"rule '{rule.pattern}' never applies: line {later} repeats the pattern and wins",
                **at(rule.line, f"overridden {rule.pattern}"),
            )
    if not valid:
        yield Violation(f"{path} has no valid rule: no path has a code owner", (path, 1))
        return
    owned_catch_alls = [rule for rule in valid if rule.catch_all and codeowners.default_owners(rule)]
    for rule in owned_catch_alls:
        earlier = sum(1 for other in valid if other.section == rule.section and other.line < rule.line)
        if earlier:
            rules = "rule" if earlier == 1 else "rules"
            yield Violation(
                f"catch-all rule '{rule.pattern}' comes after {earlier} other {rules} and overrides them "
                "(the last matching rule wins): move it to the top",
                **at(rule.line, f"late catch-all {rule.pattern}"),
            )
    if ctx.options["require-catch-all"] and not owned_catch_alls:
        yield Violation(
            f"{path} has no catch-all rule with owners (such as '* @org/team'): paths no rule matches have no owner",
            (path, 1),
        )
