"""Fixtures of the inspections tests: the full category list, the shipped example standard,
and the briefing's two points of 第九网格 (an intersection and a residential compound in
铁塔社区's unit grid of the shared ``world``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from wenming.inspections import services
from wenming.inspections.models import Criterion, Point, PointType, PointUnit, StandardVersion
from wenming.taxonomy.loaders import load_categories
from wenming.taxonomy.models import Category

#: The intersection 东昌路卫育路路口 and a compound, both inside 铁塔社区1号网格 of ``world``.
CROSSING = (36.452, 115.983)
COMPOUND = (36.457, 115.987)


@pytest.fixture
def standard(world) -> StandardVersion:
    load_categories()
    return services.standard_load_example()


@dataclass
class Scene:
    crossing: Point
    compound: Point
    red_light: Criterion  # 交通路口: 无行人闯红灯、乱穿马路、翻越护栏 (CC07)
    sorting: Criterion  # 小区: 设垃圾分类收集容器 (CC09)


@pytest.fixture
def scene(world, standard) -> Scene:
    crossing = Point.objects.create(
        code="P-0901",
        name="东昌路卫育路路口",
        point_type=PointType.objects.get(name="交通路口"),
        lat=CROSSING[0],
        lon=CROSSING[1],
        grid=world.grid_tieta,
        community=world.tieta,
        supervision_grid=world.ninth,
    )
    PointUnit.objects.create(point=crossing, unit=world.police)
    compound = Point.objects.create(
        code="P-0902",
        name="铁塔社区铁塔小区",
        point_type=PointType.objects.get(name="小区"),
        lat=COMPOUND[0],
        lon=COMPOUND[1],
        grid=world.grid_tieta,
        community=world.tieta,
        supervision_grid=world.ninth,
    )
    PointUnit.objects.create(point=compound, unit=world.gulou_office)
    PointUnit.objects.create(
        point=compound, unit=world.sanitation, category=Category.objects.get(code="CC09")
    )
    return Scene(
        crossing,
        compound,
        Criterion.objects.get(version=standard, code="P02-02-02"),
        Criterion.objects.get(version=standard, code="P04-01-06"),
    )


def answers_for(rnd, point, fail: dict | None = None, na: tuple = ()) -> list[dict]:
    """Answers for every criterion of the point's checklist: pass, except ``fail``
    (criterion -> note) and ``na`` (criteria)."""
    fail = {c.pk: note for c, note in (fail or {}).items()}
    na_ids = {c.pk for c in na}
    out = []
    for c in services.checklist_criteria(rnd, point):
        if c.pk in fail:
            out.append({"criterion_id": c.pk, "answer": "fail", "note": fail[c.pk]})
        elif c.pk in na_ids:
            out.append({"criterion_id": c.pk, "answer": "na"})
        else:
            out.append({"criterion_id": c.pk, "answer": "pass"})
    return out


def new_uuid() -> str:
    return str(uuid.uuid4())
