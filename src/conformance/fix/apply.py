"""Applying a file's plan: the new text, checked before anything is written.

YAML: each document's fixes are taken one at a time on top of those already accepted; a fix whose operations
do not apply, or whose edit cannot be written safely (see :mod:`.yamledit`), is refused on its own and the
others go on. The new text must then load, with the scanner's own loader, to exactly the expected data: the
documents' data plus the accepted operations, every other document unchanged, no new parse problem. If it does
not, the file is left untouched with an error.

Dockerfiles: a fix inserts text; the file is parsed again and the policy run again, and a fix whose violation is
still there is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.catalog.policy import CheckContext, Policy
from conformance.fix.operations import NotApplicable, apply
from conformance.fix.plan import FilePlan, Fix, Unfixed
from conformance.model import Finding


@dataclass(frozen=True)
class FileResult:
    plan: FilePlan
    text: str
    """The new text (the old one when nothing changed)."""
    applied: tuple[Finding, ...] = ()
    refused: tuple[Unfixed, ...] = ()
    error: str = ""
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return not self.error and self.text != self.plan.text


def apply_file(plan: FilePlan, policies: Mapping[str, Policy]) -> FileResult:
    if plan.reads == "dockerfile":
        return _apply_dockerfile(plan, policies)
    return _apply_yaml(plan)


def _apply_yaml(plan: FilePlan) -> FileResult:
    from conformance import yamlio
    from conformance.fix import yamledit, yamlstyle, yamltree

    text = plan.text
    loaded = yamlio.load(text)
    fatal = [p for p in loaded.problems if p.fatal]
    if fatal:
        return FileResult(plan, text, error=f"line {fatal[0].line}: {fatal[0].message}: file left untouched")
    try:
        trees = _trees(text)
    except yamltree.TreeError as exc:
        return FileResult(plan, text, error=f"{exc}: file left untouched")
    indices = [document.index for document in loaded.documents]
    if indices != list(range(len(trees))):
        return FileResult(
            plan, text, error="the round-trip parser reads another number of documents: file left untouched"
        )
    style = yamlstyle.detect_style(text, trees)
    by_document: dict[int, list[Fix]] = {}
    for fix in plan.fixes:
        by_document.setdefault(fix.document or 0, []).append(fix)
    expected = [yamledit.plain_copy(document.data) for document in loaded.documents]
    edits: list[yamledit.Edit] = []
    applied: list[Finding] = []
    refused: list[Unfixed] = []
    notes: list[str] = []
    for index, fixes in by_document.items():
        if not 0 <= index < len(trees):
            refused.extend(Unfixed(fix.finding, "its document is not found again") for fix in fixes)
            continue
        old = expected[index]
        state = _DocumentState(text, trees[index], style, old)
        # all of a document's fixes together first (one diff), then each policy's, then one at a time: the users
        # of an anchor that all need the same change then change it once, in the anchored node
        state.attempt(fixes, [_by_policy, _one_by_one])
        applied.extend(state.applied)
        refused.extend(state.refused)
        new, current, copies = state.new, state.edits, state.copies
        expected[index] = new
        edits.extend(current)
        notes.extend(
            f"an alias of &{name} was replaced by a copy carrying the fix (the anchor and its other users are kept)"
            for name in dict.fromkeys(copies)
        )
    try:
        new_text = yamledit.apply_edits(text, edits)
    except yamledit.EditRefused as exc:
        return FileResult(plan, text, refused=tuple(refused), error=f"{exc}: file left untouched")
    problem = _readback_problem(new_text, expected, loaded.problems)
    if problem:
        return FileResult(plan, text, refused=tuple(refused), error=f"{problem}: file left untouched")
    return FileResult(plan, new_text, tuple(applied), tuple(refused), notes=tuple(notes))


def _trees(text: str) -> Any:
    """The positions of the text's nodes. libyaml (the scanner) accepts tabs where ruamel.yaml's parser does not
    (after a value, before a comment): on such a refusal the text is parsed again with each tab read as a space,
    which moves no offset; the read-back check still compares the edited text with the data libyaml reads."""
    from conformance.fix import yamltree

    try:
        return yamltree.parse(text)
    except yamltree.TreeError:
        if "\t" not in text:
            raise
        return yamltree.parse(text.replace("\t", " "))


class _DocumentState:
    """The fixes accepted so far in one document, their data and their edits."""

    def __init__(self, text: str, tree: Any, style: Any, old: Any) -> None:
        self.text, self.tree, self.style, self.old = text, tree, style, old
        self.operations: list[Any] = []
        self.new: Any = old
        self.edits: list[Any] = []
        self.copies: list[str] = []
        self.applied: list[Finding] = []
        self.refused: list[Unfixed] = []

    def attempt(self, batch: list[Fix], splits: list[Any]) -> None:
        from conformance.fix import yamledit

        candidate = [*self.operations, *(op for fix in batch for op in fix.operations)]
        try:
            attempt = apply(self.old, candidate)
            editor = yamledit.DocumentEditor(self.text, self.tree, self.style)
            edits = editor.diff(self.old, attempt)
        except (NotApplicable, yamledit.EditRefused) as exc:
            if not splits:
                self.refused.extend(Unfixed(fix.finding, str(exc)) for fix in batch)
                return
            parts = splits[0](batch)
            if len(parts) == 1 and len(splits) > 1:
                parts = splits[1](batch)
            for part in parts:
                self.attempt(part, splits[1:] if len(parts) > 1 else [])
            return
        self.operations, self.new, self.edits, self.copies = candidate, attempt, edits, editor.copied
        self.applied.extend(fix.finding for fix in batch)


def _one_by_one(fixes: list[Fix]) -> list[list[Fix]]:
    return [[fix] for fix in fixes]


def _by_policy(fixes: list[Fix]) -> list[list[Fix]]:
    groups: dict[str, list[Fix]] = {}
    for fix in fixes:
        groups.setdefault(fix.finding.policy_id, []).append(fix)
    return list(groups.values())


def _readback_problem(text: str, expected: list[Any], before: tuple[Any, ...]) -> str:
    """Why the new text does not read back as the expected data ('' when it does)."""
    from conformance import yamlio
    from conformance.fix.yamledit import same

    loaded = yamlio.load(text)
    if any(p.fatal for p in loaded.problems) or len(loaded.problems) > len(before):
        first = loaded.problems[0] if loaded.problems else None
        return f"the edited text would not read cleanly ({first.message if first else 'a new problem'})"
    if len(loaded.documents) != len(expected):
        return "the edited text would hold another number of documents"
    for document, data in zip(loaded.documents, expected, strict=False):
        if not same(document.data, data):
            return f"document {document.index + 1} would not read back as the fix intends (please report this)"
    return ""


def _apply_dockerfile(plan: FilePlan, policies: Mapping[str, Policy]) -> FileResult:
    from conformance.targets import dockerfile

    text = plan.text
    inserts: list[tuple[int, str]] = []
    applied: list[Finding] = []
    refused: list[Unfixed] = []
    before = len(dockerfile.parse(text, plan.display).instructions)
    for fix in plan.fixes:
        candidate = sorted(set(inserts) | {(op.path[0], str(op.value)) for op in fix.operations})
        new_text = _insert(text, candidate)
        parsed = dockerfile.parse(new_text, plan.display)
        policy = policies[fix.finding.policy_id]
        remaining = {v.path for v in policy.check(parsed, CheckContext(dict(policy.options)))}
        if len(parsed.instructions) != before or tuple(fix.finding.raw_path) in remaining:
            refused.append(Unfixed(fix.finding, "the edit does not remove the violation: fix it by hand"))
            continue
        inserts = candidate
        applied.append(fix.finding)
    return FileResult(plan, _insert(text, inserts), tuple(applied), tuple(refused))


def _insert(text: str, inserts: list[tuple[int, str]]) -> str:
    pieces: list[str] = []
    done = 0
    for offset, value in sorted(inserts):
        pieces.append(text[done:offset])
        pieces.append(value)
        done = offset
    pieces.append(text[done:])
    return "".join(pieces)
