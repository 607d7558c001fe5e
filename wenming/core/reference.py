"""Process-local caches of reference data, checked against stamps that triggers move.

Every intake reads the same reference rows: the Open311 client and its user's memberships,
the category and its service attributes, the routing rules, the areas' polygons. They change
a few times a month; reports arrive hundreds of times a minute. A process keeps what it read
and asks the database one question per use, "have the stamps moved?": one read of the
three-row table ``core_referencestamp``.

Triggers (installed after every ``migrate``: :func:`install_triggers`) give a part of the
reference data a new random stamp on every insert, update, delete or truncate of one of its
tables (:data:`PARTS`), inside the writing transaction. So a change made by any path (services, admin, importers, bulk updates,
raw SQL) is seen by every process at its next check after the commit, and a rolled-back
change leaves the old stamp, under which the old rows are still right. Random values, not
counters: a counter could hand out the same value again after a rollback or a truncated
test database, and a process would take its old rows for current.

On PostgreSQL the triggers are per statement, and fire for a statement that touched no
row too (a delete's cascade visiting a table): a spare reload, never a missed change.

The stamp is always read before the rows it guards. Under READ COMMITTED a change committed
between the two reads then leaves rows newer than their stamp, and the next check reloads
them; never the reverse (a new stamp over old rows).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")

# part -> {table: columns whose update moves the stamp (None: any column)}. Columns are
# named where a table is also written on every use: the Open311 client's last_used_at and a
# user's last_login must not empty every process's caches.
PARTS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "geo": {
        "geo_region": None,
        "geo_grid": None,
        "geo_supervisiongrid": None,
        "geo_supervisiongrid_regions": None,
    },
    "org": {
        "org_unit": None,
        "org_unit_supervision_grids": None,
        "org_membership": None,
        "org_routingrule": None,
        "auth_user": ("is_active", "is_superuser", "is_staff"),
        "public_open311client": (
            "name",
            "key_hash",
            "key_prefix",
            "user_id",
            "source",
            "trusted",
            "is_active",
        ),
    },
    "taxonomy": {"taxonomy_category": None, "public_serviceattribute": None},
}

_local = threading.local()


def _read() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, value FROM core_referencestamp")
        return dict(cursor.fetchall())


def stamps() -> dict[str, int]:
    """``{part: stamp}`` of the parts that have one (a part whose tables were never written
    has none). Inside :func:`pinned`, the values read when the block began."""
    pinned_stamps = getattr(_local, "pinned", None)
    return pinned_stamps if pinned_stamps is not None else _read()


@contextmanager
def pinned() -> Iterator[None]:
    """Read the stamps once for the block: every cache lookup inside uses them.

    For a block that only reads reference data, such as one intake request: its five
    lookups then cost one statement, not five. Code that changes reference data must not
    run inside (it would not see its own change). Nested blocks keep the outer stamps.
    """
    if getattr(_local, "pinned", None) is not None:
        yield
        return
    _local.pinned = _read()
    try:
        yield
    finally:
        _local.pinned = None


class Cache:
    """A process-local mapping of values computed from the reference ``parts``, emptied
    whenever one of their stamps moves. Thread-safe. Cached values are shared between
    requests: callers must not change them."""

    def __init__(self, *parts: str) -> None:
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown reference parts: {sorted(unknown)}")
        self.parts = parts
        self._stamp: tuple | None = None
        self._data: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The value cached under ``key`` for the current stamps, or ``load()``'s. A None
        from ``load()`` (nothing found) is not kept: keys often come from requests, and
        misses must not grow the cache."""
        current = stamps()
        stamp = tuple(current.get(p) for p in self.parts)
        with self._lock:
            if stamp != self._stamp:
                self._data = {}
                self._stamp = stamp
            data = self._data
        try:
            return data[key]
        except KeyError:
            pass
        value = load()
        if value is not None:
            data[key] = value  # a dict item set is atomic; a stale dict is simply dropped
        return value

    def clear(self) -> None:
        """Forget everything (tests that swap whole databases)."""
        with self._lock:
            self._stamp = None
            self._data = {}


# --- the triggers -------------------------------------------------------------------------

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION wenming_reference_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_referencestamp (name, value)
    VALUES (TG_ARGV[0], floor(random() * 9.2e18)::bigint)
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$
"""
# SQLite has row triggers only; random() is a 64-bit integer, masked to be non-negative.
_SQLITE_BUMP = (
    "INSERT INTO core_referencestamp (name, value) VALUES ('{part}', random() & {mask})"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value;"
)


def trigger_statements(vendor: str, existing: set[str] | None = None) -> list[str]:
    """The DDL that creates the triggers of :data:`PARTS` on ``vendor`` (``postgresql`` or
    ``sqlite``), for the tables in ``existing`` (None: all); run after
    :func:`drop_statements`. Raises ValueError for another database."""
    out: list[str] = []
    parts = {
        part: {t: c for t, c in tables.items() if existing is None or t in existing}
        for part, tables in PARTS.items()
    }
    if vendor == "postgresql":
        out.append(_PG_FUNCTION)
        for part, tables in parts.items():
            for table, columns in tables.items():
                update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
                out.append(
                    f"CREATE TRIGGER wenming_reference AFTER INSERT OR {update}"
                    f" OR DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT"
                    f" EXECUTE FUNCTION wenming_reference_bump('{part}')"
                )
        return out
    if vendor == "sqlite":
        for part, tables in parts.items():
            bump = _SQLITE_BUMP.format(part=part, mask=(1 << 63) - 1)
            for table, columns in tables.items():
                update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
                for name, event in (("ins", "INSERT"), ("upd", update), ("del", "DELETE")):
                    out.append(
                        f"CREATE TRIGGER wenming_reference_{table}_{name}"
                        f" AFTER {event} ON {table} FOR EACH ROW BEGIN {bump} END"
                    )
        return out
    raise ValueError(f"no reference triggers for {vendor}")


def drop_statements(connection) -> list[str]:
    """The DDL that drops every reference trigger now in the database, including those of
    tables no longer in :data:`PARTS` (and PostgreSQL's function)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = 'wenming_reference'"
            )
            out = [f"DROP TRIGGER wenming_reference ON {t}" for (t,) in cursor.fetchall()]
            return [*out, "DROP FUNCTION IF EXISTS wenming_reference_bump()"]
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND name LIKE 'wenming\\_reference\\_%' ESCAPE '\\'"
        )
        return [f"DROP TRIGGER {name}" for (name,) in cursor.fetchall()]


def install_triggers(using: str = "default", **_kwargs) -> None:
    """(Re)install the triggers on database ``using``, as :data:`PARTS` now says, and give
    every part a new stamp, in one transaction.

    Run after every ``migrate`` (a ``post_migrate`` receiver, see
    :class:`wenming.core.apps.CoreConfig`): SQLite drops a table's triggers when a migration
    rebuilds the table, and a data migration may have changed reference rows meanwhile, so
    the triggers are put back and running processes reload."""
    from django.db import connections, transaction

    conn = connections[using]
    existing = set(conn.introspection.table_names())
    if "core_referencestamp" not in existing:
        return  # a partial migrate that has not reached core.0002 yet
    with transaction.atomic(using=using), conn.cursor() as cursor:
        for sql in [*drop_statements(conn), *trigger_statements(conn.vendor, existing)]:
            cursor.execute(sql)
        for part in PARTS:
            cursor.execute(
                "INSERT INTO core_referencestamp (name, value) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [part, secrets.randbits(63)],
            )


def uninstall_triggers(apps, schema_editor) -> None:
    """Drop the reference triggers (migration core.0002 backwards: the table they write
    goes away)."""
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        for sql in drop_statements(conn):
            cursor.execute(sql)
