"""Gapless named counters."""

from django.db import IntegrityError, connection, transaction

from .models import Sequence


def next_value(name: str) -> int:
    """Return the next value (1, 2, …) of the counter ``name``.

    Must run inside the caller's transaction so that a rolled-back caller leaves no gap.
    The ``UPDATE … SET value = value + 1`` takes the row lock (PostgreSQL) or the database
    write lock (SQLite), so concurrent callers are serialised.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must run inside a transaction")
    value = _increment(name)
    if value is None:
        try:
            with transaction.atomic():
                Sequence.objects.create(name=name, value=1)
                return 1
        except IntegrityError:
            # Another transaction created it first; fall through to the locked update.
            value = _increment(name)
    return value


def _increment(name: str) -> int | None:
    """``UPDATE … RETURNING`` (PostgreSQL, SQLite ≥ 3.35): the new value in one statement,
    or None when the counter does not exist yet. Raw SQL because the ORM's update() cannot
    return values, and a second SELECT costs a statement on every case number."""
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value",  # noqa: S608
            [name],
        )
        row = cursor.fetchone()
    return row[0] if row else None
