"""Scores: per point, grid, unit and point type, compared with the previous round; failed
criteria most common first; ``unit_inspection_scores`` for assessment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.conftest import at
from tests.inspections.conftest import answers_for, new_uuid
from wenming.inspections import selectors, services
from wenming.inspections.models import Criterion


def _round(cast, scene, day):
    return services.round_plan(
        cast.office,
        name=f"督查 {day}",
        starts_on=day,
        ends_on=day,
        point_ids=[scene.crossing.pk, scene.compound.pk],
        inspector_ids=[cast.inspector.pk],
    )


def _submit(cast, rnd, point, fail=None, na=()):
    return services.checklist_submit(
        cast.inspector,
        round_id=rnd.pk,
        point_id=point.pk,
        uuid=new_uuid(),
        answers=answers_for(rnd, point, fail, na),
    )[0]


def test_round_report_and_comparison(world, cast, scene, clock):
    v = scene.red_light.version
    spit = Criterion.objects.get(version=v, code="P02-05-03")  # 无随地吐痰 (CC10)
    clock.set(at("2021-03-05 10:00"))
    r1 = _round(cast, scene, "2021-03-05")
    _submit(cast, r1, scene.crossing, {scene.red_light: "闯红灯"})
    _submit(cast, r1, scene.compound)
    clock.set(at("2021-04-20 10:00"))
    r2 = _round(cast, scene, "2021-04-20")
    _submit(cast, r2, scene.crossing, {scene.red_light: "闯红灯", spit: "吐痰"})
    na = [c for c in services.checklist_criteria(r2, scene.compound)][:3]
    _submit(cast, r2, scene.compound, {scene.sorting: "无容器"}, na=na)

    rep = selectors.round_report(r2)
    assert rep["previous_round"] == r1
    t = rep["total"]
    # crossing 14 criteria (2 failed); compound 17 criteria, 3 n/a, 1 failed
    assert (t["points_planned"], t["points_inspected"], t["checked"], t["passed"], t["failed"]) == (
        2, 2, 28, 25, 3,
    )  # fmt: skip
    assert t["score"] == round(25 * 100 / 28, 2) == 89.29
    assert t["deductions"] == Decimal("3.00") and t["cases"] == 3
    assert rep["previous_total"]["score"] == round(30 * 100 / 31, 2)
    points = {r["point"].code: r for r in rep["points"]}
    assert (points["P-0901"]["passed"], points["P-0901"]["checked"], points["P-0901"]["score"]) == (
        12,
        14,
        85.71,
    )
    assert points["P-0902"]["score"] == round(13 * 100 / 14, 2)
    assert [(f["criterion"].code, f["count"]) for f in rep["failed_criteria"]] == [
        ("P02-02-02", 1),
        ("P02-05-03", 1),
        ("P04-01-06", 1),
    ]
    grid = rep["grids"][0]
    assert (grid["label"], grid["score"], grid["previous"], grid["change"]) == (
        "第九网格", 89.29, 96.77, -7.48,
    )  # fmt: skip
    units = {u["label"]: u for u in rep["units"]}
    assert (units["市公安局交警支队"]["checked"], units["市公安局交警支队"]["failed"]) == (14, 2)
    assert units["市公安局交警支队"]["previous"] == round(13 * 100 / 14, 2)
    assert units["市环卫处"]["score"] == 0.0
    types = {g["label"]: g for g in rep["types"]}
    assert types["交通路口"]["score"] == 85.71 and types["交通路口"]["change"] == round(
        85.71 - 92.86, 2
    )


def test_failed_criteria_most_common_first(world, cast, scene):
    from wenming.inspections.models import Point, PointUnit

    second = Point.objects.create(
        code="P-0903",
        name="东昌路振兴路路口",
        point_type=scene.crossing.point_type,
        lat=36.4525,
        lon=115.984,
        supervision_grid=world.ninth,
    )
    PointUnit.objects.create(point=second, unit=world.police)
    rnd = services.round_plan(
        cast.office,
        name="三点督查",
        starts_on="2021-03-05",
        ends_on="2021-03-05",
        point_ids=[scene.crossing.pk, scene.compound.pk, second.pk],
        inspector_ids=[cast.inspector.pk],
    )
    spit = Criterion.objects.get(version=scene.red_light.version, code="P02-05-03")
    _submit(cast, rnd, scene.crossing, {spit: "吐痰"})
    _submit(cast, rnd, scene.compound, {scene.sorting: "c"})
    _submit(cast, rnd, second, {scene.red_light: "闯红灯", spit: "吐痰"})
    rows = [
        (f["criterion"].code, f["count"], f["points"])
        for f in selectors.round_scores(rnd)["failed_criteria"]
    ]
    assert rows == [
        ("P02-05-03", 2, ["东昌路卫育路路口", "东昌路振兴路路口"]),
        ("P02-02-02", 1, ["东昌路振兴路路口"]),  # ties in the standard's order
        ("P04-01-06", 1, ["铁塔社区铁塔小区"]),
    ]


def test_unit_inspection_scores_contract(world, cast, scene, clock):
    clock.set(at("2021-03-05 10:00"))
    r1 = _round(cast, scene, "2021-03-05")
    s1 = _submit(cast, r1, scene.crossing, {scene.red_light: "闯红灯"})
    clock.set(at("2021-03-09 23:30"))  # late evening local time, still 03-09
    s2 = _submit(
        cast,
        r1,
        scene.compound,
        {scene.sorting: "x"},
        na=[scene.sorting.__class__.objects.get(version=scene.sorting.version, code="P04-01-01")],
    )
    scores = selectors.unit_inspection_scores(dt.date(2021, 3, 5), dt.date(2021, 3, 9))
    police = scores[world.police.pk]
    assert (police["checked"], police["passed"], police["failed"], police["score"]) == (
        14,
        13,
        1,
        92.86,
    )
    assert police["result_ids"] == sorted(s1.results.values_list("id", flat=True))
    san = scores[world.sanitation.pk]
    assert (san["checked"], san["passed"], san["failed"], san["score"]) == (1, 0, 1, 0.0)
    gulou = scores[world.gulou_office.pk]
    assert (gulou["checked"], gulou["failed"], gulou["score"]) == (15, 0, 100.0)  # 17 - 1 - 1 n/a
    assert set(scores) == {world.police.pk, world.sanitation.pk, world.gulou_office.pk}
    na_id = s2.results.get(answer="na").pk
    assert all(na_id not in row["result_ids"] for row in scores.values())
    assert set(selectors.unit_inspection_scores(dt.date(2021, 3, 6), dt.date(2021, 3, 8))) == set()
    only_first = selectors.unit_inspection_scores(dt.date(2021, 3, 1), dt.date(2021, 3, 5))
    assert set(only_first) == {world.police.pk}


def test_unit_scores_count_queries(world, cast, scene, django_assert_num_queries):
    rnd = _round(cast, scene, "2021-03-05")
    _submit(cast, rnd, scene.crossing)
    with django_assert_num_queries(1):
        selectors.unit_inspection_scores(dt.date(2021, 1, 1), dt.date(2030, 1, 1))
