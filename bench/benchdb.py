"""Which benchmark database to use, and whether it must be built (shared by the benchmarks).

A built database carries a marker row in ``core_sequence`` (``name`` = the benchmark's marker,
``value`` = the number of cases it was built with); it is reused only when the marker equals
the number of cases asked for and the case table still holds that many rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _sqlite_marker(path: Path, marker: str) -> int | None:
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute(
                "SELECT value FROM core_sequence WHERE name = ?", (marker,)
            ).fetchone()
            cases = con.execute("SELECT count(*) FROM cases_case").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row and row[0] == cases else None


def _pg_admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def _pg_marker(url: str, marker: str) -> int | None:
    import psycopg

    admin, name = _pg_admin_url(url)
    with psycopg.connect(admin, autocommit=True) as con:
        exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            con.execute(f'CREATE DATABASE "{name}"')
            return None
    try:
        with psycopg.connect(url) as con:
            row = con.execute(
                "SELECT value FROM core_sequence WHERE name = %s", (marker,)
            ).fetchone()
            cases = con.execute("SELECT count(*) FROM cases_case").fetchone()[0]
    except psycopg.Error:
        return None
    return row[0] if row and row[0] == cases else None


def _pg_recreate(url: str) -> None:
    import psycopg

    admin, name = _pg_admin_url(url)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')


def choose_database(
    cases: int, url: str | None, *, marker: str, default_path: Path
) -> tuple[str, bool]:
    """``(database URL, must build)`` for ``cases`` cases.

    ``url``: a PostgreSQL URL (the database is created, or dropped and recreated when its
    marker does not match; the test suite's ``test``/``test_*`` databases are refused with
    SystemExit), an ``sqlite:///`` URL, or None for the SQLite file ``default_path``.
    """
    if url and url.startswith(("postgres://", "postgresql://")):
        name = urlsplit(url).path.lstrip("/")
        if not name or name == "test" or name.startswith("test_"):
            raise SystemExit(f"refusing to use the database {name!r}: the test suite uses it")
        if _pg_marker(url, marker) == cases:
            return url, False
        _pg_recreate(url)
        return url, True
    path = Path(url.removeprefix("sqlite:///")) if url else default_path
    path.parent.mkdir(parents=True, exist_ok=True)
    if _sqlite_marker(path, marker) == cases:
        return f"sqlite:///{path}", False
    for old in path.parent.glob(path.name + "*"):
        old.unlink()
    return f"sqlite:///{path}", True
