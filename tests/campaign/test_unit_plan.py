"""A unit's own annual plan with its leading group and contact person."""

import pytest

from wenming.campaign import services
from wenming.campaign.models import CampaignEvent, LeadingGroupMember, UnitPlan
from wenming.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

MEMBERS = [
    {"name": "张三", "position": "局长", "role": "组长"},
    {"name": "李四", "position": "副局长", "role": "副组长"},
    {"name": "", "position": "", "role": ""},
    {"name": "王五", "position": "办公室主任", "role": "成员"},
]


def save(user, world, **kw):
    fields = dict(
        unit_id=world.sanitation.pk,
        year=2021,
        title="市环卫处2021年度文明创建工作计划",
        division_of_work="办公室负责材料申报；各科室按分工落实。",
        contact_name="赵六",
        contact_phone="0635-8888888",
        members=MEMBERS,
    )
    fields.update(kw)
    return services.unit_plan_save(user, **fields)


def test_handler_records_and_replaces(world, cast):
    plan = save(cast.handler, world)
    assert [(m.role, m.name, m.position) for m in plan.members.all()] == [
        ("组长", "张三", "局长"),
        ("副组长", "李四", "副局长"),
        ("成员", "王五", "办公室主任"),
    ]
    assert plan.contact_name == "赵六"
    save(cast.office, world, members=MEMBERS[:1], contact_name="钱七")
    assert UnitPlan.objects.count() == 1 and LeadingGroupMember.objects.count() == 1
    assert UnitPlan.objects.get().contact_name == "钱七"
    assert list(CampaignEvent.objects.values_list("action", flat=True)) == [
        "unit_plan_create",
        "unit_plan_update",
    ]


@pytest.mark.parametrize(
    "bad, code",
    [
        ({"year": "二〇二一"}, "invalid_year"),
        ({"year": 1999}, "invalid_year"),
        ({"title": ""}, "required"),
        ({"contact_phone": "call me"}, "invalid_phone"),
        ({"members": [{"name": "张三", "position": "局长", "role": ""}]}, "required"),
        ({"members": [{"name": "张" * 51, "role": "组长"}]}, "too_long"),
    ],
)
def test_bad_input(world, cast, bad, code):
    with pytest.raises(ApplicationError) as e:
        save(cast.handler, world, **bad)
    assert e.value.code == code and e.value.status == 400
    assert UnitPlan.objects.count() == 0 and CampaignEvent.objects.count() == 0


def test_other_unit_404(world, cast):
    for user in (cast.other_handler, cast.outsider, cast.leader):
        with pytest.raises(ApplicationError) as e:
            save(user, world)
        assert e.value.status == 404
    assert UnitPlan.objects.count() == 0
