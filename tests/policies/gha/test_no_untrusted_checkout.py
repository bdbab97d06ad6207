"""The heuristics of ``gha/no-untrusted-checkout``: what a pull request's author controls."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import pytest

from conformance.catalog.discovery import builtin_root


def _policy_module() -> ModuleType:
    path = builtin_root() / "gha" / "no_untrusted_checkout.py"
    spec = importlib.util.spec_from_file_location("conformance_test_no_untrusted_checkout", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


policy = _policy_module()
FORK_REPOSITORY = policy.FORK_REPOSITORY
checks_out_pr_code = policy.checks_out_pr_code
excludes_events = policy.excludes_events
fork_repository = policy.fork_repository
merged_env = policy.merged_env
normalize_expression = policy.normalize_expression
pr_controlled_ref = policy.pr_controlled_ref
same_repository_only = policy.same_repository_only
shell_commands = policy.shell_commands
tainted_env = policy.tainted_env


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
