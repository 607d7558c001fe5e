"""INSERTs of the ledger's hot rows with the statement compiled once per process.

``Model.objects.create()`` and ``bulk_create()`` compile their INSERT on every call: for a
25-column case row that is most of the statement's cost in Python. A report is written in
one transaction, under SQLite's database write lock or PostgreSQL's lock on the case
counter's row (:mod:`wenming.core.sequences`), so that compile time is also time in which the
other gunicorn worker waits. :func:`insert` keeps the SQL Django's own compiler produced for
the model and the number of rows, and per call only prepares the values, field by field, the
way that compiler does (``pre_save`` then ``get_db_prep_save``).

What it does not do, by design: send ``pre_save``/``post_save`` signals (the project has no
receivers: logic lives in services) and insert expressions (a value with
``resolve_expression`` goes through the ORM instead). Models whose fields need their own
placeholders (GIS) are written through the ORM too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)

# (alias, model, row count, pk given) -> (sql, fields, returning_params) or None (not
# compilable here: use the ORM). Per process; the SQL depends only on the schema, which
# does not change while the process runs (migrations restart the workers).
_compiled: dict[tuple, tuple | None] = {}


def _compile(alias: str, model: type[Model], rows: int, pk_given: bool):
    key = (alias, model, rows, pk_given)
    if key in _compiled:
        return _compiled[key]
    opts = model._meta
    fields = [f for f in opts.local_concrete_fields if not getattr(f, "generated", False)]
    if not pk_given:
        fields = [f for f in fields if f is not opts.auto_field]
    plan = None
    if not any(hasattr(f, "get_placeholder") for f in fields):
        # Compiled on blank instances: only the SQL is kept, never these values.
        query = InsertQuery(model)
        query.insert_values(fields, [model() for _ in range(rows)])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = [opts.pk]
        statements = compiler.as_sql()
        if len(statements) == 1:
            sql = statements[0][0]
            # One "%s" a value: anything else (a field's own SQL) is left to the ORM.
            if sql.count("%s") == len(fields) * rows:
                plan = (sql, fields, compiler.returning_params)
    _compiled[key] = plan
    return plan


def insert(*objs: M, using: str = DEFAULT_DB_ALIAS) -> list[M]:
    """Insert ``objs`` (unsaved instances of one model, 1 or more) and set their primary
    keys; returns them. Equivalent to ``bulk_create(objs)`` for plain field values, with the
    statement compiled once per process: one statement for all rows on SQLite, one a row on
    PostgreSQL (whose several-row form Django writes with arrays).

    Must run where the ORM's write would (inside the caller's transaction for the ledger's
    rows). Raises what the database raises (IntegrityError …), like ``bulk_create``.
    """
    if not objs:
        return []
    model = type(objs[0])
    if any(type(o) is not model for o in objs):
        raise TypeError("insert() takes instances of one model")
    opts = model._meta
    for obj in objs:
        # As Model.save(): refuse an unsaved related object, take the id of one saved since
        # it was assigned, and give a primary key with a default (a UUID) its value.
        obj._prepare_related_fields_for_save(operation_name="insert")
        if obj.pk is None:
            value = opts.pk.get_pk_value_on_save(obj)
            if value is not None:
                setattr(obj, opts.pk.attname, value)
    return _insert_prepared(model, objs, using)


def _insert_prepared(model: type[M], objs: Sequence[M], using: str) -> list[M]:
    """:func:`insert` once its rows' related objects and keys are prepared."""
    connection = connections[using]
    opts = model._meta
    pk_given = objs[0].pk is not None
    if any((o.pk is not None) != pk_given for o in objs):
        return model._default_manager.using(using).bulk_create(list(objs))
    plan = None
    if connection.features.can_return_rows_from_bulk_insert or len(objs) == 1:
        plan = _compile(using, model, len(objs), pk_given)
    if plan is None and len(objs) > 1:
        # PostgreSQL's several-row INSERT is Django's UNNEST form (one array a column), not
        # one "%s" a value: a statement a row, each compiled once, is still cheaper than
        # compiling the several-row one on every call. All rows or none, as bulk_create.
        if _compile(using, model, 1, pk_given) is not None:
            with transaction.atomic(using=using, savepoint=False):
                return [row for obj in objs for row in _insert_prepared(model, [obj], using)]
    if plan is not None:
        sql, fields, returning_params = plan
        params = []
        for obj in objs:
            for field in fields:
                value = field.pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    plan = None
                    break
                params.append(field.get_db_prep_save(value, connection))
            if plan is None:
                break
    if plan is None:
        return model._default_manager.using(using).bulk_create(list(objs))
    # A failed INSERT leaves the transaction unusable (PostgreSQL) or half done: as the ORM
    # does, the enclosing atomic block is marked to roll back.
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if len(objs) == 1:
            rows: Sequence = [
                connection.ops.fetch_returned_insert_columns(cursor, returning_params)
            ]
        else:
            rows = connection.ops.fetch_returned_insert_rows(cursor)
    for obj, row in zip(objs, rows, strict=True):
        if not pk_given:
            setattr(obj, opts.pk.attname, row[0])
        obj._state.adding = False
        obj._state.db = using
    return list(objs)
