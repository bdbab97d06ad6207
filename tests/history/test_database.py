from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.history import HistoryError, append_run, list_runs, load_runs
from history_samples import sample_run


def test_importing_the_history_does_not_import_sqlalchemy() -> None:
    code = "import sys, conformance.history, conformance.cli; print('sqlalchemy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_reading_a_missing_sqlite_file_is_an_error_and_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite"
    with pytest.raises(HistoryError) as caught:
        load_runs(str(path))
    assert str(caught.value) == f"sqlite:///{path}: no history database at {path} (nothing has been appended yet)"
    assert not path.exists()


def test_a_bare_path_appends_to_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    append_run(str(path), sample_run())
    assert path.is_file()
    assert [s.run_id for s in list_runs(f"sqlite:///{path}")] == ["run-1"]


def test_a_sqlite_file_in_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"the directory .*/missing does not exist"):
        append_run(str(tmp_path / "missing" / "h.sqlite"), sample_run())


def test_a_directory_is_not_a_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"is a directory, not a SQLite file"):
        append_run(str(tmp_path), sample_run())


def test_a_file_that_is_not_sqlite_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100)
    with pytest.raises(HistoryError, match=rf"^sqlite:///{path}: file is not a database"):
        append_run(str(path), sample_run())


def test_an_unreachable_server_is_an_error_without_the_password() -> None:
    with pytest.raises(HistoryError) as caught:
        list_runs("postgresql://app:Pa55word-xyz@127.0.0.1:1/history?connect_timeout=5")
    message = str(caught.value)
    assert message.startswith("postgresql://app:***@127.0.0.1:1/history")
    assert "Pa55word-xyz" not in message
    assert "connection" in message.lower()


@pytest.mark.parametrize("new_history_url", ["postgresql"], indirect=True)
def test_a_wrong_password_is_refused_without_showing_it(history_url: str) -> None:
    from conformance.history.urls import engine_url

    wrong = engine_url(history_url).set(password="not-the-Password-42").render_as_string(hide_password=False)
    with pytest.raises(HistoryError, match="password authentication failed") as caught:
        append_run(wrong, sample_run())
    assert "not-the-Password-42" not in str(caught.value)
    assert ":***@" in str(caught.value)


def test_creating_and_appending_is_logged_with_the_password_hidden(
    history_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="conformance.history"):
        append_run(history_url, sample_run())
    from conformance.history.urls import display_url, engine_url

    shown = display_url(history_url)
    assert [r.getMessage() for r in caplog.records] == [
        f"created history database {shown} (schema version 2)",
        f"appended run run-1 (3 repositories, 10 findings) to {display_url(history_url)}",
    ]
    password = engine_url(history_url).password
    assert not password or all(password not in r.getMessage() for r in caplog.records)
