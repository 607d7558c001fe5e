"""Gapless named counters."""

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Sequence


def next_value(name: str) -> int:
    """Return the next value (1, 2, …) of the counter ``name``.

    Must run inside the caller's transaction so that a rolled-back caller leaves no gap.
    The ``UPDATE … SET value = value + 1`` takes the row lock (PostgreSQL) or the database
    write lock (SQLite), so concurrent callers are serialised.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must run inside a transaction")
    updated = Sequence.objects.filter(name=name).update(value=F("value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                Sequence.objects.create(name=name, value=1)
                return 1
        except IntegrityError:
            # Another transaction created it first; fall through to the locked update.
            Sequence.objects.filter(name=name).update(value=F("value") + 1)
    return Sequence.objects.get(name=name).value
