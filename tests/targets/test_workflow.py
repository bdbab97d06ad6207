from __future__ import annotations

from typing import Any

import pytest

from conformance import yamlio
from conformance.targets.workflow import (
    DOCKER,
    INVALID,
    LOCAL,
    REPOSITORY,
    is_commit_sha,
    is_workflow,
    jobs,
    parse_uses,
    steps,
    triggers,
)

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"
DIGEST = "sha256:" + "ab" * 32


def load(text: str) -> Any:
    (document,) = yamlio.load(text).documents
    return document.data


# --- structure ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on: push\njobs: {}", ["push"]),
        ('"on": push\njobs: {}', ["push"]),
        ("on: [push, pull_request_target]\njobs: {}", ["push", "pull_request_target"]),
        ("on:\n  workflow_run:\n    workflows: [CI]\n  push:\njobs: {}", ["workflow_run", "push"]),
        ("jobs: {}", []),
    ],
)
def test_triggers_reads_every_form_of_on(text: str, expected: list[str]) -> None:
    data = load(text)
    assert list(triggers(data)) == expected


def test_on_is_a_boolean_key_under_yaml_1_1() -> None:
    data = load("on:\n  pull_request_target:\n    types: [opened]\njobs: {}")
    assert True in data and "on" not in data
    assert triggers(data) == {"pull_request_target": {"types": ["opened"]}}


def test_triggers_of_non_workflows() -> None:
    assert triggers(None) == {}
    assert triggers(["on"]) == {}
    assert triggers({True: 3}) == {}
    assert triggers({"on": [1, "push"]}) == {"push": None}


def test_is_workflow() -> None:
    assert is_workflow({"jobs": {}})
    assert not is_workflow({"jobs": ["build"]})
    assert not is_workflow(None)
    assert not is_workflow([{"jobs": {}}])


def test_jobs_and_steps_skip_malformed_entries() -> None:
    data = load(
        """
        jobs:
          build:
            steps:
              - name: Check out
                uses: actions/checkout@v4
              - just a string
              - id: compile
                run: make
              - run: make test
          broken: not a mapping
          call:
            uses: ./.github/workflows/x.yml
            steps: not a list
        """.replace("\n        ", "\n")
    )
    found = list(jobs(data))
    assert [job.id for job in found] == ["build", "call"]
    assert found[0].path == ("jobs", "build") and not found[0].calls_workflow
    assert found[1].calls_workflow and list(steps(found[1])) == []
    build_steps = list(steps(found[0]))
    assert [step.index for step in build_steps] == [0, 2, 3]
    assert build_steps[1].path == ("jobs", "build", "steps", 2)
    assert [step.label for step in build_steps] == ["step 'Check out'", "step 'compile'", "step 4"]
    assert list(jobs({"jobs": "x"})) == []


def test_job_name_of_a_non_string_key() -> None:
    (job,) = jobs(load("jobs:\n  yes:\n    runs-on: x"))
    assert job.id is True and job.name == "True"


# --- uses: references ------------------------------------------------------------------------------------


def test_parse_uses_repository_references() -> None:
    ref = parse_uses(f" actions/checkout@{SHA} ")
    assert (ref.kind, ref.owner, ref.repo, ref.path, ref.ref) == (REPOSITORY, "actions", "checkout", "", SHA)
    assert ref.pinned and ref.name == "actions/checkout"
    nested = parse_uses("github/codeql-action/upload-sarif@v3")
    assert (nested.owner, nested.repo, nested.path, nested.ref) == ("github", "codeql-action", "upload-sarif", "v3")
    assert not nested.pinned and nested.name == "github/codeql-action/upload-sarif"
    workflow = parse_uses("acme/ci/.github/workflows/build.yml@refs/heads/main")
    assert workflow.path == ".github/workflows/build.yml" and workflow.ref == "refs/heads/main"


@pytest.mark.parametrize(
    ("value", "kind", "pinned"),
    [
        ("./.github/actions/setup", LOCAL, True),
        ("./.github/workflows/reusable.yml", LOCAL, True),
        (f"docker://alpine@{DIGEST}", DOCKER, True),
        (f"DOCKER://ghcr.io/a/b:1.2@{DIGEST}", DOCKER, True),
        ("docker://alpine:3.20", DOCKER, False),
        ("docker://alpine@sha256:abc", DOCKER, False),
        ("actions/checkout", INVALID, False),
        ("actions/checkout@", INVALID, False),
        ("checkout@v4", INVALID, False),
        ("actions//checkout@v4", INVALID, False),
        ("${{ matrix.action }}@v1", INVALID, False),
        (f"actions/checkout@{SHA[:7]}", REPOSITORY, False),
        (f"actions/checkout@{SHA.upper()}", REPOSITORY, True),
    ],
)
def test_parse_uses_kinds(value: str, kind: str, pinned: bool) -> None:
    ref = parse_uses(value)
    assert ref.kind == kind
    assert ref.pinned is pinned


def test_docker_reference_parts() -> None:
    ref = parse_uses(f"docker://ghcr.io/a/b:1.2@{DIGEST}")
    assert ref.image == "ghcr.io/a/b:1.2" and ref.digest == DIGEST


def test_is_commit_sha() -> None:
    assert is_commit_sha(SHA)
    assert not is_commit_sha(SHA + "0")
    assert not is_commit_sha(SHA[:39] + "g")
    assert not is_commit_sha("v4")


def test_is_action_compares_names_case_insensitively() -> None:
    assert parse_uses("Actions/Checkout@v4").is_action("actions", "checkout")
    assert parse_uses(f"actions/checkout@{SHA}").is_action("actions", "checkout")
    assert not parse_uses("actions/checkout/sub@v4").is_action("actions", "checkout")
    assert not parse_uses("actions/checkout-extra@v4").is_action("actions", "checkout")
    assert not parse_uses("./actions/checkout").is_action("actions", "checkout")
