"""Two users acting on one case at the same moment: exactly one succeeds.

Runs with real concurrent connections (threads, each with its own connection) on the
configured database: on PostgreSQL the row lock (SELECT … FOR UPDATE) serialises them, on
SQLite the IMMEDIATE transaction mode does.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.conftest import TIETA
from wenming.cases import services
from wenming.cases.models import Case, CaseEvent
from wenming.core.errors import ApplicationError


def _race(calls):
    """Run the callables at the same moment on separate connections; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            outcomes[i] = "ok"
        except ApplicationError as e:
            outcomes[i] = e.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def _slow_lock(monkeypatch):
    """Hold the lock a little longer so that the two transactions really overlap."""
    import time

    real = services._lock

    def slow(actor, case_id, expected_version):
        case = real(actor, case_id, expected_version)
        time.sleep(0.2)
        return case

    monkeypatch.setattr(services, "_lock", slow)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repeat", range(3))
def test_verify_and_rework_at_once(world, cast, monkeypatch, repeat):
    case = services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    services.case_dispatch(cast.office, case.pk)
    services.case_accept(cast.handler, case.pk)
    services.case_submit(cast.handler, case.pk, note="done")
    _slow_lock(monkeypatch)
    outcomes = _race(
        [
            lambda: services.case_verify(cast.inspector, case.pk),
            lambda: services.case_rework(cast.office, case.pk, reason="no"),
        ]
    )
    assert sorted(outcomes) == ["invalid_transition", "ok"]
    case.refresh_from_db()
    assert case.version == 5
    assert CaseEvent.objects.filter(case=case).count() == 5
    assert list(CaseEvent.objects.filter(case=case).values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
    ]
    if outcomes[0] == "ok":
        assert (case.status, case.rework_count) == ("closed", 0)
    else:
        assert (case.status, case.rework_count) == ("accepted", 1)


@pytest.mark.django_db(transaction=True)
def test_two_dispatches_at_once(world, cast, monkeypatch):
    case = services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    _slow_lock(monkeypatch)
    outcomes = _race(
        [
            lambda: services.case_dispatch(cast.office, case.pk, unit_id=world.sanitation.pk),
            lambda: services.case_dispatch(cast.office, case.pk, unit_id=world.police.pk),
        ]
    )
    assert sorted(outcomes) == ["invalid_transition", "ok"]
    case = Case.objects.get(pk=case.pk)
    assert case.status == "dispatched"
    assert CaseEvent.objects.filter(case=case, action="dispatch").count() == 1
    assert case.unit_id == CaseEvent.objects.get(case=case, action="dispatch").data["unit_id"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_distinct_numbers(world, cast):
    outcomes = _race(
        [
            lambda i=i: services.case_report(
                cast.office,
                title=f"t{i}",
                category_id=world.category.pk,
                lat=TIETA[0],
                lon=TIETA[1],
            )
            for i in range(4)
        ]
    )
    assert outcomes == ["ok"] * 4
    numbers = sorted(Case.objects.values_list("number", flat=True))
    year = numbers[0][:4]
    assert numbers == [f"{year}00000{i}" for i in range(1, 5)]


def test_runs_on_the_configured_database():
    # Documents which backend this run exercised (CI runs both).
    assert connection.vendor in ("sqlite", "postgresql")
