"""``services.checklist_submit``: cases per failed criterion (unit, category, deadline),
idempotency by uuid, GPS distance flag, bad input, permissions."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from tests.conftest import at
from tests.inspections.conftest import answers_for, new_uuid
from wenming.cases.models import Case, CaseEvent, CasePhoto
from wenming.core import calendar
from wenming.core.errors import ApplicationError
from wenming.inspections import services
from wenming.inspections.models import (
    Finding,
    InspectionEvent,
    InspectionRound,
    Result,
    Submission,
)


@pytest.fixture
def rnd(world, cast, scene) -> InspectionRound:
    return services.round_plan(
        cast.office,
        name="王建鹏到第九网格督导",
        kind="supervision",
        starts_on="2021-03-05",
        ends_on="2021-03-05",
        point_ids=[scene.crossing.pk, scene.compound.pk],
        leader_id=cast.leader.pk,
        inspector_ids=[cast.inspector.pk],
    )


def photo() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = "red.jpg"
    return buf


def test_failures_become_dispatched_cases_of_the_right_units(world, cast, scene, rnd, clock):
    clock.set(at("2021-03-05 10:00"))
    answers = answers_for(rnd, scene.crossing, {scene.red_light: "行人闯红灯"})
    answers[1]["answer"] = "na"  # one 不涉及: not counted
    red = next(a for a in answers if a["criterion_id"] == scene.red_light.pk)
    red["photos"] = [photo()]
    sub, created = services.checklist_submit(
        cast.leader,
        round_id=rnd.pk,
        point_id=scene.crossing.pk,
        uuid=new_uuid(),
        answers=answers,
        lat=36.4521,
        lon=115.9831,
        accuracy_m=8,
    )
    assert created
    assert (sub.checked, sub.passed, sub.failed, str(sub.deductions)) == (13, 12, 1, "1.00")
    assert sub.distance_m == pytest.approx(14.2, abs=0.2) and not sub.far_from_point
    case = Case.objects.get()
    assert case.title == "东昌路卫育路路口：无行人闯红灯、乱穿马路、翻越护栏"
    assert (case.source, case.category.code, case.status) == ("inspection", "CC07", "dispatched")
    assert case.unit == world.police and case.reporter == cast.leader
    assert case.community == world.tieta and case.supervision_grid == world.ninth
    assert case.deadline == at("2021-03-10 17:30")  # 3 working days (CC07)
    assert case.deadline == calendar.add_working_days(at("2021-03-05 10:00"), 3).at
    assert "行人闯红灯" in case.description and "P02-02-02" in case.description
    assert CasePhoto.objects.filter(case=case, kind="before").count() == 1
    report = CaseEvent.objects.get(case=case, action="report")
    assert report.data["inspection_round_id"] == rnd.pk
    assert report.data["criterion_id"] == scene.red_light.pk
    finding = Finding.objects.get()
    assert (finding.case, finding.criterion, finding.round, finding.point) == (
        case,
        scene.red_light,
        rnd,
        scene.crossing,
    )
    # Every result records its responsible unit (the intersection: the traffic police).
    assert set(Result.objects.values_list("unit", flat=True)) == {world.police.pk}
    event = InspectionEvent.objects.get(action="checklist_submit")
    assert event.data["case_ids"] == [case.pk] and event.actor == cast.leader

    # The compound: garbage sorting goes to its unit for that category, 4-hour category to
    # the default unit.
    clock.set(at("2021-03-05 11:00"))
    sub2, _ = services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.compound.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.compound, {scene.sorting: "无分类容器"}),
    )
    assert sub2.distance_m is None and not sub2.far_from_point
    sorting_case = Finding.objects.get(result__submission=sub2).case
    assert sorting_case.unit == world.sanitation
    assert sorting_case.deadline == at("2021-03-10 17:30")
    units = dict(sub2.results.values_list("criterion__code", "unit__code"))
    assert units["P04-01-06"] == "U-SAN" and units["P04-02-02"] == "U-GL"


def test_the_same_uuid_again_is_the_same_checklist(world, cast, scene, rnd):
    u = new_uuid()
    args = {
        "round_id": rnd.pk,
        "point_id": scene.crossing.pk,
        "uuid": u,
        "answers": answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"}),
    }
    first, created = services.checklist_submit(cast.inspector, **args)
    again, created_again = services.checklist_submit(cast.inspector, **args)
    assert created and not created_again and again.pk == first.pk
    assert Submission.objects.count() == 1 and Case.objects.count() == 1
    # Another uuid for the same point: refused, nothing added.
    with pytest.raises(ApplicationError) as err:
        services.checklist_submit(cast.leader, **{**args, "uuid": new_uuid()})
    assert err.value.code == "already_inspected" and err.value.status == 409
    # The uuid of this checklist sent for another point: refused.
    with pytest.raises(ApplicationError) as err:
        services.checklist_submit(cast.inspector, **{**args, "point_id": scene.compound.pk})
    assert err.value.code == "uuid_conflict"
    assert Submission.objects.count() == 1 and Case.objects.count() == 1


def test_far_from_the_point_is_flagged_not_refused(world, cast, scene, rnd):
    sub, _ = services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=scene.crossing.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, scene.crossing),
        lat=36.452 + 0.0025,  # about 278 m north
        lon=115.983,
    )
    assert sub.far_from_point and sub.distance_m == pytest.approx(278.0, abs=1)
    assert sub.failed == 0 and Case.objects.count() == 0


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda a, r: a.pop(), "incomplete"),
        (lambda a, r: a.append(dict(a[0])), "invalid_input"),
        (lambda a, r: a[0].update(answer="maybe"), "invalid_input"),
        (lambda a, r: a[0].update(criterion_id=r.sorting.pk), "invalid_input"),
        (lambda a, r: a[0].update(answer="fail", note=""), "note_required"),
        (lambda a, r: a[0].update(answer="fail", note="x" * 501), "too_long"),
        (
            lambda a, r: a[0].update(answer="fail", note="坏", photos=[io.BytesIO(b"nope")]),
            "photo_invalid",
        ),
    ],
)
def test_bad_checklists_change_nothing(world, cast, scene, rnd, change, code):
    answers = answers_for(rnd, scene.crossing)
    change(answers, scene)
    with pytest.raises(ApplicationError) as err:
        services.checklist_submit(
            cast.inspector,
            round_id=rnd.pk,
            point_id=scene.crossing.pk,
            uuid=new_uuid(),
            answers=answers,
        )
    assert err.value.status == 400
    if code != "photo_invalid":
        assert err.value.code == code
    assert Submission.objects.count() == 0 and Result.objects.count() == 0
    assert Case.objects.count() == 0 and Finding.objects.count() == 0


@pytest.mark.parametrize(
    "kw, code",
    [
        ({"uuid": "not-a-uuid"}, "invalid_input"),
        ({"lat": 0, "lon": 0}, "invalid_location"),
        ({"lat": "x", "lon": 1}, "invalid_location"),
        ({"answers": "all good"}, "invalid_input"),
        ({"note": 5}, "invalid_text"),
    ],
)
def test_bad_fields(world, cast, scene, rnd, kw, code):
    args = {
        "round_id": rnd.pk,
        "point_id": scene.crossing.pk,
        "uuid": str(uuid.uuid4()),
        "answers": answers_for(rnd, scene.crossing),
    }
    args.update(kw)
    with pytest.raises(ApplicationError) as err:
        services.checklist_submit(cast.inspector, **args)
    assert (err.value.code, err.value.status) == (code, 400)
    assert Submission.objects.count() == 0


def test_who_may_submit(world, cast, scene, rnd):
    args = {
        "round_id": rnd.pk,
        "point_id": scene.crossing.pk,
        "answers": answers_for(rnd, scene.crossing, {scene.red_light: "x"}),
    }
    from django.contrib.auth import get_user_model

    from wenming.org.models import Membership

    other_inspector = get_user_model().objects.create_user("inspector2")
    Membership.objects.create(user=other_inspector, role="inspector")
    for user, status in (
        (cast.office, 403),
        (other_inspector, 403),
        (cast.handler, 404),
        (cast.area_staff, 404),
        (cast.outsider, 404),
    ):
        with pytest.raises(ApplicationError) as err:
            services.checklist_submit(user, uuid=new_uuid(), **args)
        assert err.value.status == status, user
    with pytest.raises(ApplicationError) as err:  # a point that is not in the round
        services.checklist_submit(cast.inspector, uuid=new_uuid(), **{**args, "point_id": 10**6})
    assert err.value.status == 404
    services.round_close(cast.office, rnd.pk)
    with pytest.raises(ApplicationError) as err:
        services.checklist_submit(cast.inspector, uuid=new_uuid(), **args)
    assert (err.value.code, err.value.status) == ("round_closed", 409)
    assert Submission.objects.count() == 0 and Case.objects.count() == 0
