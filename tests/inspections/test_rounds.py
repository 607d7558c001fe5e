"""``services.round_plan`` / ``round_close``: who may plan, which points, which version."""

from __future__ import annotations

import pytest

from wenming.core.errors import ApplicationError
from wenming.inspections import services
from wenming.inspections.models import InspectionEvent, InspectionRound, Point, PointType


def plan(user, **kw):
    args = {
        "name": "第九网格3月督查",
        "starts_on": "2021-03-05",
        "ends_on": "2021-03-06",
        "supervision_grid_ids": [],
        "inspector_ids": [],
    }
    args.update(kw)
    return services.round_plan(user, **args)


def test_office_plans_a_round_over_a_grid_and_types(world, cast, scene):
    other = Point.objects.create(
        code="P-0903",
        name="古城农贸市场",
        point_type=PointType.objects.get(name="集贸市场"),
        lat=36.455,
        lon=115.995,
        supervision_grid=world.ninth,
    )
    rnd = plan(
        cast.office, supervision_grid_ids=[world.ninth.pk], inspector_ids=[cast.inspector.pk]
    )
    assert rnd.number == "DC2021001" and rnd.kind == "planned" and rnd.status == "planned"
    assert sorted(rnd.points.values_list("code", flat=True)) == ["P-0901", "P-0902", "P-0903"]
    assert rnd.standard_version == services.current_version()
    typed = plan(
        cast.office,
        supervision_grid_ids=[world.ninth.pk],
        point_type_ids=[PointType.objects.get(name="交通路口").pk],
        point_ids=[other.pk],
        inspector_ids=[cast.inspector.pk],
    )
    assert typed.number == "DC2021002"
    assert sorted(typed.points.values_list("code", flat=True)) == ["P-0901", "P-0903"]
    event = InspectionEvent.objects.get(action="round_plan", round=rnd)
    assert event.actor == cast.office and event.data["points"] == 3


def test_leader_plans_his_own_supervision_visit_only(world, cast, scene):
    rnd = plan(
        cast.leader, kind="supervision", point_ids=[scene.crossing.pk], leader_id=cast.leader.pk
    )
    assert rnd.leader == cast.leader and rnd.created_by == cast.leader
    with pytest.raises(ApplicationError) as err:
        plan(cast.leader, point_ids=[scene.crossing.pk], inspector_ids=[cast.inspector.pk])
    assert err.value.status == 403
    for user in (cast.inspector, cast.handler, cast.area_staff, cast.outsider):
        with pytest.raises(ApplicationError) as err:
            plan(user, kind="supervision", point_ids=[scene.crossing.pk], leader_id=cast.leader.pk)
        assert err.value.status == 403
    assert InspectionRound.objects.count() == 1


@pytest.mark.parametrize(
    "kw, code",
    [
        ({"name": ""}, "required"),
        ({"starts_on": "2021-13-01"}, "invalid_date"),
        ({"ends_on": "2021-03-01"}, "invalid_range"),
        ({"ends_on": "2023-03-01"}, "invalid_range"),
        ({"kind": "party"}, "invalid_choice"),
        ({"point_ids": [999999]}, "invalid_input"),
        ({"point_ids": ["x"]}, "invalid_input"),
        ({"supervision_grid_ids": [999999]}, "invalid_input"),
        ({"inspector_ids": []}, "inspectors_required"),
        ({"inspector_ids": ["HANDLER"]}, "invalid_input"),
        ({"kind": "supervision", "leader_id": None}, "leader_required"),
        ({"kind": "supervision", "leader_id": "INSPECTOR"}, "invalid_input"),
        ({"point_ids": [], "point_type_ids": ["TYPE54"]}, "no_points"),
    ],
)
def test_bad_plans_are_refused_and_change_nothing(world, cast, scene, kw, code):
    args = {"point_ids": [scene.crossing.pk], "inspector_ids": [cast.inspector.pk]}
    args.update(kw)
    people = {"HANDLER": cast.handler.pk, "INSPECTOR": cast.inspector.pk}
    for key in ("inspector_ids",):
        args[key] = [people.get(v, v) for v in args[key]]
    if args.get("leader_id") in people:
        args["leader_id"] = people[args["leader_id"]]
    if args.get("point_type_ids") == ["TYPE54"]:
        args["point_type_ids"] = [PointType.objects.get(seq=54).pk]
    with pytest.raises(ApplicationError) as err:
        plan(cast.office, **args)
    assert err.value.code == code and err.value.status == 400
    assert InspectionRound.objects.count() == 0


def test_no_current_standard(world, cast):
    services.point_types_load()
    p = Point.objects.create(
        code="Z", name="z", point_type=PointType.objects.first(), lat=36.45, lon=115.98
    )
    with pytest.raises(ApplicationError) as err:
        plan(cast.office, point_ids=[p.pk], inspector_ids=[cast.inspector.pk])
    assert err.value.code == "no_standard" and err.value.status == 409


def test_a_round_keeps_the_version_current_when_planned(world, cast, scene, tmp_path):
    rnd = plan(cast.office, point_ids=[scene.crossing.pk], inspector_ids=[cast.inspector.pk])
    first = rnd.standard_version
    from tests.inspections.test_import_standard import GOOD, write_csv
    from wenming.inspections.tables import read_table

    services.standard_import(None, read_table(write_csv(tmp_path, GOOD)), code="2021", name="新")
    rnd.refresh_from_db()
    assert rnd.standard_version == first
    crit = list(services.checklist_criteria(rnd, scene.crossing))
    assert {c.version_id for c in crit} == {first.pk} and len(crit) == 14
    later = plan(cast.office, point_ids=[scene.crossing.pk], inspector_ids=[cast.inspector.pk])
    assert later.standard_version.code == "2021"
    assert [c.code for c in services.checklist_criteria(later, scene.crossing)] == [
        "A-01-01",
        "A-01-02",
    ]


def test_close_round(world, cast, scene):
    rnd = plan(cast.office, point_ids=[scene.crossing.pk], inspector_ids=[cast.inspector.pk])
    with pytest.raises(ApplicationError) as err:
        services.round_close(cast.inspector, rnd.pk)
    assert err.value.status == 403
    services.round_close(cast.office, rnd.pk)
    rnd.refresh_from_db()
    assert rnd.status == "closed"
    with pytest.raises(ApplicationError) as err:
        services.round_close(cast.office, rnd.pk)
    assert err.value.status == 409
