"""Which history database a command uses, and how its URL is shown.

``--db`` beats ``CONFORMANCE_DB``, which beats ``sqlite:///conformance-history.sqlite`` (in the current
directory). A value without ``://`` is a path to a SQLite file. ``postgresql://`` (and ``postgres://``) URLs are
opened with the psycopg 3 driver. A password in a URL is never shown: errors and log lines use :func:`display_url`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from conformance.history.errors import HistoryError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

ENV_VAR = "CONFORMANCE_DB"
DEFAULT_URL = "sqlite:///conformance-history.sqlite"

_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def resolve_url(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The history URL: the ``--db`` option, else ``$CONFORMANCE_DB``, else the SQLite file in the current directory."""
    env = os.environ if environ is None else environ
    value = option or env.get(ENV_VAR) or DEFAULT_URL
    if "://" not in value:
        return f"sqlite:///{value}"
    return value


def engine_url(url: str) -> URL:
    """The SQLAlchemy URL to connect with: SQLite or PostgreSQL through psycopg 3; anything else is refused."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(resolve_url(url, environ={}))
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number, an unclosed [IPv6]
        raise HistoryError(f"{_safe(url)}: not a database URL (sqlite:///FILE or postgresql://...)") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise HistoryError(
            f"{display_url(url)}: unsupported database {parsed.drivername!r} (sqlite:///FILE or postgresql://...)"
        )
    return parsed.set(drivername=driver)


def display_url(url: str | URL) -> str:
    """The URL with its password hidden (``***``), for errors and logs."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not isinstance(url, str):
        return url.render_as_string(hide_password=True)
    try:
        parsed = make_url(resolve_url(url, environ={}))
    except (ArgumentError, ValueError):
        return _safe(url)
    return parsed.render_as_string(hide_password=True)


def _safe(text: str) -> str:
    """Something that did not parse as a URL, with anything between ``://`` and ``@`` hidden."""
    scheme, sep, rest = text.partition("://")
    if sep and "@" in rest:
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return text
