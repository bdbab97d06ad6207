"""The worker pool: outcomes in order, and a worker that dies loses only the batch it was scanning."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conformance.catalog.python_policy import load_python_policy
from conformance.engine import ScanOptions, scan
from conformance.engine.run import CHUNK_FILES, chunks_of
from conformance.inputs import InputFile
from conformance.model import INTERNAL_ERROR

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: app\n    image: a:1\n"

NAMED = """
import os, signal
from conformance.model import Violation
ID = "t/named"
TITLE = "reports every pod; kills its own process on the pod named boom"
SEVERITY = "error"
KINDS = ("Pod",)
def check(resource, ctx):
    if resource.name == "boom":
        os.kill(os.getpid(), signal.{signal})
    yield Violation("seen " + resource.name, ("metadata", "name"))
"""


def _setup(tmp_path: Path, count: int, boom: int | None, signal: str = "SIGKILL") -> tuple[list[InputFile], list]:
    source = tmp_path / "named.py"
    source.write_text(textwrap.dedent(NAMED.format(signal=signal)))
    policy = load_python_policy(source).build({}, "error")
    files = []
    for i in range(count):
        name = "boom" if i == boom else f"pod{i:03d}"
        path = tmp_path / f"p{i:03d}.yaml"
        path.write_text(POD.format(name=name))
        files.append(InputFile(str(path), f"p{i:03d}.yaml"))
    return files, [policy]


def test_pooled_scan_gives_the_serial_findings_in_the_same_order(tmp_path: Path) -> None:
    files, policies = _setup(tmp_path, 5 * CHUNK_FILES + 3, None)
    serial = [f.to_dict() for f in scan(files, policies, ScanOptions(jobs=1)).findings]
    pooled = [f.to_dict() for f in scan(files, policies, ScanOptions(jobs=2)).findings]
    assert pooled == serial
    assert len(serial) == 5 * CHUNK_FILES + 3


def test_a_killed_worker_loses_only_its_batch_and_the_run_reports_it(tmp_path: Path) -> None:
    count = 6 * CHUNK_FILES
    boom = 2 * CHUNK_FILES + 5  # inside the third batch
    files, policies = _setup(tmp_path, count, boom)
    result = scan(files, policies, ScanOptions(jobs=2))
    lost = chunks_of(sorted(files, key=lambda f: f.display))[2]
    lost_names = {f.display for f in lost}
    assert {e.location.file for e in result.errors} == lost_names
    assert all(e.policy_id == INTERNAL_ERROR and "killed by signal 9" in e.message for e in result.errors)
    reported = {f.location.file for f in result.findings}
    assert reported == {f.display for f in files} - lost_names  # every other batch was scanned, none twice
    assert len(result.findings) == count - len(lost)
    assert result.exit_code == 2


def test_a_worker_exiting_on_its_own_is_noticed_too(tmp_path: Path) -> None:
    files, policies = _setup(tmp_path, 3 * CHUNK_FILES, 0, signal="SIGTERM")
    result = scan(files, policies, ScanOptions(jobs=2))
    assert len(result.errors) == CHUNK_FILES
    assert "killed by signal 15" in result.errors[0].message
    assert len(result.findings) == 2 * CHUNK_FILES
