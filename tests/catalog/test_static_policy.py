"""Python policies checked against the protocol from their source, without importing them."""

from __future__ import annotations

import pytest

from conformance.catalog.static_policy import check_source


@pytest.mark.parametrize(
    ("source", "field", "message"),
    [
        ("def check(:\n", "(module)", "not valid Python"),
        ("x = 1\x00\n", "(module)", "not valid Python"),
        ("x = " + "(" * 100_000 + ")" * 100_000, "(module)", "not valid Python"),
        ('ID = "a/b"\nTITLE = "t"\nSEVERITY = "note"\nclass check: pass\n', "check", "not a class"),
        ('ID = "a/b"\nTITLE = "t"\nSEVERITY = "note"\nasync def check(t, c): pass\n', "check", "not async"),
        ('ID = "a/b"\nTITLE = "t"\nSEVERITY = "note"\nSCOPE = True\ndef check(t, c): pass\n', "facts", "missing"),
        ('ID = "a/b"\nTITLE = "t"\nSEVERITY = "note"\nTARGET = "nope"\ndef check(t, c): pass\n', "TARGET", "is not"),
        ('ID = "a/b"\nTITLE = "t"\nSEVERITY = "note"\nPROFILES = "x"\ndef check(t, c): pass\n', "PROFILES", "tuple"),
        ('TITLE = "t"\nSEVERITY = "note"\ndef check(t, c): pass\n', "ID", "missing"),
    ],
)
def test_static_checks(source: str, field: str, message: str) -> None:
    errors = [p for p in check_source(source, "p.py") if p.error]
    assert [p.field for p in errors] == [field]
    assert message in errors[0].message


def test_a_valid_module_has_no_problem() -> None:
    source = '''"""Doc."""
from conformance.api import WORKFLOW_FILES
ID = "acme/x"
TITLE = "t"
SEVERITY = "warning"
TARGET = "yaml"
FILES = WORKFLOW_FILES
KINDS = None
OPTIONS = {"n": {"default": 1, "schema": {"type": "integer"}}}
SCOPE = False
def check(document, ctx):
    yield from ()
'''
    assert check_source(source, "x.py") == []


def test_a_computed_value_is_a_warning_that_an_import_can_settle() -> None:
    (problem,) = check_source(
        '"""D."""\nID = "a/b"\nTITLE = "t"\nSEVERITY = "note"\nFILES = make()\ndef check(t, c): pass\n', "p.py"
    )
    assert (problem.field, problem.error, problem.needs_import, problem.line) == ("FILES", False, True, 5)
