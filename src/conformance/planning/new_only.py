"""``--new-only``: what was already there at the merge base counts as baselined."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from conformance.catalog.policy import Policy

if TYPE_CHECKING:
    from conformance.engine import ScanOptions
    from conformance.gitdiff import ChangeSet
    from conformance.inputs import InputFile


def before_the_change(
    ref: str,
    changes: ChangeSet,
    files: Sequence[InputFile],
    policies: Sequence[Policy],
    options: ScanOptions,
    context_files: Sequence[InputFile],
) -> ScanOptions:
    """``--new-only``: scan each changed file as it was at the merge base; its findings then count as baselined.

    The old versions are scanned under the new names (a renamed file keeps its findings' identities), with
    the same policies and the same context, so a finding that was already there matches by fingerprint.
    """
    import tempfile

    from conformance.baseline import baseline_from_findings
    from conformance.engine import scan
    from conformance.inputs import InputFile

    with tempfile.TemporaryDirectory(prefix="conformance-base-") as directory:
        before = []
        for number, item in enumerate(files):
            old = changes.old_text(os.path.normpath(os.path.abspath(item.path)))
            if old is None:
                continue
            copy = os.path.join(directory, str(number))
            with open(copy, "wb") as handle:
                handle.write(old)
            before.append(InputFile(copy, item.display, item.relative))
        plain = replace(options, suppressor=None, record_evaluations=False)
        result = scan(before, policies, plain, context_files=context_files)
        baseline = baseline_from_findings(result.findings)
    assert options.suppressor is not None
    suppressor = replace(
        options.suppressor,
        baseline=replace(baseline, reason=f"present before the change (at the merge base with {ref})"),
        baseline_display=f"{ref}@{changes.base[:12]}",
        report_fixed=False,
    )
    return replace(options, suppressor=suppressor)
