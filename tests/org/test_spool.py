"""Results on disk while a run collects them, and the run file streamed from them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conformance.org.merge import write_run
from conformance.org.results import FindingRecord, PolicyOutcome, RepositoryResult, RunResult
from conformance.org.spool import RepositorySpool


def result(repo_id: str, findings: int = 1) -> RepositoryResult:
    records = tuple(
        FindingRecord(f"{repo_id}-{n}", "k8s/x", "error", "fail", "bad <b>", "a.yaml", n) for n in range(findings)
    )
    outcome = PolicyOutcome("k8s/x", "error", "fail", 3, {"fail": findings})
    return RepositoryResult(repo_id, f"file:///{repo_id}", "scanned", team="t", policies=(outcome,), findings=records)


def test_results_come_back_sorted_by_id_equal_to_what_went_in(tmp_path: Path) -> None:
    originals = [result("zeta", 2), result("alpha"), result("mid", 0)]
    with RepositorySpool(str(tmp_path)) as spool:
        for original in originals:
            spool.add(original)
        [file] = os.listdir(tmp_path)
        assert file.startswith(".conformance-results-")
        assert len(spool) == 3 and spool.ids() == ["alpha", "mid", "zeta"]
        assert list(spool) == sorted(originals, key=lambda r: r.id)
        assert spool[2] == originals[0] and spool[0:1] == [originals[1]]
        assert list(spool) == list(spool)  # iterable more than once
    assert os.listdir(tmp_path) == []


def test_the_streamed_run_file_is_the_run_as_json(tmp_path: Path) -> None:
    with RepositorySpool(str(tmp_path)) as spool:
        for name in ("b", "a"):
            spool.add(result(name, 3))
        run = RunResult(
            "r1", "2026-12-01T00:00:00+00:00", "2026-12-01T00:01:00+00:00", "0.1.0", "d", repositories=spool
        )
        write_run(run, str(tmp_path / "run.json"))
        expected = run.to_dict()
    written = json.loads((tmp_path / "run.json").read_text())
    assert written == expected
    assert [r["id"] for r in written["repositories"]] == ["a", "b"]
    assert RunResult.from_dict(written).counts() == {"scanned": 2, "reused": 0, "failed": 0}
    empty = RunResult("r2", "s", "f", "0.1.0", "d")
    write_run(empty, str(tmp_path / "empty.json"))
    assert json.loads((tmp_path / "empty.json").read_text()) == empty.to_dict()
