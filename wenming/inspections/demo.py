"""Demo inspection points inside the demo grids (after ``load_demo``), all marked generated.

One point per generated unit grid, at a point inside the grid, its type cycling through the
point types the example standard has checklists for (intersections, residential
compounds, markets, construction hoardings, cultural facilities). 铁塔社区's first grid
(371502001004-01, 第九网格) instead holds the two points of the briefing's supervision visit
(工作简报 2021 第6期): 东昌路卫育路路口 (an intersection; responsible: the traffic police)
and 铁塔社区铁塔小区 (a residential compound; responsible: its property company, or the
community committee where no company manages the community).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from wenming.core.errors import ApplicationError
from wenming.geo.locate import locate
from wenming.geo.models import Grid
from wenming.org.models import RoutingRule, Unit
from wenming.taxonomy.models import Category

from .models import InspectionEvent, Point, PointType, PointUnit

#: Point types cycled through the grids (names of the 2018 list).
CYCLE = ("交通路口", "小区", "集贸市场", "小区", "交通路口", "建筑围挡", "小区", "公共文化设施")
SUFFIX = {
    "交通路口": "路口",
    "小区": "小区",
    "集贸市场": "农贸市场",
    "建筑围挡": "建筑工地",
    "公共文化设施": "文化活动中心",
}
TIETA_GRID = "371502001004-01"
#: The briefing's points: code, name, type, (lat, lon) WGS-84 inside 371502001004-01.
SCENARIO = (
    ("DEMO-G09-CROSS", "东昌路卫育路路口", "交通路口", (36.4512, 116.0005)),
    ("DEMO-G09-TIETA", "铁塔社区铁塔小区", "小区", (36.453333, 116.001875)),
)


def _inside(grid: Grid) -> tuple[float, float]:
    geom = shape(grid.boundary)
    pt = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
    return round(pt.y, 6), round(pt.x, 6)


def _units(type_name: str, grid: Grid, units: dict[str, Unit], property_of: dict) -> list:
    """[(unit, category or None)] for a demo point of ``type_name`` in ``grid``."""
    community = grid.community
    sub_code = community.parent.code if community and community.parent_id else None
    office = units.get(f"SO-{sub_code}")
    committee = units.get(f"CM-{community.code}") if community else None
    if type_name == "交通路口":
        out = [(units["DEP-TRAFFIC"], None)]
        if office:
            out.append((office, "CC10"))
        return out
    if type_name == "小区":
        owner = property_of.get(community.id) if community else None
        return [(owner or committee or office, None)]
    if type_name == "建筑围挡":
        return [(units["DEP-URBAN"], None)]
    return [(office or committee, None)]


def load_demo_points() -> int:
    """Create the demo points that do not exist yet (by code); returns how many. Raises
    ApplicationError when ``load_demo`` has not run (no generated grids or units)."""
    grids = list(
        Grid.objects.filter(generated=True, supervision_grid__isnull=False)
        .select_related("community__parent", "supervision_grid")
        .order_by("code")
    )
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    if not grids or "DEP-TRAFFIC" not in units:
        raise ApplicationError(
            "demo_missing", _("Run load_demo first: the demo grids and units are missing.")
        )
    types = {t.name: t for t in PointType.objects.all()}
    categories = {c.code: c for c in Category.objects.filter(code__in=["CC01", "CC10"])}
    property_of = {
        r.region_id: r.unit
        for r in RoutingRule.objects.filter(
            category=categories.get("CC01"), unit__kind=Unit.Kind.PROPERTY_COMPANY
        ).select_related("unit")
    }
    existing = set(Point.objects.filter(generated=True).values_list("code", flat=True))
    plans = []
    for i, grid in enumerate(grids):
        if grid.code == TIETA_GRID:
            for code, name, type_name, (lat, lon) in SCENARIO:
                plans.append((code, name, type_name, lat, lon, grid))
            continue
        type_name = CYCLE[i % len(CYCLE)]
        lat, lon = _inside(grid)
        name = f"{grid.name}{SUFFIX[type_name]}（演示）"
        plans.append((f"DEMO-{grid.code}", name, type_name, lat, lon, grid))
    created = 0
    with transaction.atomic():
        for code, name, type_name, lat, lon, grid in plans:
            if code in existing:
                continue
            where = locate(lat, lon)
            point = Point.objects.create(
                code=code,
                name=name,
                point_type=types[type_name],
                lat=lat,
                lon=lon,
                address=name,
                grid=where.grid,
                community=where.community,
                supervision_grid_id=where.supervision_grid_id,
                generated=True,
            )
            seen = set()
            for unit, cat_code in _units(type_name, grid, units, property_of):
                cat = categories.get(cat_code) if cat_code else None
                if unit is None or (unit.pk, cat_code) in seen:
                    continue
                seen.add((unit.pk, cat_code))
                PointUnit.objects.create(point=point, unit=unit, category=cat)
            created += 1
        if created:
            InspectionEvent.objects.create(
                action="demo_points", at=point.created_at, data={"created": created}
            )
    return created
