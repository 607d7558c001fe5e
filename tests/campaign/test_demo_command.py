"""load_campaign_demo: the briefing's story as demo data, moved to the current period,
idempotent and deterministic."""

from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import at
from wenming.campaign.management.commands.load_campaign_demo import DATA
from wenming.campaign.models import (
    CampaignEvent,
    EvaluationDate,
    Evidence,
    Occurrence,
    Pairing,
    Plan,
    Registration,
    UnitPlan,
)

pytestmark = pytest.mark.django_db

TITLE = "聊城市2026年-2028年创建全国文明城市实施方案（示例，按当前年份）"


def snapshot():
    return sorted(
        Occurrence.objects.values_list(
            "task__code", "key", "due", "status", "submitted_at", "completed_at", "version"
        )
    )


def test_loads_the_plan_for_the_current_period_and_is_idempotent(
    cast, criteria, briefing_units, clock, capsys
):
    clock.set(at("2026-06-10 09:00"))
    call_command("load_campaign_demo")
    first_out = capsys.readouterr().out
    first = snapshot()
    events = CampaignEvent.objects.filter(action__startswith="occurrence_").count()
    call_command("load_campaign_demo")
    second_out = capsys.readouterr().out

    plan = Plan.objects.get()
    assert (plan.title, plan.start_year, plan.end_year) == (TITLE, 2026, 2028)
    assert plan.tasks.count() == 8
    assert list(EvaluationDate.objects.order_by("date").values_list("name", "date")) == [
        ("2026年度年中测评", date(2026, 7, 15)),
        ("2026年度实地测评", date(2026, 11, 10)),
        ("2027年度实地测评", date(2027, 10, 20)),
        ("2028年度实地测评", date(2028, 10, 25)),
    ]
    assert plan.tasks.get(code="1.1").deadline == date(2026, 3, 31)
    # Something falls due in the coming month, nothing before the plan's first year.
    assert Occurrence.objects.filter(
        due__gte=date(2026, 6, 10), due__lte=date(2026, 7, 10)
    ).exists()
    assert not Occurrence.objects.filter(due__lt=date(2026, 1, 1)).exists()

    # The police's monthly task (its lead unit has a handler) has a history; a mix of outcomes.
    statuses = Counter(
        Occurrence.objects.filter(
            task__lead_unit__name="市公安局交警支队", due__lt=date(2026, 6, 7)
        ).values_list("status", flat=True)
    )
    assert statuses == {"accepted": 4, "returned": 1}
    accepted = Occurrence.objects.filter(status=Occurrence.Status.ACCEPTED)
    on_time = [o for o in accepted if timezone.localtime(o.completed_at).date() <= o.due]
    assert (len(on_time), accepted.count()) == (3, 4)
    assert Occurrence.objects.get(status="returned").review_note == (
        "佐证材料不全，请补充现场照片（演示）。"
    )
    reported = Occurrence.objects.exclude(submitted_at=None)
    assert reported.count() == sum(statuses.values()) - statuses[Occurrence.Status.OPEN]
    for occ in reported.filter(status=Occurrence.Status.ACCEPTED):
        assert occ.completed_at == occ.submitted_at and occ.reviewed_by.username == "office"
        assert occ.submitted_by.username == "other_handler"
    assert Evidence.objects.count() == reported.count()
    # Units without a handler account report nothing: their past occurrences stay open.
    assert (
        not Occurrence.objects.exclude(task__lead_unit__name="市公安局交警支队")
        .exclude(status=Occurrence.Status.OPEN)
        .exists()
    )
    # Nothing in the future was touched; every simulated moment is in the past.
    assert not reported.filter(due__gte=date(2026, 6, 10)).exists()
    assert all(o.submitted_at < at("2026-06-10 09:00") for o in reported)

    # Second run: nothing changes, and it says so.
    assert snapshot() == first
    assert events == 10  # 5 submissions, 4 acceptances, 1 return
    assert CampaignEvent.objects.filter(action__startswith="occurrence_").count() == events
    assert "simulated reports:" in first_out
    assert TITLE + ": 8 tasks; 2 pairings; no new simulated reports (already loaded)." in (
        second_out
    )

    unit_plan = UnitPlan.objects.get()
    assert (unit_plan.title, unit_plan.year) == ("市审计局2026年度文明创建工作计划", 2026)
    assert unit_plan.members.count() == 3
    assert sorted(Pairing.objects.values_list("unit__name", "community__code")) == [
        ("市审计局", "371502001004"),
        ("市工业行业服务中心", "371502001001"),
    ]
    assert Registration.objects.count() == 2


def test_history_is_deterministic(cast, criteria, briefing_units, clock):
    clock.set(at("2026-11-29 18:00"))
    call_command("load_campaign_demo")
    outcomes = [
        (code, key, status)
        for code, key, _due, status, *_ in snapshot()
        if status != Occurrence.Status.OPEN
    ]
    Plan.objects.all().delete()
    call_command("load_campaign_demo")
    assert [
        (code, key, status)
        for code, key, _due, status, *_ in snapshot()
        if status != Occurrence.Status.OPEN
    ] == outcomes
    assert Counter(s for *_, s in outcomes) == {"accepted": 8, "returned": 1, "submitted": 1}
    assert len(outcomes) == 10


def test_the_shipped_file_stays_as_its_source(cast, criteria, briefing_units, clock):
    clock.set(at("2026-03-01 09:00"))
    call_command("load_campaign_demo")
    wb = load_workbook(DATA / "example_plan.xlsx", read_only=True)
    rows = {r[0]: r[1] for r in wb["方案"].iter_rows(values_only=True)}
    assert (rows["起始年份"], rows["结束年份"]) == (2021, 2023)
    assert rows["方案名称"] == "聊城市2021年-2023年创建全国文明城市实施方案（示例）"


def test_needs_the_standard(cast, briefing_units):
    with pytest.raises(CommandError) as e:
        call_command("load_campaign_demo")
    assert "load_inspections_demo" in str(e.value)
    assert Plan.objects.count() == 0
