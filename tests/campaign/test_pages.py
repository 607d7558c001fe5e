"""Pages: overview at a glance, plan import, task form, submission and review, unit plans,
pairing and the one-click offer."""

import pytest
from django.conf import settings
from django.urls import reverse

from wenming.briefings.models import WorkItem
from wenming.campaign import services
from wenming.campaign.models import Activity, Occurrence, Plan, Task, UnitPlan

from .conftest import Upload, jpeg_bytes, pdf_bytes, stored_files

pytestmark = pytest.mark.django_db

EXAMPLE = settings.BASE_DIR / "wenming" / "campaign" / "data" / "example_plan.xlsx"


def test_overview_shows_units_behind_without_n_plus_1(
    client, cast, plan, django_assert_max_num_queries
):
    # More units and tasks must not add queries.
    for i in range(5):
        services.task_create(
            cast.office,
            plan.plan.pk,
            code=f"x{i}",
            title=f"任务{i}",
            lead_unit_id=cast.handler.memberships.get().unit_id
            if i % 2
            else plan.monthly.lead_unit_id,
            frequency="quarterly",
        )
    client.force_login(cast.office)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("campaign:overview"))
    page = r.content.decode()
    assert r.status_code == 200
    assert "哪些单位进度滞后" in page and "市环卫处" in page and "市公安局交警支队" in page
    rows = services.selectors.overview(services.scope_for(cast.office))
    police = next(r for r in rows if r["unit"].name == "市公安局交警支队")
    # Every 2021 occurrence is past due today (the plan covers 2021 only).
    assert police["due"] == police["overdue"] == police["missing"] == 12 + 3 * 4
    assert police["waiting"] == police["accepted"] == police["upcoming"] == 0
    assert f"?unit={police['unit'].pk}&amp;show=overdue" in page


def test_handler_landing_goes_to_own_occurrences(client, cast, plan):
    client.force_login(cast.handler)
    r = client.get(reverse("campaign:overview"))
    assert r.status_code == 302 and r["Location"] == reverse("campaign:occurrences")


def test_import_page_good_and_broken(client, cast, criteria, briefing_units):
    client.force_login(cast.office)
    with open(EXAMPLE, "rb") as fh:
        r = client.post(reverse("campaign:plan_import"), {"file": fh})
    plan = Plan.objects.get()
    assert (
        r.status_code == 302
        and r["Location"] == reverse("campaign:plan", args=[plan.pk]) + "?imported=1"
    )
    page = client.get(r["Location"]).content.decode()
    assert "任务分解表已导入" in page and "文明交通志愿劝导" in page
    r = client.post(reverse("campaign:plan_import"), {"file": Upload(b"MZ\x90", "plan.xlsx")})
    assert r.status_code == 400 and "文件不是 Excel 工作簿" in r.content.decode()
    r = client.post(reverse("campaign:plan_import"), {})
    assert r.status_code == 400 and "请选择文件" in r.content.decode()


def test_task_form_keeps_input_on_error(client, cast, world, plan):
    client.force_login(cast.office)
    data = {
        "action": "task",
        "code": "1.1",
        "title": "重复编号的任务",
        "lead_unit": world.police.pk,
        "frequency": "monthly",
        "due_day": "15",
        "evidence_kinds": ["photos"],
    }
    r = client.post(reverse("campaign:plan_action", args=[plan.plan.pk]), data)
    page = r.content.decode()
    assert r.status_code == 409 and "该实施方案已有此编号的任务" in page
    assert 'value="重复编号的任务"' in page and 'value="15"' in page
    data["code"] = "1.2"
    r = client.post(reverse("campaign:plan_action", args=[plan.plan.pk]), data)
    task = Task.objects.get(code="1.2")
    assert r.status_code == 302 and task.due_day == 15 and task.occurrences.count() == 12
    r = client.post(reverse("campaign:task", args=[task.pk]), {**data, "due_day": "40"})
    assert r.status_code == 400 and "完成日必须在 1 到 31 之间" in r.content.decode()
    assert Task.objects.get(pk=task.pk).due_day == 15


def test_submit_and_review_through_pages(client, cast, plan, settings):
    occ = Occurrence.objects.get(task=plan.once)
    url = reverse("campaign:occurrence", args=[occ.pk])
    client.force_login(cast.handler)
    page = client.get(url).content.decode()
    assert "申报进展并上传佐证材料" in page and "超期" in page
    r = client.post(
        reverse("campaign:occurrence_submit", args=[occ.pk]),
        {
            "progress": "已印发通知",
            "version": occ.version,
            "files": [Upload(b"MZ\x90\x00", "通知.pdf")],
        },
    )
    page = r.content.decode()
    assert r.status_code == 400 and "不接受此类文件" in page and "已印发通知" in page
    assert stored_files(settings) == []
    r = client.post(
        reverse("campaign:occurrence_submit", args=[occ.pk]),
        {
            "progress": "已印发通知",
            "version": occ.version,
            "files": [Upload(pdf_bytes(), "通知.pdf")],
        },
    )
    assert r.status_code == 302
    client.force_login(cast.office)
    page = client.get(url).content.decode()
    assert "通知.pdf" in page and "待审核" in page
    r = client.post(
        reverse("campaign:occurrence_review", args=[occ.pk]),
        {"decision": "return", "note": "", "version": 2},
    )
    assert r.status_code == 400
    r = client.post(
        reverse("campaign:occurrence_review", args=[occ.pk]),
        {"decision": "return", "note": "缺盖章", "version": 2},
    )
    assert r.status_code == 302
    assert Occurrence.objects.get(pk=occ.pk).status == "returned"
    client.force_login(cast.handler)
    assert "缺盖章" in client.get(url).content.decode()


def test_occurrence_lists(client, cast, plan, django_assert_max_num_queries):
    client.force_login(cast.office)
    with django_assert_max_num_queries(10):
        r = client.get(reverse("campaign:occurrences") + "?show=all")
    assert r.content.decode().count("/campaign/occurrences/") >= 13
    r = client.get(reverse("campaign:occurrences") + f"?show=overdue&unit={plan.once.lead_unit_id}")
    assert r.content.decode().count("成立创建工作领导小组") == 1
    assert client.get(reverse("campaign:occurrences") + "?show=bogus&unit=x").status_code == 200


def test_unit_plan_page(client, cast, world):
    client.force_login(cast.handler)
    url = reverse("campaign:unit_plan_edit")
    page = client.get(url + f"?unit={world.sanitation.pk}&year=2021").content.decode()
    assert "市环卫处2021年度文明创建工作计划" in page
    r = client.post(
        url,
        {
            "unit": world.sanitation.pk,
            "year": "2021",
            "title": "市环卫处2021年度文明创建工作计划",
            "contact_name": "赵六",
            "contact_phone": "电话",
            "member_role": ["组长", ""],
            "member_name": ["张三", ""],
            "member_position": ["处长", ""],
        },
    )
    assert r.status_code == 400 and 'value="赵六"' in r.content.decode()
    assert UnitPlan.objects.count() == 0
    r = client.post(
        url,
        {
            "unit": world.sanitation.pk,
            "year": "2021",
            "title": "市环卫处2021年度文明创建工作计划",
            "contact_name": "赵六",
            "contact_phone": "0635-1234567",
            "member_role": ["组长"],
            "member_name": ["张三"],
            "member_position": ["处长"],
        },
    )
    assert r.status_code == 302
    assert "张三" in client.get(reverse("campaign:unit_plans")).content.decode()
    assert client.get(url + f"?unit={world.police.pk}").status_code == 404


def test_pairing_pages_and_offer(client, cast, world, settings):
    client.force_login(cast.office)
    r = client.post(
        reverse("campaign:pairing_create"),
        {"unit": world.sanitation.pk, "community": world.gulou.pk},
    )
    assert r.status_code == 400 and "未知社区" in r.content.decode()
    r = client.post(
        reverse("campaign:pairing_create"),
        {"unit": world.sanitation.pk, "community": world.tieta.pk},
    )
    assert r.status_code == 302
    pairing = world.sanitation.pairings.get()
    client.force_login(cast.handler)
    url = reverse("campaign:pairing_action", args=[pairing.pk])
    r = client.post(
        url,
        {
            "action": "activity",
            "kind": "cleanup",
            "date": "2021-03-06",
            "title": "清理楼道杂物",
            "participants": "abc",
            "hours": "20",
        },
    )
    assert r.status_code == 400 and 'value="清理楼道杂物"' in r.content.decode()
    r = client.post(
        url,
        {
            "action": "activity",
            "kind": "cleanup",
            "date": "2021-03-06",
            "title": "清理楼道杂物",
            "participants": "12",
            "hours": "24",
            "photos": [Upload(jpeg_bytes(), "a.jpg")],
        },
    )
    assert r.status_code == 302
    activity = Activity.objects.get()
    r = client.post(reverse("campaign:activity_offer", args=[activity.pk]))
    assert r.status_code == 302
    assert WorkItem.objects.get().origin == f"campaign.activity:{activity.pk}"
    page = client.get(reverse("campaign:pairing", args=[pairing.pk])).content.decode()
    assert "已报送工作信息" in page
    r = client.post(reverse("campaign:activity_offer", args=[activity.pk]))
    assert r.status_code == 409 and WorkItem.objects.count() == 1
    client.force_login(cast.other_handler)
    assert client.get(reverse("campaign:pairing", args=[pairing.pk])).status_code == 404
    assert client.post(reverse("campaign:activity_offer", args=[activity.pk])).status_code == 404


def test_nav_shows_campaign_to_whom_it_concerns(client, cast, world):
    client.force_login(cast.handler)
    assert "创建任务" in client.get(reverse("cases:todo")).content.decode()
    client.force_login(cast.inspector)
    assert 'href="/campaign/"' not in client.get(reverse("cases:todo")).content.decode()


def test_plan_edit_form(client, cast, plan):
    client.force_login(cast.office)
    url = reverse("campaign:plan_action", args=[plan.plan.pk])
    r = client.post(
        url, {"action": "update", "title": "修订方案", "start_year": "2021", "end_year": "2019"}
    )
    assert r.status_code == 400 and "结束年份早于起始年份" in r.content.decode()
    assert 'value="修订方案"' in r.content.decode()
    r = client.post(
        url, {"action": "update", "title": "修订方案", "start_year": "2021", "end_year": "2022"}
    )
    assert r.status_code == 302
    assert Occurrence.objects.filter(task=plan.monthly).count() == 24
    r = client.post(url, {"action": "bogus"})
    assert r.status_code == 400
    r = client.post(reverse("campaign:plan_action", args=[999999]), {"action": "generate"})
    assert r.status_code == 404


def test_remove_evidence_page(client, cast, plan):
    occ = Occurrence.objects.get(task=plan.once)
    services.occurrence_submit(
        cast.handler, occ.pk, progress="x", files=[Upload(pdf_bytes(), "a.pdf")]
    )
    ev = occ.evidence.get()
    client.force_login(cast.handler)
    r = client.post(reverse("campaign:evidence_delete", args=[ev.pk]))
    assert r.status_code == 409 and "任务通过审核前才能删除文件" in r.content.decode()
    services.occurrence_review(cast.office, occ.pk, decision="return", note="重传")
    assert "移除" in client.get(reverse("campaign:occurrence", args=[occ.pk])).content.decode()
    r = client.post(reverse("campaign:evidence_delete", args=[ev.pk]))
    assert r.status_code == 302 and not occ.evidence.exists()
    client.force_login(cast.other_handler)
    assert client.post(reverse("campaign:evidence_delete", args=[ev.pk])).status_code == 404


def test_plan_and_pairing_pages_do_not_n_plus_1(
    client, cast, world, plan, criteria, django_assert_max_num_queries
):
    for i in range(6):
        services.task_create(
            cast.office,
            plan.plan.pk,
            code=f"n{i}",
            title=f"任务{i}",
            lead_unit_id=world.police.pk,
            cooperating_unit_ids=[world.sanitation.pk, world.gulou_office.pk],
            criterion_ids=[c.pk for c in criteria.values()][:3],
            frequency="quarterly",
        )
        services.pairing_create(
            cast.office,
            unit_id=[world.sanitation, world.police, world.gulou_office][i % 3].pk,
            community_id=[world.tieta, world.gucheng][i // 3].pk,
        )
    client.force_login(cast.office)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("campaign:plan", args=[plan.plan.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("campaign:pairings")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("campaign:criteria")).status_code == 200


def test_history_in_words(client, cast, plan):
    occ = Occurrence.objects.get(task=plan.once)
    services.occurrence_submit(
        cast.handler, occ.pk, progress="x", files=[Upload(pdf_bytes(), "a.pdf")]
    )
    services.occurrence_review(cast.office, occ.pk, decision="return", note="缺盖章")
    client.force_login(cast.handler)
    page = client.get(reverse("campaign:occurrence", args=[occ.pk])).content.decode()
    assert "handler 申报进展，提交审核" in page and "office 退回，需补充：缺盖章" in page


def test_evaluation_forms(client, cast, plan):
    client.force_login(cast.office)
    url = reverse("campaign:plan_action", args=[plan.plan.pk])
    r = client.post(url, {"action": "evaluation", "name": "实地测评", "date": "2030-10-10"})
    assert r.status_code == 400 and "日期不在实施方案的年份范围内" in r.content.decode()
    assert 'value="实地测评"' in r.content.decode()
    assert (
        client.post(
            url, {"action": "evaluation", "name": "实地测评", "date": "2021-10-10"}
        ).status_code
        == 302
    )
    ev = plan.plan.evaluations.get()
    assert "移除" in client.get(reverse("campaign:plan", args=[plan.plan.pk])).content.decode()
    assert client.post(url, {"action": "remove_evaluation", "evaluation": "x"}).status_code == 404
    assert client.post(url, {"action": "remove_evaluation", "evaluation": ev.pk}).status_code == 302
    assert not plan.plan.evaluations.exists()


def test_offer_page_asks_for_a_shorter_headline_and_opens_the_draft(client, cast, world):
    """Found in review: a long activity title could not be offered, and after the one click
    the unit did not know the work item still had to be submitted."""
    pairing = services.pairing_create(
        cast.office, unit_id=world.sanitation.pk, community_id=world.tieta.pk
    )
    title = "市环卫处到铁塔社区开展帮扶培训" * 7  # 105 characters
    activity = services.activity_record(
        cast.handler, pairing.pk, kind="training", date_value="2021-03-03", title=title,
        description="集中培训。", participants=25, hours="50",
    )  # fmt: skip
    client.force_login(cast.handler)
    page = client.get(reverse("campaign:pairing", args=[pairing.pk])).content.decode()
    assert 'placeholder="活动内容"' in page and "问题描述" not in page
    url = reverse("campaign:activity_offer", args=[activity.pk])
    r = client.post(url)
    page = r.content.decode()
    assert r.status_code == 400 and "请改写一个较短的标题后再报送" in page
    assert (
        f'name="headline" id="offer-headline-{activity.pk}" maxlength="100" value="{title}"' in page
    )
    assert WorkItem.objects.count() == 0
    r = client.post(url, {"headline": "甲" * 101})
    assert r.status_code == 400 and f'value="{"甲" * 101}"' in r.content.decode()
    assert WorkItem.objects.count() == 0
    r = client.post(url, {"headline": "市环卫处到铁塔社区开展帮扶培训"})
    item = WorkItem.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("briefings:item", args=[item.pk])
    page = client.get(r["Location"]).content.decode()
    assert "已生成工作信息草稿，请核对后报送创城办。" in page
    assert item.headline == "市环卫处到铁塔社区开展帮扶培训"
    page = client.get(reverse("campaign:pairing", args=[pairing.pk])).content.decode()
    assert f'href="{reverse("briefings:item", args=[item.pk])}">已报送工作信息</a>' in page


HUGE = "99999999999999999999"  # more than a BIGINT holds


def test_ids_too_large_for_the_database_are_refused_not_500(client, cast, plan):
    """Found in review: an id beyond 2**63 − 1 in a filter or a task form reached the
    database driver and raised OverflowError (500)."""
    client.force_login(cast.office)
    r = client.get(reverse("campaign:occurrences") + f"?unit={HUGE}")
    assert r.status_code == 200
    url = reverse("campaign:plan_action", args=[plan.plan.pk])
    fields = {"action": "task", "code": "9.9", "title": "新任务", "frequency": "monthly"}
    for bad, message in [
        ({"lead_unit": HUGE}, "未知的责任单位。"),
        ({"lead_unit": plan.monthly.lead_unit_id, "cooperating_units": HUGE}, "未知的责任单位。"),
        ({"lead_unit": plan.monthly.lead_unit_id, "criteria": HUGE}, "未知测评标准。"),
        ({"lead_unit": plan.monthly.lead_unit_id, "criteria": "-1"}, "未知测评标准。"),
    ]:
        r = client.post(url, {**fields, **bad})
        page = r.content.decode()
        assert r.status_code == 400 and message in page and 'value="新任务"' in page, bad
    assert Task.objects.count() == 2


def test_a_one_off_task_without_deadline_names_the_task_deadline(client, cast, plan):
    """Found in review: the error said 处置时限 (the ledger's word for a case's deadline)."""
    client.force_login(cast.office)
    url = reverse("campaign:plan_action", args=[plan.plan.pk])
    r = client.post(
        url,
        {"action": "task", "code": "9.9", "title": "新任务", "frequency": "once",
         "lead_unit": plan.monthly.lead_unit_id},
    )  # fmt: skip
    assert r.status_code == 400
    assert "完成时限：请输入有效日期。" in r.content.decode()
    assert Task.objects.count() == 2


def test_the_occurrence_page_names_who_submitted(client, cast, plan):
    """Found in review: the page showed the login name (handler_police) instead of the
    person's name."""
    cast.handler.first_name = "张三"
    cast.handler.save(update_fields=["first_name"])
    occ = plan.once.occurrences.get()
    services.occurrence_submit(cast.handler, occ.pk, progress="已完成", files=[pdf_bytes()])
    client.force_login(cast.office)
    page = client.get(reverse("campaign:occurrence", args=[occ.pk])).content.decode()
    assert "张三</dd>" in page and f" {cast.handler.username}</dd>" not in page
