"""``manage.py load_inspections_demo`` after ``load_reference`` and ``load_demo``: the example
standard, demo points in the demo grids with the briefing's two points in 第九网格; a round of
100 points planned over demo grids."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wenming.geo import locate as locate_module
from wenming.inspections import services
from wenming.inspections.models import Point, StandardVersion
from wenming.org.demo import demo_point


@pytest.fixture
def demo(db):
    locate_module.invalidate()
    call_command("load_reference", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())


def test_load_inspections_demo(demo):
    out = StringIO()
    call_command("load_inspections_demo", stdout=out)
    assert "示例测评体系：测评标准 74 条" in out.getvalue()
    assert "演示点位：新增 193 个" in out.getvalue()
    assert StandardVersion.objects.get().is_example
    cross = Point.objects.get(code="DEMO-G09-CROSS")
    tieta = Point.objects.get(code="DEMO-G09-TIETA")
    assert (cross.name, cross.point_type.name, cross.supervision_grid.name) == (
        "东昌路卫育路路口", "交通路口", "第九网格",
    )  # fmt: skip
    assert (tieta.lat, tieta.lon) == demo_point("371502001004")
    assert tieta.community.code == "371502001004" and tieta.point_type.name == "小区"
    assert list(cross.point_units.filter(category=None).values_list("unit__code", flat=True)) == [
        "DEP-TRAFFIC"
    ]
    assert tieta.point_units.get(category=None).unit.kind == "property_company"
    assert Point.objects.filter(generated=True, supervision_grid__isnull=True).count() == 0
    out = StringIO()
    call_command("load_inspections_demo", stdout=out)
    assert "演示点位：新增 0 个" in out.getvalue() and Point.objects.count() == 193

    from django.contrib.auth import get_user_model

    from wenming.geo.models import SupervisionGrid

    User = get_user_model()
    office, inspector = User.objects.get(username="office"), User.objects.get(username="inspector")
    grids = list(SupervisionGrid.objects.order_by("code").values_list("id", flat=True)[:7])
    rnd = services.round_plan(
        office,
        name="百点督查",
        starts_on="2021-03-08",
        ends_on="2021-03-12",
        supervision_grid_ids=grids[:6],
        point_ids=list(
            Point.objects.filter(supervision_grid_id=grids[6]).values_list("id", flat=True)[:4]
        ),
        inspector_ids=[inspector.pk],
    )
    assert rnd.points.count() == 100


def test_needs_load_demo(db):
    call_command("load_reference", stdout=StringIO())
    with pytest.raises(CommandError, match="load_demo"):
        call_command("load_inspections_demo", stdout=StringIO())
