"""``conformance org history``: the runs in the history database, with their counts."""

from __future__ import annotations

import json
import sys

from conformance.history import list_runs, resolve_url
from conformance.org.results import FINDING_STATUSES, REPOSITORY_STATUSES


def run_history(db: str | None = None, output_format: str = "text", last: int | None = None) -> int:
    """Print the runs (oldest first) as a table or JSON; exit code 0, or 2 when the history cannot be read."""
    summaries = list_runs(resolve_url(db), limit=last)
    if output_format == "json":
        json.dump([summary.to_dict() for summary in summaries], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not summaries:
        print("no runs")
        return 0
    from tabulate import tabulate

    rows = [
        (
            s.run_id,
            s.started,
            s.shard_count,
            sum(s.repositories.values()),
            *(s.repositories.get(status, 0) for status in REPOSITORY_STATUSES),
            sum(s.findings.values()),
            *(s.findings.get(status, 0) for status in FINDING_STATUSES),
        )
        for s in summaries
    ]
    headers = ["run", "started", "shards", "repositories", *REPOSITORY_STATUSES, "findings", *FINDING_STATUSES]
    print(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
    return 0
