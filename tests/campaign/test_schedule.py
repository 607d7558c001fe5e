"""Occurrences of recurring tasks: months, quarters, evaluations, holidays, idempotence."""

from datetime import date

import pytest

from wenming.campaign import services
from wenming.campaign.models import CampaignEvent, Occurrence
from wenming.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def dues(task):
    return {o.key: (o.nominal_due, o.due) for o in Occurrence.objects.filter(task=task)}


def test_monthly_moves_off_spring_festival_national_day_and_weekends(world, cast, plan):
    task = services.task_update(
        cast.office,
        plan.monthly.pk,
        code="4.1",
        title="文明交通志愿劝导",
        lead_unit_id=world.police.pk,
        frequency="monthly",
        due_day=12,
        evidence_kinds=["photos"],
    )
    d = dues(task)
    assert len(d) == 12
    # 2021-02-12 is 春节 (holiday 11-17 Feb); 18-19 Feb are working days (Thu, Fri).
    assert d["2021-02"] == (date(2021, 2, 12), date(2021, 2, 18))
    # 2021-06-12 is a Saturday before 端午 (12-14 June off): next working day 15 June.
    assert d["2021-06"] == (date(2021, 6, 12), date(2021, 6, 15))
    # 2021-09-12 is a Sunday.
    assert d["2021-09"] == (date(2021, 9, 12), date(2021, 9, 13))
    # An ordinary Tuesday stays.
    assert d["2021-01"] == (date(2021, 1, 12), date(2021, 1, 12))


def test_monthly_last_day_and_national_day(world, cast, plan):
    task = services.task_update(
        cast.office,
        plan.monthly.pk,
        code="4.1",
        title="x",
        lead_unit_id=world.police.pk,
        frequency="monthly",
        due_day="",
    )
    d = dues(task)
    assert d["2021-02"] == (date(2021, 2, 28), date(2021, 3, 1))  # Sunday → Monday
    assert d["2021-04"] == (date(2021, 4, 30), date(2021, 4, 30))  # Friday before 劳动节
    assert d["2021-10"] == (date(2021, 10, 31), date(2021, 11, 1))
    # Day 31 in a 30-day month is clipped to the 30th.
    task = services.task_update(
        cast.office,
        task.pk,
        code="4.1",
        title="x",
        lead_unit_id=world.police.pk,
        frequency="monthly",
        due_day=31,
    )
    assert dues(task)["2021-09"] == (date(2021, 9, 30), date(2021, 9, 30))


def test_quarterly_and_national_day(world, cast, plan):
    task = services.task_create(
        cast.office,
        plan.plan.pk,
        code="9",
        title="季度任务",
        lead_unit_id=world.police.pk,
        frequency="quarterly",
        due_day=1,
    )
    d = dues(task)
    assert sorted(d) == ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]
    assert d["2021Q1"] == (date(2021, 3, 1), date(2021, 3, 1))
    assert d["2021Q4"] == (date(2021, 12, 1), date(2021, 12, 1))
    task = services.task_update(
        cast.office,
        task.pk,
        code="9",
        title="季度任务",
        lead_unit_id=world.police.pk,
        frequency="quarterly",
        due_day=30,
    )
    d = dues(task)
    assert d["2021Q3"] == (date(2021, 9, 30), date(2021, 9, 30))
    assert d["2021Q2"] == (date(2021, 6, 30), date(2021, 6, 30))


def test_before_each_evaluation_over_national_day(world, cast, plan):
    task = services.task_create(
        cast.office,
        plan.plan.pk,
        code="8",
        title="测评前材料",
        lead_unit_id=world.sanitation.pk,
        frequency="before_evaluation",
        due_day=10,
    )
    assert dues(task) == {}
    ev = services.evaluation_add(
        cast.office, plan.plan.pk, name="实地测评", date_value="2021-10-11"
    )
    d = dues(task)
    # 10 days before 11 October is 1 October (国庆节, 1-7 off): due 8 October.
    assert d == {f"eval-{ev.pk}": (date(2021, 10, 1), date(2021, 10, 8))}
    assert Occurrence.objects.get(task=task).label == "实地测评前"


def test_generation_is_idempotent_and_keeps_reported_work(world, cast, plan):
    before = Occurrence.objects.count()
    assert before == 13  # 1 once + 12 monthly
    counts = services.occurrences_generate(cast.office, plan.plan.pk)
    assert counts == {"created": 0, "updated": 0, "removed": 0}
    assert Occurrence.objects.count() == before
    # Narrowing the plan's period: open occurrences outside are removed, none duplicated.
    services.plan_update(
        cast.office, plan.plan.pk, title=plan.plan.title, start_year=2021, end_year=2022
    )
    assert Occurrence.objects.filter(task=plan.monthly).count() == 24
    services.occurrences_generate(cast.office, plan.plan.pk)
    assert Occurrence.objects.filter(task=plan.monthly).count() == 24
    assert CampaignEvent.objects.filter(action="occurrences_generate").count() == 2


def test_generate_refused_for_non_office(world, cast, plan):
    with pytest.raises(ApplicationError) as e:
        services.occurrences_generate(cast.handler, plan.plan.pk)
    assert e.value.status == 403
    with pytest.raises(ApplicationError) as e:
        services.occurrences_generate(cast.outsider, plan.plan.pk)
    assert e.value.status == 404
    with pytest.raises(ApplicationError) as e:
        services.occurrences_generate(cast.office, 999999)
    assert e.value.status == 404


def test_schedule_property_due_is_next_working_day():
    """For any day of the month and any year the package covers, every due date is a working
    day on or after the scheduled date, and no working day lies between them."""
    from datetime import timedelta

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from wenming.campaign.models import Plan, Task
    from wenming.campaign.schedule import WorkingDays, schedule
    from wenming.core.calendar import day_info

    days = WorkingDays()

    @settings(max_examples=25, deadline=None)
    @given(
        year=st.integers(2005, 2025),
        due_day=st.one_of(st.none(), st.integers(1, 31)),
        frequency=st.sampled_from(["monthly", "quarterly"]),
    )
    def check(year, due_day, frequency):
        task = Task(plan=Plan(start_year=year, end_year=year), frequency=frequency, due_day=due_day)
        out = schedule(task, [], days)
        assert len(out) == (12 if frequency == "monthly" else 4)
        for d in out:
            assert d.due >= d.nominal and day_info(d.due).is_workday
            gap = d.nominal
            while gap < d.due:
                assert not day_info(gap).is_workday
                gap += timedelta(days=1)
        assert len({d.key for d in out}) == len(out)

    check()
