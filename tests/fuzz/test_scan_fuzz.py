"""Fuzzing the engine's byte scanning with Hypothesis: ``FileScanner.scan_bytes`` with every built-in policy.

Inputs are arbitrary bytes and mutated real manifests (seeded from the policy fixtures and, when present, the
shared Kubernetes corpus). Whatever the bytes, a scan must never raise, built-in policies must never fail
(``conformance/policy-error``: their input is shape-checked first), and every finding and scan error must point
at a line of the file (at most one past the last: libyaml reports the end of a file without a final line
break there).

Time: in CI each test runs ``FUZZ_EXAMPLES`` examples (default below, ~10-15 s for the file on 2 cores). Set
``FUZZ_SECONDS=600`` to keep fuzzing for that long per test, in fresh random rounds (a failure is shrunk and
reported as usual; add it to ``tests/hostile/regressions/``, see test_regressions in tests/hostile).
Coverage-guided fuzzing of the same target, optional: ``tests/fuzz/atheris_scan.py``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.catalog.discovery import build_catalog
from conformance.catalog.select import configure
from conformance.engine import FileOutcome, FileScanner, ScanOptions, decode, run_scope_policies
from conformance.model import DUPLICATE_KEY, INVALID_OBJECT, PARSE_ERROR, Finding
from conformance.scope import ScopeStore
from conftest import CORPUS, FIXTURES

FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", "0"))
CI_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1500"))
SEED_LIMIT = 16_384
"""Seeds larger than this (bytes) are left out: mutating them costs time without finding more."""
CORPUS_SEEDS = 60
"""How many corpus files seed the mutations (a deterministic spread over the corpus)."""

settings.register_profile(
    "fuzz-ci",
    max_examples=CI_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("fuzz-long", settings.get_profile("fuzz-ci"), max_examples=CI_EXAMPLES * 4)
FUZZ = settings.get_profile("fuzz-long" if FUZZ_SECONDS else "fuzz-ci")

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
YAML_PIECES = [
    b"\n",
    b"\r\n",
    b"\r",
    b": ",
    b"- ",
    b"? ",
    b"[",
    b"]",
    b"{",
    b"}",
    b", ",
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"!!str ",
    b"!!python/object/apply:os.system [true]",
    b"!local ",
    b"|\n",
    b">-\n",
    b"'",
    b'"',
    b"\\u",
    b"\\ud83d",
    b"#",
    b"%YAML 1.1\n",
    b"---\n",
    b"...\n",
    b"\t",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xe2\x80\xa8",
    b"~",
    b"null",
    b"yes",
    b"0644",
    b".inf",
    b"1e400",
    b"-1",
    b"9" * 30,
    b"kind: List\nitems:\n",
    b"apiVersion: v1\n",
    b"kind: Pod\n",
    b"kind: Deployment\n",
    b"metadata:\n",
    b"  name: x\n",
    b"spec:\n",
    b"  containers:\n",
    b"  - name: c\n",
    b"    image: x\n",
    b"securityContext:\n",
    b"privileged: true\n",
    b"hostNetwork: true\n",
    b"capabilities: {add: [ALL]}\n",
    b"ports: [{hostPort: 80}]\n",
    b"env: [{name: PASSWORD, value: x}]\n",
    b"volumes: [{name: v, hostPath: {path: /}}]\n",
    b"resources: {limits: {memory: 1Gi}}\n",
    b"replicas: 0\n",
    b"template:\n",
    b"jobTemplate:\n",
    b"labels: {}\n",
    b"namespace: default\n",
    b"selector: {}\n",
]


@cache
def scanner() -> FileScanner:
    policies = configure(build_catalog(entry_points=False).definitions)
    return FileScanner(policies, ScanOptions(jobs=1))


@cache
def seeds() -> tuple[bytes, ...]:
    found = sorted((FIXTURES / "policies" / "k8s").rglob("*.yaml")) + sorted((FIXTURES / "examples").glob("*"))
    corpus = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    if corpus:
        step = max(1, len(corpus) // CORPUS_SEEDS)
        found += corpus[::step][:CORPUS_SEEDS]
    return tuple(raw for raw in (p.read_bytes() for p in found if p.is_file()) if 0 < len(raw) <= SEED_LIMIT)


def line_count(raw: bytes) -> int:
    text, _problem, _line = decode(raw)
    if text is None:
        return raw.count(b"\n") + 1
    return len(LINE_BREAK.split(text))


def scan_everything(raw: bytes, display: str = "fuzz.yaml") -> FileOutcome:
    """What a scan of one file does: scan the bytes, then the cross-resource policies over what was recorded."""
    outcome = scanner().scan_bytes(raw, display)
    store = ScopeStore()
    try:
        for policy_id, entries in outcome.scope.items():
            store.add(policy_id, entries)
        outcome.merge(run_scope_policies(scanner().scope_policies, store))
    finally:
        store.close()
    return outcome


def check_outcome(raw: bytes, outcome: FileOutcome) -> None:
    lines = line_count(raw)
    every: list[Finding] = [*outcome.findings, *outcome.errors]
    for finding in every:
        location = finding.location
        assert location.file == "fuzz.yaml", finding
        assert 1 <= location.line <= lines + 1, (finding, lines)
        assert location.column >= 1, finding
        if location.end_line is not None:  # a region never ends before it starts (SARIF rejects that)
            assert (location.line, location.column) <= (location.end_line, location.end_column or 0), finding
            assert location.end_line <= lines + 1, (finding, lines)
        assert isinstance(finding.message, str) and finding.message, finding
    for error in outcome.errors:
        # built-in policies never fail: the shape of each object is checked before they see it
        assert error.policy_id in (PARSE_ERROR, INVALID_OBJECT), error
    for finding in outcome.findings:
        assert finding.policy_id == DUPLICATE_KEY or finding.policy_id.startswith("k8s/"), finding


@st.composite
def mutated_manifests(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["insert", "insert", "delete", "flip", "duplicate", "splice", "truncate"]))
        if action == "insert":
            piece = draw(st.one_of(st.sampled_from(YAML_PIECES), st.binary(min_size=1, max_size=8)))
            raw[position:position] = piece
        elif action == "delete":
            del raw[position : position + draw(st.integers(1, 40))]
        elif action == "flip" and position < len(raw):
            raw[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "duplicate":
            end = min(len(raw), position + draw(st.integers(1, 200)))
            raw[end:end] = raw[position:end]
        elif action == "splice":
            other = draw(st.sampled_from(seeds()))
            start = draw(st.integers(0, len(other)))
            raw[position:position] = other[start : start + draw(st.integers(1, 400))]
        elif action == "truncate":
            del raw[position:]
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-16", "crlf"]))
    if encoding == "utf-16":
        return bytes(raw).decode("utf-8", "replace").encode("utf-16")
    if encoding == "crlf":
        return bytes(raw).replace(b"\n", b"\r\n")
    return bytes(raw)


def run_for_budget(fuzz_round: Callable[[], None]) -> None:
    """One round in CI; with FUZZ_SECONDS, fresh random rounds until the time is spent."""
    deadline = time.monotonic() + FUZZ_SECONDS
    fuzz_round()
    while time.monotonic() < deadline:
        fuzz_round()


@FUZZ
@given(st.one_of(st.binary(max_size=2_000), st.text(max_size=1_000).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def fuzz_arbitrary_bytes(raw: bytes) -> None:
    check_outcome(raw, scan_everything(raw))


@FUZZ
@given(mutated_manifests())
def fuzz_mutated_manifests(raw: bytes) -> None:
    check_outcome(raw, scan_everything(raw))


def test_scan_bytes_never_raises_on_arbitrary_bytes() -> None:
    run_for_budget(fuzz_arbitrary_bytes)


def test_scan_bytes_never_raises_on_mutated_manifests() -> None:
    assert len(seeds()) >= 100, "the policy fixtures seed the mutations"
    run_for_budget(fuzz_mutated_manifests)


def test_seeds_scan_cleanly() -> None:
    """The unmutated seeds: real manifests give findings at real lines and no scan error of ours."""
    findings = 0
    for raw in seeds():
        outcome = scan_everything(raw)
        check_outcome(raw, outcome)
        findings += len(outcome.findings)
    assert findings > 100
