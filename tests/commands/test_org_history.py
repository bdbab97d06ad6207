from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from conformance.history import append_run
from history_samples import sample_run


def _invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["org", "history", *args], env=env, catch_exceptions=False)


def _two_runs(url: str) -> None:
    append_run(url, sample_run("week-10", "2026-03-09T06:00:00Z", repositories=3))
    append_run(url, sample_run("week-11", "2026-03-16T06:00:00Z", repositories=5))


def test_the_runs_are_listed_as_a_table(history_url: str) -> None:
    _two_runs(history_url)
    result = _invoke("--db", history_url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "run", "started", "shards", "repositories", "scanned", "reused", "failed",
        "findings", "fail", "suppressed", "waived", "baselined", "error",
    ]  # fmt: skip
    assert lines[2].split() == ["week-10", "2026-03-09T06:00:00Z", "4", "3", "1", "1", "1", "10", *["2"] * 5]
    assert lines[3].split() == ["week-11", "2026-03-16T06:00:00Z", "4", "5", "2", "2", "1", "20", *["4"] * 5]
    assert len(lines) == 4


def test_json_and_last(history_url: str) -> None:
    _two_runs(history_url)
    result = _invoke("--db", history_url, "-f", "json", "--last", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [run["run_id"] for run in data] == ["week-11"]
    assert data[0]["repositories"] == {"scanned": 2, "reused": 2, "failed": 1}
    assert data[0]["findings"] == {"fail": 4, "suppressed": 4, "waived": 4, "baselined": 4, "error": 4}
    assert (data[0]["shard_count"], data[0]["policy_digest"]) == (4, "sha256:" + "ab" * 32)


def test_the_database_comes_from_the_environment_then_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env = tmp_path / "env.sqlite"
    append_run(str(from_env), sample_run("from-env"))
    monkeypatch.chdir(tmp_path)
    append_run("sqlite:///conformance-history.sqlite", sample_run("from-cwd"))
    assert (tmp_path / "conformance-history.sqlite").is_file()
    assert "from-env" in _invoke(env={"CONFORMANCE_DB": str(from_env)}).output
    monkeypatch.delenv("CONFORMANCE_DB", raising=False)
    assert "from-cwd" in _invoke(env={"CONFORMANCE_DB": ""}).output


def test_a_missing_history_exits_2_with_a_message(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    result = CliRunner().invoke(cli, ["org", "history", "--db", str(missing)])
    assert result.exit_code == 2
    assert result.output == (
        f"conformance: error: sqlite:///{missing}: no history database at {missing} (nothing has been appended yet)\n"
    )


def test_an_empty_history_says_so(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from conformance.history import migrate

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'h.sqlite'}")
    migrate(engine)
    engine.dispose()
    assert _invoke("--db", str(tmp_path / "h.sqlite")).output == "no runs\n"
    assert _invoke("--db", str(tmp_path / "h.sqlite"), "-f", "json").output == "[]\n"


def test_the_installed_command_hides_the_password_of_an_unreachable_server() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "org", "history", "--db", "postgresql://ci:TopSecret9@127.0.0.1:1/h"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("conformance: error: postgresql://ci:***@127.0.0.1:1/h: connection failed")
    assert "TopSecret9" not in result.stderr + result.stdout
