"""wenming.core.inserts: rows written with the statement compiled once per process are the
rows the ORM writes, on whichever database the suite runs."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.db.transaction import TransactionManagementError
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from tests.conftest import at
from wenming.cases.models import Case, CaseEvent
from wenming.core import inserts
from wenming.core.inserts import insert

TIETA = (36.4567, 115.9871)


def case_fields(world, cast, **kw):
    return {
        "title": "垃圾桶满溢 <b>",
        "description": "铁塔社区门口\n垃圾桶满了",
        "category": world.category,
        "source": "office",
        "lat": TIETA[0],
        "lon": TIETA[1],
        "address": "铁塔社区",
        "county": world.dongchangfu,
        "subdistrict": world.gulou,
        "community": world.tieta,
        "grid": world.grid_tieta,
        "supervision_grid_id": world.ninth.pk,
        "near_boundary": True,
        "routing_note": "边界附近",
        "proposed_unit": world.sanitation,
        "reporter": cast.office,
        "reported_at": at("2021-03-01 09:00:00.123456"),
        "version": 1,
        **kw,
    }


def row(obj) -> dict:
    """Every column of the stored row, read back from the database."""
    stored = type(obj).objects.get(pk=obj.pk)
    data = model_to_dict(stored)
    data.pop("id")
    return data


def test_a_row_written_by_insert_equals_the_row_the_orm_writes(world, cast):
    by_orm = Case.objects.create(number="2021000001", **case_fields(world, cast))
    (by_insert,) = insert(Case(number="2021000002", **case_fields(world, cast)))
    assert isinstance(by_insert.pk, int) and by_insert.pk != by_orm.pk
    assert by_insert._state.adding is False and by_insert._state.db == "default"
    a, b = row(by_orm), row(by_insert)
    assert (a.pop("number"), b.pop("number")) == ("2021000001", "2021000002")
    assert a == b
    assert b["reported_at"] == at("2021-03-01 09:00:00.123456")
    assert b["title"] == "垃圾桶满溢 <b>" and b["grid"] == world.grid_tieta.pk


def test_several_rows_in_one_statement_get_their_own_keys_in_order(world, cast):
    case = Case.objects.create(number="2021000001", **case_fields(world, cast))
    events = [
        CaseEvent(case=case, seq=n, action="report", at=at("2021-03-01 09:00"), data={"n": n})
        for n in (1, 2, 3)
    ]
    with CaptureQueriesContext(connection) as queries:
        written = insert(*events)
    assert written == events
    # SQLite: one statement; PostgreSQL: one a row (its several-row form is an UNNEST).
    assert len(queries) == (3 if connection.vendor == "postgresql" else 1)
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    for n, event in enumerate(events, start=1):
        stored = CaseEvent.objects.get(pk=event.pk)
        assert (stored.seq, stored.data, stored.case_id) == (n, {"n": n}, case.pk)


def test_json_and_empty_values_round_trip(world, cast):
    case = Case.objects.create(number="2021000001", **case_fields(world, cast))
    data = {"note": '整改 "完成"', "ids": [1, 2], "none": None, "nested": {"a": "乙"}}
    (event,) = insert(CaseEvent(case=case, seq=1, action="report", at=at("2021-03-01 09:00"),
                                data=data, actor=None, note=""))  # fmt: skip
    stored = CaseEvent.objects.get(pk=event.pk)
    assert (stored.data, stored.actor_id, stored.note) == (data, None, "")


def test_the_statement_is_compiled_once_per_model_and_row_count(world, cast, monkeypatch):
    monkeypatch.setattr(inserts, "_compiled", {})
    compiled = []
    real = inserts.InsertQuery

    def counting(model):
        compiled.append(model)
        return real(model)

    monkeypatch.setattr(inserts, "InsertQuery", counting)
    for n in range(3):
        insert(Case(number=f"202100000{n}", **case_fields(world, cast)))
    assert compiled == [Case]
    case = Case.objects.get(number="2021000000")
    insert(CaseEvent(case=case, seq=1, action="report", at=at("2021-03-01 09:00")))
    insert(CaseEvent(case=case, seq=2, action="report", at=at("2021-03-01 09:00")))
    assert compiled == [Case, CaseEvent]
    assert Case.objects.count() == 3 and CaseEvent.objects.count() == 2


def test_an_expression_value_is_written_through_the_orm(world, cast):
    case = Case.objects.create(number="2021000001", **case_fields(world, cast))
    (event,) = insert(CaseEvent(case=case, seq=1, action="report", at=Now()))
    stored = CaseEvent.objects.get(pk=event.pk)
    assert stored.at is not None and stored.at.tzinfo is not None


def test_a_constraint_violation_raises_and_writes_nothing(world, cast):
    Case.objects.create(number="2021000001", **case_fields(world, cast))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Case(number="2021000001", **case_fields(world, cast, title="另一个")))
    assert list(Case.objects.values_list("title", flat=True)) == ["垃圾桶满溢 <b>"]


def test_instances_of_two_models_are_refused(world, cast):
    case = Case(number="2021000001", **case_fields(world, cast))
    event = CaseEvent(seq=1, action="report", at=at("2021-03-01 09:00"))
    with pytest.raises(TypeError):
        insert(case, event)
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0
    assert insert() == []


def test_an_unsaved_related_object_is_refused_and_one_saved_since_is_taken(world, cast):
    unsaved = Case(number="2021000001", **case_fields(world, cast))
    event = CaseEvent(case=unsaved, seq=1, action="report", at=at("2021-03-01 09:00"))
    with pytest.raises(ValueError, match="unsaved related object 'case'"):
        insert(event)
    assert CaseEvent.objects.count() == 0
    insert(unsaved)  # saved after the event was given it: the event takes its id
    (event,) = insert(event)
    assert CaseEvent.objects.get(pk=event.pk).case_id == unsaved.pk


def test_a_failed_insert_marks_the_transaction_for_rollback(world, cast):
    Case.objects.create(number="2021000001", **case_fields(world, cast))
    with transaction.atomic():
        insert(Case(number="2021000002", **case_fields(world, cast)))
        with pytest.raises(IntegrityError):
            insert(Case(number="2021000001", **case_fields(world, cast)))
        with pytest.raises(TransactionManagementError):
            Case.objects.count()  # as after a failed save(): nothing more in this block
    assert list(Case.objects.values_list("number", flat=True)) == ["2021000001"]


@pytest.mark.django_db(transaction=True)
def test_several_rows_outside_a_transaction_are_all_or_nothing(world, cast):
    case = Case.objects.create(number="2021000001", **case_fields(world, cast))
    CaseEvent.objects.create(case=case, seq=2, action="report", at=at("2021-03-01 09:00"))
    rows = [CaseEvent(case=case, seq=n, action="report", at=at("2021-03-01 09:00")) for n in (1, 2)]
    with pytest.raises(IntegrityError):
        insert(*rows)
    assert list(CaseEvent.objects.values_list("seq", flat=True)) == [2]
