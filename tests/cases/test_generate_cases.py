"""manage.py generate_cases: realistic cases; the bulk path writes what the services write."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import at
from wenming.cases.management.commands.generate_cases import generate
from wenming.cases.models import Case, CaseEvent
from wenming.core.models import Sequence
from wenming.geo import locate

pytestmark = pytest.mark.django_db

NOW = at("2021-06-30 18:00")
ALL_ACTIONS = {"report", "dispatch", "accept", "return", "submit", "verify", "rework", "reject", "merge", "merged_in"}  # fmt: skip


def snapshot() -> tuple[list[dict], list[dict], dict[str, int]]:
    """Every case and event row without ids; case references by number."""
    numbers = dict(Case.objects.values_list("id", "number"))
    cases = []
    for row in Case.objects.order_by("number").values():
        row.pop("id")
        row["merged_into_id"] = numbers.get(row["merged_into_id"])
        row["recurrence_of_id"] = numbers.get(row["recurrence_of_id"])
        cases.append(row)
    events = []
    for row in CaseEvent.objects.order_by("case__number", "seq").values():
        row.pop("id")
        row["case_id"] = numbers[row["case_id"]]
        if "into_id" in row["data"]:
            row["data"]["into_id"] = numbers[row["data"]["into_id"]]
        if row["action"] == "merged_in":
            row["data"]["case_id"] = numbers[row["data"]["case_id"]]
        if row["data"].get("recurrence_of"):
            row["data"]["recurrence_of"] = numbers[row["data"]["recurrence_of"]]
        events.append(row)
    sequences = dict(Sequence.objects.filter(name__startswith="case:").values_list("name", "value"))
    return cases, events, sequences


def reset() -> None:
    CaseEvent.objects.all().delete()
    Case.objects.update(merged_into=None)
    Case.objects.all().delete()
    Sequence.objects.filter(name__startswith="case:").delete()


def assert_same(a, b) -> None:
    cases_a, events_a, seq_a = a
    cases_b, events_b, seq_b = b
    assert len(cases_a) == len(cases_b)
    for row_a, row_b in zip(cases_a, cases_b, strict=True):
        assert row_a == row_b, row_a["number"]
    assert len(events_a) == len(events_b)
    for row_a, row_b in zip(events_a, events_b, strict=True):
        assert row_a == row_b, (row_a["case_id"], row_a["seq"])
    assert seq_a == seq_b


def test_bulk_writes_exactly_what_the_services_write(world, cast):
    locate.invalidate()
    through_services = generate(150, seed=22, years=0.5, now=NOW)
    by_services = snapshot()
    cases, events, sequences = by_services
    # The scenario covers every transition and every final state.
    assert {e["action"] for e in events} == ALL_ACTIONS
    assert {c["status"] for c in cases} == {
        "reported",
        "dispatched",
        "accepted",
        "submitted",
        "closed",
        "returned",
        "rejected",
        "merged",
    }
    assert len(cases) == through_services.cases == 150
    assert len(events) == through_services.events
    assert set(sequences) == {"case:2020", "case:2021"}  # half a year back from 2021-06-30
    assert sum(sequences.values()) == 150

    reset()
    in_bulk = generate(150, seed=22, years=0.5, now=NOW, bulk=True, batch_size=40)
    assert (in_bulk.cases, in_bulk.events) == (through_services.cases, through_services.events)
    assert_same(by_services, snapshot())


def test_same_seed_same_cases_and_numbers_continue(world, cast):
    locate.invalidate()
    generate(120, seed=3, now=NOW, bulk=True)
    first = snapshot()
    reset()
    generate(120, seed=3, now=NOW, bulk=True, batch_size=7)
    assert_same(first, snapshot())
    reset()
    generate(120, seed=4, now=NOW, bulk=True)
    assert snapshot()[0] != first[0]

    # A later run (either path) continues the yearly numbers without collisions.
    before = Case.objects.count()
    generate(30, seed=5, now=NOW, bulk=True)
    generate(10, seed=6, now=NOW)
    assert Case.objects.count() == before + 40
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    per_year = Counter(n[:4] for n in numbers)
    assert dict(Sequence.objects.filter(name__startswith="case:").values_list("name", "value")) == {
        f"case:{year}": n for year, n in per_year.items()
    }


def test_generated_ledger_is_realistic(world, cast):
    locate.invalidate()
    out = StringIO()
    with translation.override("en"):
        call_command(
            "generate_cases", "--count", "400", "--seed", "2", "--bulk", "--now", "2021-06-30T18:00:00+08:00", stdout=out
        )  # fmt: skip
    assert "400 cases" in out.getvalue()
    assert Case.objects.count() == 400
    assert CaseEvent.objects.filter(action="report").count() == 400
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses.most_common(1)[0][0] == "closed"
    assert statuses["closed"] > 0.6 * 400
    assert Counter(Case.objects.values_list("source", flat=True)).keys() == {
        "inspection",
        "public",
        "hotline",
        "leader",
        "media",
        "evaluation",
    }
    assert not Case.objects.filter(grid=None).exists()
    assert not Case.objects.filter(reported_at__gt=NOW).exists()
    assert not Case.objects.filter(reported_at__lt=NOW - timedelta(days=2 * 365)).exists()
    assert not CaseEvent.objects.filter(at__gt=NOW).exists()
    # Cases held by a unit have a unit and a deadline; closed ones their on-time flags.
    held = Case.objects.filter(status__in=["dispatched", "accepted", "submitted", "closed"])
    assert not held.filter(unit=None).exists() and not held.filter(deadline=None).exists()
    assert not Case.objects.filter(status="closed", closed_on_time=None).exists()
    on_time = Case.objects.filter(status="closed", rectified_on_time=True).count()
    assert 0.6 < on_time / statuses["closed"] < 1
    # The category's deadline rule: 垃圾清运不及时 (4 working hours) vs 线路杂乱 (5 working days).
    for case in Case.objects.filter(status="closed").select_related("category")[:50]:
        hours = (case.deadline - case.dispatched_at).total_seconds() / 3600
        assert hours < 24 * 8 if case.category.code == "CC05" else hours > 24 * 4
    # Each merged case points to an earlier case, which was open when merged.
    for case in Case.objects.filter(status="merged").select_related("merged_into"):
        target = case.merged_into
        assert target.reported_at < case.reported_at
        assert target.closed_at is None or case.closed_at < target.closed_at


def test_demo_world(django_user_model):
    locate.invalidate()
    call_command("load_reference", stdout=StringIO())
    with pytest.raises(CommandError, match="load_demo"), translation.override("en"):
        call_command("generate_cases", "--count", "5", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    # The real routing rules (category x subdistrict, community, property company) route
    # the bulk path's cases as propose_unit() routes the services'.
    generate(80, seed=1, now=NOW)
    by_services = snapshot()
    reset()
    generate(80, seed=1, now=NOW, bulk=True)
    assert_same(by_services, snapshot())
    generate(280, seed=2, now=NOW, bulk=True)
    assert Case.objects.count() == 360
    cases = Case.objects.all()
    assert not cases.filter(proposed_unit=None).exists()
    assert not cases.filter(supervision_grid=None).exists()
    assert not cases.filter(subdistrict=None).exists()
    assert cases.filter(subdistrict__code="371502001").exists()
    units = Counter(cases.exclude(unit=None).values_list("unit__kind", flat=True))
    assert {"department", "subdistrict_office"} <= set(units)
    # Handlers were generated for the units that had none, with unusable passwords.
    generated = django_user_model.objects.filter(username__startswith="gen-handler-")
    assert generated.exists()
    assert not any(u.has_usable_password() for u in generated)
    locate.invalidate()


def test_if_empty_generates_only_into_an_empty_ledger(world, cast):
    locate.invalidate()
    out = StringIO()
    call_command(
        "generate_cases",
        "--count",
        "12",
        "--bulk",
        "--now",
        NOW.isoformat(),
        "--if-empty",
        stdout=out,
    )
    assert Case.objects.count() == 12
    events = CaseEvent.objects.count()
    out = StringIO()
    call_command("generate_cases", "--count", "12", "--if-empty", stdout=out)
    assert out.getvalue() == "问题台账中已有问题，未生成新数据。\n"
    assert (Case.objects.count(), CaseEvent.objects.count()) == (12, events)
