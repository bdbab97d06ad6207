"""A YAML policy a discovered config brings is data, not a lever: a message template cannot allocate
gigabytes, and a schema ``$ref`` cannot make conformance fetch a URL or read a file outside the policy."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import BASE, scan

from conformance.catalog.yaml_policy import load_yaml_policy
from conformance.errors import PolicyDefinitionError

POLICY = """\
title: Hostile
description: A policy with a hostile part.
severity: error
category: security
target:
  kinds: [Deployment]
  select: resource
message: "{message}"
schema:
{schema}
"""
PLAIN_SCHEMA = "  required: [spec]"


def write_policy(root: Path, message: str = "{kind} is bad", schema: str = PLAIN_SCHEMA) -> Path:
    path = root / "acme" / "hostile.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POLICY.format(message=message, schema=schema))
    return path


@pytest.mark.parametrize(
    "message",
    ["{kind:>1500000000}", "{kind:.1500000000}", "{kind:{kind}}", "{kind.__class__}", "{kind[0]}", "{0}"],
)
def test_message_templates_that_do_more_than_fill_in_are_refused(tmp_path: Path, message: str) -> None:
    with pytest.raises(PolicyDefinitionError, match="field message"):
        load_yaml_policy(write_policy(tmp_path, message=message), "acme/hostile")


def test_reasonable_format_specs_are_kept(tmp_path: Path) -> None:
    load_yaml_policy(write_policy(tmp_path, message="{kind:>20} {name!r:.40}"), "acme/hostile")


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        body = b'{"type": "object"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize(
    "reference",
    ["{server}/schema.json", "file:///etc/passwd", "file://{outside}", "../outside.json", "other.json#/x"],
)
def test_references_outside_the_schema_fail_at_load_without_access(tmp_path: Path, server: str, reference: str) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text('{"type": "object"}')
    ref = reference.format(server=server, outside=outside)
    path = write_policy(tmp_path / "p", schema=f'  properties:\n    spec: {{"$ref": "{ref}"}}')
    with pytest.raises(PolicyDefinitionError, match="refers outside the policy"):
        load_yaml_policy(path, "acme/hostile")
    assert _Recorder.hits == []


def test_id_and_unknown_dialects_are_refused(tmp_path: Path, server: str) -> None:
    for schema in (f'  "$id": "{server}/base"', f'  "$schema": "{server}/meta"'):
        with pytest.raises(PolicyDefinitionError):
            load_yaml_policy(write_policy(tmp_path, schema=schema), "acme/hostile")
    assert _Recorder.hits == []


def test_local_references_still_work(tmp_path: Path) -> None:
    schema = '  "$defs": {"spec": {"required": [replicas]}}\n  properties:\n    spec: {"$ref": "#/$defs/spec"}'
    load_yaml_policy(write_policy(tmp_path, schema=schema), "acme/hostile")


def test_a_discovered_config_bringing_a_huge_width_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    write_policy(tmp_path / "pol", message="{kind:>1500000000}")
    (tmp_path / ".conformance.yaml").write_text("policy-paths: [pol]\n")
    run = scan(tmp_path, ".")
    assert run.exit_code == 2
    assert "field message" in run.stderr + run.stdout
    assert run.max_rss_mb < 300 and run.seconds < 30
