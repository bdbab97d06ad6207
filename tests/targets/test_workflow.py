from __future__ import annotations

from typing import Any

import pytest

from conformance import yamlio
from conformance.targets.workflow import (
    DOCKER,
    FORK_REPOSITORY,
    INVALID,
    LOCAL,
    REPOSITORY,
    checks_out_pr_code,
    excludes_events,
    fork_repository,
    is_commit_sha,
    is_workflow,
    jobs,
    merged_env,
    normalize_expression,
    parse_uses,
    pr_controlled_ref,
    same_repository_only,
    shell_commands,
    steps,
    tainted_env,
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


# --- expressions and refs --------------------------------------------------------------------------------


def test_normalize_expression() -> None:
    assert (
        normalize_expression(" github.event['pull_request'][ \"head\" ].SHA ") == "github.event.pull_request.head.sha"
    )


@pytest.mark.parametrize(
    "ref",
    [
        "${{ github.event.pull_request.head.sha }}",
        "${{github.event.pull_request.head.ref}}",
        "${{ github.event.pull_request.merge_commit_sha }}",
        "${{ github.head_ref }}",
        "${{ github.event.pull_request.head.sha || github.sha }}",
        "refs/pull/${{ github.event.number }}/merge",
        "refs/pull/${{ github.event.pull_request.number }}/head",
        "refs/pull/42/merge",
        "${{ github.event.workflow_run.head_sha }}",
        "${{ github.event.workflow_run.head_branch }}",
        "${{ github.event.workflow_run.head_commit.id }}",
        "${{ github.event.workflow_run.pull_requests[0].head.sha }}",
        "${{ github.event['pull_request']['head']['sha'] }}",
    ],
)
def test_pr_controlled_refs(ref: str) -> None:
    assert pr_controlled_ref(ref)


@pytest.mark.parametrize(
    "ref",
    [
        None,
        42,
        "main",
        "${{ github.sha }}",
        "${{ github.ref }}",
        "${{ github.event.pull_request.base.sha }}",
        "${{ github.event.pull_request.base.ref }}",
        "${{ github.base_ref }}",
        "${{ github.event.pull_request.head.repo.full_name }}",
        "${{ github.event.workflow_run.id }}",
        "${{ github.event.pull_request.head.sha_other }}",
        "${{ inputs.ref }}",
        "github.head_ref",  # literal text, not an expression
    ],
)
def test_refs_a_pull_request_does_not_control(ref: Any) -> None:
    assert not pr_controlled_ref(ref)


def test_env_indirection() -> None:
    env = merged_env(
        {"env": {"HEAD": "${{ github.event.pull_request.head.sha }}", "LEVEL": 3}},
        {"env": {"ALIAS": "${{ env.HEAD }}", "SAFE": "${{ github.sha }}"}},
        {"env": {"LEVEL": "override", 7: "x"}},
        {"env": "not a mapping"},
        None,
    )
    assert env["LEVEL"] == "override" and 7 not in env
    tainted = tainted_env(env)
    assert tainted == {"GITHUB_HEAD_REF", "HEAD", "ALIAS"}
    assert pr_controlled_ref("${{ env.alias }}", tainted)
    assert pr_controlled_ref("${{ env['HEAD'] }}", tainted)
    assert not pr_controlled_ref("${{ env.SAFE }}", tainted)
    assert not pr_controlled_ref("${{ env.HEAD }}")


def test_fork_repository() -> None:
    assert fork_repository("${{ github.event.pull_request.head.repo.full_name }}")
    assert fork_repository("${{ github.event.workflow_run.head_repository.full_name }}")
    assert not fork_repository("${{ github.repository }}")
    assert not fork_repository("acme/tools")
    assert not fork_repository(None)
    forks = tainted_env({"REPO": "${{ github.event.pull_request.head.repo.full_name }}"}, FORK_REPOSITORY)
    assert forks == {"REPO"}
    assert fork_repository("${{ env.REPO }}", forks)


# --- shell ---------------------------------------------------------------------------------------------------


def test_shell_commands() -> None:
    script = "# a comment\ngit fetch origin \\\n  main && echo ${{ a || b }} ; ls | wc -l\n\nmake || true\n"
    assert shell_commands(script) == ["git fetch origin    main", "echo ${{ a || b }}", "ls", "wc -l", "make", "true"]


@pytest.mark.parametrize(
    "script",
    [
        "gh pr checkout ${{ github.event.pull_request.number }}",
        "gh pr checkout $PR",
        "git checkout ${{ github.event.pull_request.head.sha }}",
        "git switch $GITHUB_HEAD_REF",
        'git checkout "${GITHUB_HEAD_REF}"',
        "git -C src checkout ${{ github.head_ref }}",
        "git fetch origin refs/pull/${{ github.event.number }}/merge\ngit checkout FETCH_HEAD",
        "git fetch origin pull/$PR/head:pr-branch && git checkout pr-branch",
        "git fetch origin +refs/pull/1/head:refs/remotes/origin/pr; git reset --hard origin/pr",
        "git pull origin pull/${{ github.event.number }}/head",
        "git merge ${{ github.event.pull_request.head.sha }}",
    ],
)
def test_checks_out_pr_code(script: str) -> None:
    assert checks_out_pr_code(script) is not None


@pytest.mark.parametrize(
    "script",
    [
        None,
        "make test",
        "git checkout main",
        "echo ${{ github.head_ref }}",
        "git fetch origin ${{ github.event.pull_request.head.sha }} && git diff --stat FETCH_HEAD",
        "git fetch origin pull/1/head:pr\ngit checkout main",
        "git checkout main && echo $GITHUB_HEAD_REF",
        "gh pr comment 1 --body checkout",
        "git checkout ${{ github.event.pull_request.base.sha }}",
        "# git checkout ${{ github.head_ref }}",
    ],
)
def test_does_not_check_out_pr_code(script: Any) -> None:
    assert checks_out_pr_code(script) is None


def test_checkout_through_a_tainted_variable() -> None:
    tainted = tainted_env({"SHA": "${{ github.event.pull_request.head.sha }}", "BASE": "${{ github.sha }}"})
    assert checks_out_pr_code('git checkout "$SHA"', tainted)
    assert checks_out_pr_code("git checkout ${SHA}", tainted)
    assert checks_out_pr_code("git checkout $SHA_OTHER", tainted) is None
    assert checks_out_pr_code("git checkout $BASE", tainted) is None


# --- conditions ---------------------------------------------------------------------------------------------

PRT = ["pull_request_target"]
BOTH = ["pull_request_target", "workflow_run"]


@pytest.mark.parametrize(
    ("condition", "events", "expected"),
    [
        (False, PRT, True),
        (True, PRT, False),
        (None, PRT, False),
        ("github.event_name == 'pull_request'", PRT, True),
        ("${{ github.event_name == 'push' && success() }}", BOTH, True),
        ("'pull_request' == github.event_name", PRT, True),
        ("github.event_name == 'pull_request_target'", PRT, False),
        ("github.event_name != 'pull_request_target'", PRT, True),
        ("github.event_name != 'pull_request_target'", BOTH, False),
        ("github.event_name != 'pull_request_target' && github.event_name != 'workflow_run'", BOTH, True),
        ("github.event_name == 'pull_request' || github.event_name == 'pull_request_target'", PRT, False),
        ("!(github.event_name == 'pull_request')", PRT, False),
        ("contains(github.event.pull_request.labels.*.name, 'safe')", PRT, False),
    ],
)
def test_excludes_events(condition: Any, events: list[str], expected: bool) -> None:
    assert excludes_events(condition, events) is expected


@pytest.mark.parametrize(
    ("condition", "events", "expected"),
    [
        ("github.event.pull_request.head.repo.full_name == github.repository", PRT, True),
        ("${{ github.repository == github.event.pull_request.head.repo.full_name }}", BOTH, True),
        ("github.event.workflow_run.head_repository.full_name == github.repository", ["workflow_run"], True),
        ("github.event.pull_request.head.repo.full_name == github.repository_owner", PRT, False),
        ("github.event.pull_request.head.repo.full_name == github.repository || always()", PRT, False),
        ("github.event.pull_request.head.repo.full_name != github.repository", PRT, False),
        ("!github.event.pull_request.head.repo.fork", PRT, True),
        ("github.actor != 'bot' && !github.event.pull_request.head.repo.fork", PRT, True),
        ("github.event.pull_request.head.repo.fork == false", PRT, True),
        ("!github.event.pull_request.head.repo.fork", BOTH, False),  # null under workflow_run: true
        ("!github.event.pull_request.head.repo.forked", PRT, False),
        ("!cancelled() && !github.event.pull_request.head.repo.fork", PRT, False),
        (None, PRT, False),
    ],
)
def test_same_repository_only(condition: Any, events: list[str], expected: bool) -> None:
    assert same_repository_only(condition, events) is expected
