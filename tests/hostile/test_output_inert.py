"""Text from a manifest (names, labels, images) is inert in every output format: no terminal escape, no line of
its own (``::error::`` after a newline or CR), no HTML tag, no Markdown or SARIF link."""

from __future__ import annotations

import re

import pytest
from clirun import run_cli_raw

EVIL = (
    "x\\n::error::pwned\\r::warning::spoofed\\e[31mRED\\e]8;;http://evil\\alink%0A"
    "<script>alert(1)</script> [click](http://evil.example) \\u202e \\x9b31m"
)
MANIFEST = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "{EVIL}"
  namespace: "{EVIL}"
  labels:
    "{EVIL}": "{EVIL}"
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: "{EVIL}"
        image: "{EVIL}"
"""
FORBIDDEN_CHARACTERS = ("\x1b", "\x07", "\x9b", "\u202e")
FORMATS = ("text", "json", "sarif", "junit", "github", "codequality", "markdown")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("inert")
    (root / "evil.yaml").write_text(MANIFEST)
    results = {}
    for name in FORMATS:
        run = run_cli_raw(["scan", "evil.yaml", "-f", name], root)
        assert run.exit_code == 1, (name, run.stderr[-2000:])
        assert "pwned" in run.stdout, name  # the hostile text is reported, only made inert
        results[name] = run.stdout
    return results


@pytest.mark.parametrize("name", FORMATS)
def test_no_terminal_escapes(outputs: dict[str, str], name: str) -> None:
    for character in FORBIDDEN_CHARACTERS:
        assert character not in outputs[name], (name, repr(character))


@pytest.mark.parametrize("name", FORMATS)
def test_no_workflow_command_starts_a_line(outputs: dict[str, str], name: str) -> None:
    for line in re.split("\r\n|\r|\n|\u2028|\u2029", outputs[name]):
        assert not line.lstrip().startswith(("::error::pwned", "::warning::spoofed")), (name, line[:80])


@pytest.mark.parametrize("name", ["json", "sarif", "codequality", "junit", "markdown"])
def test_no_html_tag(outputs: dict[str, str], name: str) -> None:
    assert "<script" not in outputs[name]


def test_no_sarif_or_markdown_link(outputs: dict[str, str]) -> None:
    import json

    for result in json.loads(outputs["sarif"])["runs"][0]["results"]:
        assert not re.search(r"(?<!\\)\[click(?<!\\)\]", result["message"]["text"]), result["message"]["text"]
    assert not re.search(r"(?<!\\)\[click(?<!\\)\]\(", outputs["markdown"])


def test_github_escapes_percent_sequences(outputs: dict[str, str]) -> None:
    assert "%0A<" not in outputs["github"] and "%250A" in outputs["github"]
