from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus" / "k8s"


def need(condition: bool, why: str) -> None:
    """Skip on a developer's machine when something optional is missing; fail loudly in CI."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI but missing: {why}")
    pytest.skip(why)


@pytest.fixture
def builtin_definitions():
    from conformance.catalog.discovery import build_catalog

    return build_catalog(entry_points=False).definitions


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty history database: a SQLite file in tmp_path, or a new database on the PostgreSQL server that
    ``CONFORMANCE_TEST_POSTGRES_URL`` names (``.ci/postgres start`` prints one), dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite'}"
        return
    server = os.environ.get("CONFORMANCE_TEST_POSTGRES_URL", "")
    need(bool(server), "CONFORMANCE_TEST_POSTGRES_URL is not set (.ci/postgres start DIR prints one)")
    import uuid

    import sqlalchemy as sa

    from conformance.history.urls import engine_url

    admin_url = engine_url(server)
    name = f"conformance_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
