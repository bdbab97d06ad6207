from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import find_corpus  # noqa: E402  (one rule for the tests and the benchmarks)

CORPUS = find_corpus(REPO)
"""The shared real-world corpus, wherever this clone lives (see benchmarks/corpus.py)."""
FIXING_POLICIES = (
    "k8s/no-privilege-escalation",
    "k8s/drop-all-capabilities",
    "k8s/read-only-root-filesystem",
    "k8s/run-as-non-root",
    "k8s/seccomp-profile-required",
    "k8s/no-automount-service-account-token",
    "k8s/no-host-network",
    "k8s/no-host-pid",
    "k8s/no-host-ipc",
    "k8s/no-privileged-containers",
    "gha/explicit-permissions",
    "gha/job-timeout",
    "docker/apt-no-install-recommends",
)
"""The built-in fixes the autofix issue requires (tests of definitions and golden files check them)."""


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
def new_history_url(request: pytest.FixtureRequest, tmp_path: Path):
    """Makes empty history databases: SQLite files in tmp_path, or new databases on the PostgreSQL server that
    ``CONFORMANCE_TEST_POSTGRES_URL`` names (``.ci/postgres start`` prints one), dropped afterwards."""
    if request.param == "sqlite":
        import itertools

        numbers = itertools.count()
        yield lambda: f"sqlite:///{tmp_path / f'history-{next(numbers)}.sqlite'}"
        return
    server = os.environ.get("CONFORMANCE_TEST_POSTGRES_URL", "")
    need(bool(server), "CONFORMANCE_TEST_POSTGRES_URL is not set (.ci/postgres start DIR prints one)")
    import uuid

    import sqlalchemy as sa

    from conformance.history.urls import engine_url

    admin_url = engine_url(server)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    created: list[str] = []

    def create() -> str:
        name = f"conformance_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return admin_url.set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        with admin.connect() as connection:
            for name in created:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def history_url(new_history_url) -> str:
    """An empty history database, SQLite or PostgreSQL (the test runs once with each)."""
    return new_history_url()
