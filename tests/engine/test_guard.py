"""The guarded call: whatever a trusted but buggy policy raises is its own policy-error, never the scan's end."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.catalog.python_policy import load_python_policy
from conformance.engine import ScanOptions, scan
from conformance.inputs import InputFile
from conformance.model import POLICY_ERROR

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: app\n    image: a:1\n"
RAISING = """
from conformance.api import Violation
ID = "t/raising"
TITLE = "raises {what} on the pod named boom"
SEVERITY = "error"
class Custom(BaseException):
    pass
def check(resource, ctx):
    if resource.name == "boom":
        raise {what}
    yield Violation("seen " + resource.name, ("metadata", "name"))
"""


@pytest.mark.parametrize("what", ["KeyboardInterrupt()", "GeneratorExit()", "Custom()", "SystemExit(3)"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_policy_raising_any_base_exception_is_a_policy_error(tmp_path: Path, what: str, jobs: int) -> None:
    source = tmp_path / "raising.py"
    source.write_text(textwrap.dedent(RAISING.format(what=what)))
    policy = load_python_policy(source).build({}, "error")
    files = []
    for i, name in enumerate(["a", "boom", "c", *[f"p{n}" for n in range(70)]]):
        path = tmp_path / f"{i:03d}.yaml"
        path.write_text(POD.format(name=name))
        files.append(InputFile(str(path), path.name))
    result = scan(files, [policy], ScanOptions(jobs=jobs))
    (error,) = result.errors
    assert error.policy_id == POLICY_ERROR and "t/raising failed on Pod/boom" in error.message
    assert len(result.findings) == len(files) - 1
    assert result.exit_code == 2
