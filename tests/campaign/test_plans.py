"""Plan and task services: validation of every field, permissions, audit rows."""

import pytest

from wenming.campaign import services
from wenming.campaign.models import CampaignEvent, EvaluationDate, Occurrence, Plan, Task
from wenming.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_plan_create_and_audit(cast):
    plan = services.plan_create(
        cast.office, title=" 2021年-2023年实施方案 ", start_year="2021", end_year=2023
    )
    assert (plan.title, plan.start_year, plan.end_year, plan.created_by) == (
        "2021年-2023年实施方案",
        2021,
        2023,
        cast.office,
    )
    event = CampaignEvent.objects.get()
    assert (event.action, event.object_type, event.object_id, event.actor) == (
        "plan_create",
        "plan",
        plan.pk,
        cast.office,
    )
    assert event.data == {"title": "2021年-2023年实施方案", "start_year": 2021, "end_year": 2023}


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"title": ""}, "required"),
        ({"title": "x" * 201}, "too_long"),
        ({"start_year": "abc"}, "invalid_year"),
        ({"start_year": 1999}, "invalid_year"),
        ({"end_year": 2020}, "invalid_period"),
        ({"end_year": 2031}, "invalid_period"),
        ({"note": ["not", "text"]}, "invalid_text"),
    ],
)
def test_plan_create_bad_input(cast, fields, code):
    data = {"title": "方案", "start_year": 2021, "end_year": 2023, **fields}
    with pytest.raises(ApplicationError) as e:
        services.plan_create(cast.office, **data)
    assert e.value.code == code and e.value.status == 400
    assert Plan.objects.count() == 0 and CampaignEvent.objects.count() == 0


def test_plan_duplicate_and_roles(cast):
    services.plan_create(cast.office, title="方案", start_year=2021, end_year=2021)
    with pytest.raises(ApplicationError) as e:
        services.plan_create(cast.office, title="方案", start_year=2021, end_year=2021)
    assert e.value.status == 409
    for user, status in (
        (cast.handler, 403),
        (cast.leader, 403),
        (cast.inspector, 404),
        (cast.outsider, 404),
    ):
        with pytest.raises(ApplicationError) as e:
            services.plan_create(user, title="别的方案", start_year=2021, end_year=2021)
        assert e.value.status == status
    assert Plan.objects.count() == 1


def test_plan_update(cast, plan):
    other = services.plan_create(cast.office, title="另一方案", start_year=2022, end_year=2022)
    with pytest.raises(ApplicationError) as e:
        services.plan_update(
            cast.office, plan.plan.pk, title="另一方案", start_year=2021, end_year=2021
        )
    assert e.value.status == 409
    with pytest.raises(ApplicationError) as e:
        services.plan_update(cast.office, 999999, title="x", start_year=2021, end_year=2021)
    assert e.value.status == 404
    services.plan_update(
        cast.office, other.pk, title="另一方案（修订）", start_year=2022, end_year=2023, note="修订"
    )
    other.refresh_from_db()
    assert (other.title, other.end_year, other.note) == ("另一方案（修订）", 2023, "修订")
    assert (
        CampaignEvent.objects.filter(action="plan_update").get().data["before"]["title"]
        == "另一方案"
    )


@pytest.mark.parametrize(
    "fields, code, status",
    [
        ({"name": ""}, "required", 400),
        ({"date_value": "2021-13-01"}, "invalid_date", 400),
        ({"date_value": "2025-10-10"}, "invalid_date", 400),
        ({"date_value": None}, "invalid_date", 400),
    ],
)
def test_evaluation_add_bad_input(cast, plan, fields, code, status):
    data = {"name": "实地测评", "date_value": "2021-10-10", **fields}
    with pytest.raises(ApplicationError) as e:
        services.evaluation_add(cast.office, plan.plan.pk, **data)
    assert (e.value.code, e.value.status) == (code, status)
    assert EvaluationDate.objects.count() == 0


def test_evaluation_duplicate_and_role(cast, plan):
    services.evaluation_add(cast.office, plan.plan.pk, name="实地测评", date_value="2021-10-10")
    with pytest.raises(ApplicationError) as e:
        services.evaluation_add(cast.office, plan.plan.pk, name="又一次", date_value="2021-10-10")
    assert e.value.status == 409
    with pytest.raises(ApplicationError) as e:
        services.evaluation_add(cast.handler, plan.plan.pk, name="x", date_value="2021-11-10")
    assert e.value.status == 403
    assert EvaluationDate.objects.count() == 1


def task_fields(world, **kw):
    data = dict(
        code="2.1", title="任务", lead_unit_id=world.police.pk, frequency="monthly", due_day=20
    )
    data.update(kw)
    return data


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"code": ""}, "required"),
        ({"code": "x" * 33}, "too_long"),
        ({"title": ""}, "required"),
        ({"lead_unit_id": ""}, "required"),
        ({"lead_unit_id": 999999}, "unknown_unit"),
        ({"lead_unit_id": "abc"}, "unknown_unit"),
        ({"cooperating_unit_ids": ["1", "x"]}, "unknown_unit"),
        ({"frequency": "weekly"}, "invalid_frequency"),
        ({"frequency": "once", "deadline": ""}, "invalid_date"),
        ({"frequency": "once", "deadline": "2030-01-01"}, "invalid_date"),
        ({"due_day": 0}, "invalid_due_day"),
        ({"due_day": "三"}, "invalid_due_day"),
        ({"frequency": "before_evaluation", "due_day": 91}, "invalid_due_day"),
        ({"criterion_ids": [999999]}, "unknown_criterion"),
        ({"evidence_kinds": ["video"]}, "invalid_evidence_kind"),
        ({"evidence_note": "x" * 501}, "too_long"),
    ],
)
def test_task_create_bad_input(world, cast, plan, fields, code):
    before = (Task.objects.count(), Occurrence.objects.count(), CampaignEvent.objects.count())
    with pytest.raises(ApplicationError) as e:
        services.task_create(cast.office, plan.plan.pk, **task_fields(world, **fields))
    assert e.value.code == code and e.value.status == 400
    assert (
        Task.objects.count(),
        Occurrence.objects.count(),
        CampaignEvent.objects.count(),
    ) == before


def test_task_create_lead_not_cooperating_and_audit(world, cast, plan):
    task = services.task_create(
        cast.office,
        plan.plan.pk,
        **task_fields(world, cooperating_unit_ids=[world.police.pk, world.gulou_office.pk]),
    )
    assert list(task.cooperating_units.all()) == [world.gulou_office]
    event = CampaignEvent.objects.filter(action="task_create").last()
    assert event.object_id == task.pk
    assert event.data["occurrences"] == {"created": 12, "updated": 0, "removed": 0}
    assert event.data["cooperating_units"] == [world.gulou_office.pk]


def test_task_update_refusals(world, cast, plan):
    with pytest.raises(ApplicationError) as e:
        services.task_update(cast.office, plan.monthly.pk, **task_fields(world, code="1.1"))
    assert e.value.status == 409
    with pytest.raises(ApplicationError) as e:
        services.task_update(cast.office, 999999, **task_fields(world))
    assert e.value.status == 404
    with pytest.raises(ApplicationError) as e:
        services.task_update(cast.handler, plan.monthly.pk, **task_fields(world))
    assert e.value.status == 403
    assert Task.objects.get(pk=plan.monthly.pk).due_day == 25


def test_accepted_occurrence_survives_schedule_change(world, cast, plan, files):
    occ = Occurrence.objects.get(task=plan.once)
    services.occurrence_submit(cast.handler, occ.pk, progress="x", files=[files.pdf()])
    services.occurrence_review(cast.office, occ.pk, decision="accept")
    services.task_update(
        cast.office,
        plan.once.pk,
        code="1.1",
        title="改为每月",
        lead_unit_id=world.sanitation.pk,
        frequency="monthly",
    )
    keys = sorted(Occurrence.objects.filter(task=plan.once).values_list("key", flat=True))
    assert keys[-1] == "once" and len(keys) == 13
    assert Occurrence.objects.get(task=plan.once, key="once").status == "accepted"


def test_evaluation_remove(world, cast, plan, files):
    task = services.task_create(
        cast.office,
        plan.plan.pk,
        code="8",
        title="测评前材料",
        lead_unit_id=world.sanitation.pk,
        frequency="before_evaluation",
        due_day=5,
    )
    first = services.evaluation_add(
        cast.office, plan.plan.pk, name="年中测评", date_value="2021-07-15"
    )
    second = services.evaluation_add(
        cast.office, plan.plan.pk, name="年度测评", date_value="2021-11-10"
    )
    assert task.occurrences.count() == 2
    for bad, status in (("x", 404), (999999, 404)):
        with pytest.raises(ApplicationError) as e:
            services.evaluation_remove(cast.office, bad)
        assert e.value.status == status
    with pytest.raises(ApplicationError) as e:
        services.evaluation_remove(cast.handler, first.pk)
    assert e.value.status == 403
    occ = task.occurrences.get(key=f"eval-{first.pk}")
    services.occurrence_submit(cast.handler, occ.pk, progress="x", files=[files.pdf()])
    with pytest.raises(ApplicationError) as e:
        services.evaluation_remove(cast.office, first.pk)
    assert e.value.status == 409
    assert EvaluationDate.objects.count() == 2
    services.evaluation_remove(cast.office, second.pk)
    assert list(task.occurrences.values_list("key", flat=True)) == [f"eval-{first.pk}"]
    assert CampaignEvent.objects.filter(action="evaluation_remove").get().data["removed"] == 1
