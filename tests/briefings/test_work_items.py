"""Work information (信息报送): a unit submits, the office accepts (with edits) or returns."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from wenming.briefings import services
from wenming.briefings.models import WorkItem, WorkItemEvent, WorkItemPhoto
from wenming.core.errors import ApplicationError
from wenming.notifications.models import Message, Notification

D = dt.date(2021, 3, 3)
PARAS = ["3月3日，市审计局召开动员大会。", "会议强调，要提高思想认识。"]


def jpeg(name="p.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 30)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = name
    return buf


def create(user, unit, **kw):
    args = {"unit": unit, "headline": "市环卫处 开展清洁行动", "date": D, "paragraphs": PARAS}
    args.update(kw)
    return services.work_item_create(user, **args)


def test_create_submit_accept_with_edits(world, cast):
    item = create(cast.handler, world.sanitation, photos=[jpeg()], origin="campaign.activity:3")
    assert (item.status, item.unit, item.paragraphs, item.origin) == (
        "draft",
        world.sanitation,
        PARAS,
        "campaign.activity:3",
    )
    photo = WorkItemPhoto.objects.get(item=item)
    assert (photo.width, photo.height, photo.original_name) == (800, 600, "p.jpg")
    services.work_item_submit(cast.handler, item.pk)
    services.work_item_accept(
        cast.office, item.pk, headline="市环卫处 开展城市清洁行动", paragraphs=PARAS[:1]
    )
    item.refresh_from_db()
    assert (item.status, item.headline, item.paragraphs) == (
        "accepted",
        "市环卫处 开展城市清洁行动",
        PARAS[:1],
    )
    events = list(WorkItemEvent.objects.filter(item=item).values_list("action", flat=True))
    assert events == ["create", "submit", "accept"]
    edits = WorkItemEvent.objects.get(item=item, action="accept").data["edits"]
    assert edits["headline"] == {"from": "市环卫处 开展清洁行动", "to": "市环卫处 开展城市清洁行动"}
    assert edits["paragraphs"]["from"] == PARAS


def test_return_notifies_the_unit_and_it_resubmits(world, cast, django_capture_on_commit_callbacks):
    item = create(cast.handler, world.sanitation)
    services.work_item_submit(cast.handler, item.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.work_item_return(cast.office, item.pk, reason="请补充活动人数")
    item.refresh_from_db()
    assert (item.status, item.return_reason) == ("returned", "请补充活动人数")
    message = Message.objects.get(kind="work_item_returned")
    assert message.key == f"work_item_returned:{item.pk}"
    assert message.url == f"/briefings/items/{item.pk}/"
    assert "请补充活动人数" in message.body
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["handler"]
    services.work_item_update(
        cast.handler, item.pk, headline=item.headline, date=D, paragraphs=[*PARAS, "共120人参加。"]
    )
    services.work_item_submit(cast.handler, item.pk)
    item.refresh_from_db()
    assert (item.status, len(item.paragraphs)) == ("submitted", 3)


@pytest.mark.parametrize(
    "kw, code",
    [
        ({"headline": ""}, "required"),
        ({"headline": "标" * 101}, "too_long"),
        ({"paragraphs": []}, "required"),
        ({"paragraphs": ["", "  "]}, "required"),
        ({"paragraphs": "一段"}, "invalid_text"),
        ({"paragraphs": ["x" * 5001]}, "too_long"),
        ({"date": "2021-13-01"}, "invalid_date"),
        ({"date": "1999-01-01"}, "invalid_date"),
        ({"photos": [io.BytesIO(b"not an image")]}, "photo_not_image"),
    ],
)
def test_bad_input_writes_nothing(world, cast, kw, code):
    with pytest.raises(ApplicationError) as info:
        create(cast.handler, world.sanitation, **kw)
    assert (info.value.code, info.value.status) == (code, 400)
    assert WorkItem.objects.count() == 0
    assert WorkItemPhoto.objects.count() == 0


def test_who_may_do_what(world, cast):
    # Another unit's handler cannot submit for this unit; an outsider does not learn it exists.
    with pytest.raises(ApplicationError) as info:
        create(cast.other_handler, world.sanitation)
    assert info.value.status == 403
    with pytest.raises(ApplicationError) as info:
        create(cast.outsider, world.sanitation)
    assert info.value.status == 404
    with pytest.raises(ApplicationError) as info:
        create(cast.handler, 999999)
    assert info.value.status == 404
    assert WorkItem.objects.count() == 0
    item = create(cast.handler, world.sanitation)
    # Out of scope: 404; a unit cannot accept its own item: 403.
    with pytest.raises(ApplicationError) as info:
        services.work_item_submit(cast.other_handler, item.pk)
    assert info.value.status == 404
    services.work_item_submit(cast.handler, item.pk)
    with pytest.raises(ApplicationError) as info:
        services.work_item_accept(cast.handler, item.pk)
    assert info.value.status == 403
    with pytest.raises(ApplicationError) as info:
        services.work_item_return(cast.leader, item.pk, reason="x")
    assert info.value.status == 403
    item.refresh_from_db()
    assert (item.status, item.version) == ("submitted", 2)
    assert list(item.events.values_list("action", flat=True)) == ["create", "submit"]


def test_wrong_states_and_stale_forms(world, cast):
    item = create(cast.handler, world.sanitation)
    with pytest.raises(ApplicationError) as info:  # an unsent draft is the unit's own
        services.work_item_accept(cast.office, item.pk)
    assert (info.value.code, info.value.status) == ("not_found", 404)
    office_draft = create(cast.office, world.sanitation)
    with pytest.raises(ApplicationError) as info:
        services.work_item_accept(cast.office, office_draft.pk)
    assert (info.value.code, info.value.status) == ("invalid_transition", 409)
    services.work_item_submit(cast.handler, item.pk, expected_version=1)
    with pytest.raises(ApplicationError) as info:
        services.work_item_submit(cast.handler, item.pk)
    assert info.value.code == "invalid_transition"
    with pytest.raises(ApplicationError) as info:
        services.work_item_update(cast.handler, item.pk, headline="x", date=D, paragraphs=PARAS)
    assert info.value.code == "invalid_transition"
    with pytest.raises(ApplicationError) as info:
        services.work_item_accept(cast.office, item.pk, expected_version=1)
    assert (info.value.code, info.value.status) == ("stale", 409)
    with pytest.raises(ApplicationError) as info:
        services.work_item_return(cast.office, item.pk, reason="  ")
    assert info.value.code == "required"
    item.refresh_from_db()
    assert item.status == "submitted"


def test_the_office_may_create_for_a_unit(world, cast):
    item = create(cast.office, world.police)
    assert (item.unit, item.created_by) == (world.police, cast.office)


def test_paragraphs_from_text():
    assert services.paragraphs_from_text(" 一段。\r\n\r\n 二段。\n") == ["一段。", "二段。"]
    assert services.paragraphs_from_text(None) == []


def test_a_date_after_today_is_refused(five, cast):
    """Found in review: work information dated years ahead (2031) was accepted."""
    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    kw = dict(unit=five.units[1], headline="甲", paragraphs=["乙。"])
    with pytest.raises(ApplicationError) as e:
        services.work_item_create(five.handlers[1], date=tomorrow, **kw)
    assert (e.value.code, e.value.status, e.value.message) == (
        "invalid_date",
        400,
        "工作信息的日期不能晚于今天。",
    )
    assert WorkItem.objects.count() == 0
    item = services.work_item_create(five.handlers[1], date=timezone.localdate(), **kw)
    with pytest.raises(ApplicationError):
        services.work_item_update(
            five.handlers[1], item.pk, headline="甲", date=tomorrow, paragraphs=["乙。"]
        )
    item.refresh_from_db()
    assert (item.date, item.version) == (timezone.localdate(), 1)


def test_a_units_unsent_draft_is_its_own_until_submitted(world, cast, client):
    from wenming.briefings.selectors import work_items_visible_to

    draft = create(cast.handler, world.sanitation)
    for_unit = create(cast.office, world.sanitation, headline="市环卫处 开展志愿服务")
    visible = {u: set(work_items_visible_to(u).values_list("pk", flat=True)) for u in (
        cast.handler, cast.office, cast.leader, cast.other_handler)}  # fmt: skip
    assert visible == {
        cast.handler: {draft.pk, for_unit.pk},
        cast.office: {for_unit.pk},
        cast.leader: set(),
        cast.other_handler: set(),
    }
    client.force_login(cast.leader)
    assert client.get(f"/briefings/items/{draft.pk}/").status_code == 404
    services.work_item_submit(cast.handler, draft.pk)
    assert client.get(f"/briefings/items/{draft.pk}/").status_code == 200
    assert set(work_items_visible_to(cast.office).values_list("pk", flat=True)) == {
        draft.pk,
        for_unit.pk,
    }
