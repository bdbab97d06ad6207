from __future__ import annotations

import pytest

from conformance.history import HistoryError
from conformance.history.urls import DEFAULT_URL, display_url, engine_url, resolve_url


def test_option_beats_environment_beats_default() -> None:
    env = {"CONFORMANCE_DB": "postgresql://ci@db/history"}
    assert resolve_url("sqlite:///x.sqlite", env) == "sqlite:///x.sqlite"
    assert resolve_url(None, env) == "postgresql://ci@db/history"
    assert resolve_url(None, {}) == DEFAULT_URL == "sqlite:///conformance-history.sqlite"
    assert resolve_url("", {"CONFORMANCE_DB": ""}) == DEFAULT_URL


def test_the_environment_is_read_when_no_mapping_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_DB", "/srv/history.db")
    assert resolve_url(None) == "sqlite:////srv/history.db"
    monkeypatch.delenv("CONFORMANCE_DB")
    assert resolve_url(None) == DEFAULT_URL


def test_a_bare_path_is_a_sqlite_file() -> None:
    assert resolve_url("history.sqlite", {}) == "sqlite:///history.sqlite"
    assert resolve_url("/var/lib/conformance/h.db", {}) == "sqlite:////var/lib/conformance/h.db"
    assert engine_url("runs/h.db").render_as_string() == "sqlite:///runs/h.db"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg_3(scheme: str) -> None:
    url = engine_url(f"{scheme}://app:s3cret@db.internal:5433/history")
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database, url.username, url.password) == (
        "db.internal",
        5433,
        "history",
        "app",
        "s3cret",
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root:hunter2@db/x", "mysql://root:***@db/x: unsupported database 'mysql'"),
        ("postgresql+psycopg2://u:hunter2@db/x", "postgresql+psycopg2://u:***@db/x: unsupported database"),
        ("::not a url://u:hunter2@h", "not a database URL"),
        ("postgresql://u:hunter2@h:abc/x", "postgresql://***@h:abc/x: not a database URL"),  # port not a number
        ("postgresql://u:hunter2@[::1", "postgresql://***@[::1: not a database URL"),  # unclosed IPv6 address
    ],
)
def test_other_databases_are_refused_without_showing_the_password(url: str, message: str) -> None:
    with pytest.raises(HistoryError) as caught:
        engine_url(url)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_display_url_hides_only_the_password() -> None:
    assert display_url("postgresql://app:s3cret@db:5432/h") == "postgresql://app:***@db:5432/h"
    assert display_url("postgresql://app@db/h") == "postgresql://app@db/h"
    assert display_url("h.sqlite") == "sqlite:///h.sqlite"
    assert display_url(engine_url("postgres://a:b@h/d")) == "postgresql+psycopg://a:***@h/d"
