"""Demo data for the sample city 聊城市 (371500): grids, units, routing rules and accounts.

Real street-level and grid-level boundaries of 聊城 are not public, so the demo *generates*
them (``generated=True``) inside the real boundary of 东昌府区 (371502, loaded by
``load_reference``):

- The urban core, lon 115.93–116.03 E × lat 36.41–36.49 N (WGS-84), is cut into a lattice of
  16 × 12 cells. Each block of 4 × 4 cells is one supervision grid (创城网格, 12 in all, codes
  G01–G12), and each cell is one unit grid (单元网格, 192 in all), intersected with the county
  boundary (the core lies wholly inside it, so every grid is a rectangle). Cells share edges
  exactly: grids never overlap.
- Supervision grids are numbered row by row from the north-west, except that 第七 and 第九 are
  swapped so that 第九网格 covers the old town (古城, 铁塔) as in 工作简报 2021 第6期, where
  王建鹏 (市人大常委会副主任) led the supervision of 第九网格 and visited 铁塔社区. Every other
  leader is a made-up name with "（演示）" in the title.
- Each supervision grid belongs to one real subdistrict (table :data:`SUPERVISION_GRIDS`);
  its 16 unit grids are walked row by row, alternating direction, and handed out in runs to the
  subdistrict's real communities in code order (社区 before 村), so a community's grids are
  adjacent. A unit grid's code is its community's code plus a number: ``371502001004-01``.

Where 铁塔社区 is (used by tests and demos): 铁塔社区居委会 (371502001004) has the unit grids
``371502001004-01`` (lon 115.99875–116.005, lat 36.45–36.456667) and
``371502001004-02`` (lon 115.9925–115.99875, same latitudes), both in 第九网格.
``demo_point("371502001004")`` returns the centre of the first one,
``(36.453333, 116.001875)`` (lat, lon).

Units: the units named in the briefing (聊城市中级人民法院, 市审计局, 市工业行业服务中心,
古楼街道办事处, 铁塔社区居委会), the city departments that handle street problems (交警支队,
环境卫生管理处, 园林绿化服务中心, 城市管理局), one subdistrict office per subdistrict with grids,
one community committee per community with grids, and four made-up property companies
(``generated=True``).

Routing rules (see :func:`wenming.org.routing.propose_unit`, which tries the case's region
before its category): each category rule (闯红灯 → 交警支队, 垃圾 → 环卫处, 毁绿种菜 → 园林 …) is
stored city-wide *and* for every subdistrict with grids, because inside a subdistrict its
catch-all rule (any category → the subdistrict office) would otherwise win. Community-level
rules send 不文明养犬 to the community committee and property problems (乱贴乱画, 楼道堆物 …)
in managed communities to the property company. Every case located in a grid therefore gets a
proposed unit.

Accounts: one per role, password :data:`DEMO_PASSWORD` (set only when the account is created;
a rerun never resets a password), plus the superuser ``admin``. Demo only: change or delete them
before real use.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry

from wenming.core.errors import ApplicationError
from wenming.geo.models import Grid, Region, SupervisionGrid
from wenming.taxonomy.models import Category

from .models import Membership, RoutingRule, Unit

DEMO_CITY_CODE = "371500"
COUNTY_CODE = "371502"  # 东昌府区
DEMO_PASSWORD = "wenming-demo"

#: The urban core that is cut into grids: (west, south, east, north), WGS-84 degrees.
CORE_BOUNDS = (115.93, 36.41, 116.03, 36.49)
COLUMNS, ROWS = 4, 3  # supervision grids across, down
CELLS = 4  # unit grids per side of a supervision grid
PRECISION = 7  # decimals of stored coordinates (about 1 cm)

Role = Membership.Role
Kind = Unit.Kind


@dataclass(frozen=True)
class SupervisionSpec:
    code: str
    name: str
    column: int  # 0 = west
    row: int  # 0 = north
    subdistrict: str
    leader_name: str
    leader_title: str
    pairing_unit: str  # a city unit paired with the grid (帮扶)


#: The 12 supervision grids. 第九网格 covers the old town (古楼街道, 铁塔社区).
SUPERVISION_GRIDS = (
    SupervisionSpec(
        "G01", "第一网格", 0, 0, "371502008", "刘文华", "市委常委（演示）", "DEP-COURT"
    ),
    SupervisionSpec("G02", "第二网格", 1, 0, "371502002", "陈志远", "副市长（演示）", "DEP-AUDIT"),
    SupervisionSpec(
        "G03", "第三网格", 2, 0, "371502002", "赵立新", "市政协副主席（演示）", "DEP-INDUSTRY"
    ),  # fmt: skip
    SupervisionSpec("G04", "第四网格", 3, 0, "371502003", "孙建国", "副市长（演示）", "DEP-COURT"),
    SupervisionSpec(
        "G05", "第五网格", 0, 1, "371502004", "周明德", "市委常委（演示）", "DEP-AUDIT"
    ),
    SupervisionSpec(
        "G06", "第六网格", 1, 1, "371502001", "吴海涛", "市人大常委会副主任（演示）", "DEP-INDUSTRY"
    ),  # fmt: skip
    SupervisionSpec(
        "G07", "第七网格", 0, 2, "371502006", "郑晓东", "市政协副主席（演示）", "DEP-COURT"
    ),  # fmt: skip
    SupervisionSpec("G08", "第八网格", 3, 1, "371502003", "冯长青", "副市长（演示）", "DEP-AUDIT"),
    SupervisionSpec(
        "G09", "第九网格", 2, 1, "371502001", "王建鹏", "市人大常委会副主任", "DEP-COURT"
    ),  # fmt: skip
    SupervisionSpec(
        "G10", "第十网格", 1, 2, "371502011", "褚国庆", "市委常委（演示）", "DEP-INDUSTRY"
    ),  # fmt: skip
    SupervisionSpec(
        "G11", "第十一网格", 2, 2, "371502005", "卫东升", "市政协副主席（演示）", "DEP-AUDIT"
    ),  # fmt: skip
    SupervisionSpec(
        "G12", "第十二网格", 3, 2, "371502009", "蒋学军", "副市长（演示）", "DEP-INDUSTRY"
    ),  # fmt: skip
)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    region: str  # region code
    generated: bool = False
    member_of_all_grids: bool = False


#: City departments; the first three are named in 工作简报 2021 第6期.
DEPARTMENTS = (
    UnitSpec("DEP-COURT", "聊城市中级人民法院", Kind.DEPARTMENT, DEMO_CITY_CODE),
    UnitSpec("DEP-AUDIT", "市审计局", Kind.DEPARTMENT, DEMO_CITY_CODE),
    UnitSpec("DEP-INDUSTRY", "市工业行业服务中心", Kind.DEPARTMENT, DEMO_CITY_CODE),
    UnitSpec("DEP-TRAFFIC", "市公安局交警支队", Kind.DEPARTMENT, DEMO_CITY_CODE, False, True),
    UnitSpec("DEP-SANITATION", "市环境卫生管理处", Kind.DEPARTMENT, DEMO_CITY_CODE, False, True),
    UnitSpec("DEP-GREENING", "市园林绿化服务中心", Kind.DEPARTMENT, DEMO_CITY_CODE, False, True),
    UnitSpec("DEP-URBAN", "市城市管理局", Kind.DEPARTMENT, DEMO_CITY_CODE, False, True),
)


@dataclass(frozen=True)
class PropertySpec:
    code: str
    name: str
    subdistrict: str
    communities: int  # manages this many of the subdistrict's communities with grids
    skip: int = 0  # ... starting after this many


#: Made-up property companies (物业服务企业); 古楼街道's article in the briefing is about them.
PROPERTY_COMPANIES = (
    PropertySpec("PC-01", "聊城嘉和物业服务有限公司（演示）", "371502001", 4, 0),
    PropertySpec("PC-02", "聊城安泰物业服务有限公司（演示）", "371502001", 4, 4),
    PropertySpec("PC-03", "聊城润华物业服务有限公司（演示）", "371502002", 4, 0),
    PropertySpec("PC-04", "聊城恒安物业服务有限公司（演示）", "371502003", 4, 0),
)

#: Category code → department code, city-wide and in every subdistrict with grids.
CATEGORY_RULES = (
    ("CC04", "DEP-GREENING"),  # 毁绿种菜
    ("CC05", "DEP-SANITATION"),  # 垃圾清运不及时
    ("CC07", "DEP-TRAFFIC"),  # 闯红灯
    ("CC08", "DEP-TRAFFIC"),  # 逆向行驶
    ("CC09", "DEP-SANITATION"),  # 垃圾分类不规范
    ("CC10", "DEP-SANITATION"),  # 环境卫生脏乱
    ("CC12", "DEP-TRAFFIC"),  # 机动车不礼让行人
    ("1001", "DEP-URBAN"),  # 部件 公共设施
    ("1002", "DEP-TRAFFIC"),  # 部件 道路交通
    ("1003", "DEP-SANITATION"),  # 部件 市容环境
    ("1004", "DEP-GREENING"),  # 部件 园林绿化
    ("1005", "DEP-URBAN"),  # 部件 房屋土地
    ("2001", "DEP-SANITATION"),  # 事件 市容环境
    ("200101", "DEP-URBAN"),  # 新增建筑
    ("200141", "DEP-URBAN"),  # 油烟污染
    ("2002", "DEP-URBAN"),  # 事件 宣传广告
    ("2003", "DEP-URBAN"),  # 事件 施工管理
    ("2004", "DEP-URBAN"),  # 事件 突发事件
    ("200409", "DEP-GREENING"),  # 病虫害
    ("200498", "DEP-GREENING"),  # 非法伐树
    ("2005", "DEP-URBAN"),  # 事件 街面秩序
    ("200505", "DEP-TRAFFIC"),  # 机动车乱停放
    ("200509", "DEP-TRAFFIC"),  # 黑车拉客
)
#: Problems inside residential compounds: the property company of a managed community.
PROPERTY_CATEGORIES = ("CC01", "CC02", "CC03", "CC13", "CC14")
#: Problems the community committee handles in its own community.
COMMUNITY_CATEGORIES = ("CC06",)


@dataclass(frozen=True)
class AccountSpec:
    username: str
    role: str  # a Membership role, or "" for the superuser
    display: str
    unit: str | None = None  # unit code
    region: str | None = None  # region code
    superuser: bool = False


ACCOUNTS = (
    AccountSpec("office", Role.OFFICE, "创城办（演示）"),
    AccountSpec("inspector", Role.INSPECTOR, "督查员（演示）"),
    AccountSpec("leader", Role.LEADER, "市领导（演示）"),
    AccountSpec("handler_sanitation", Role.UNIT_HANDLER, "环卫处（演示）", unit="DEP-SANITATION"),
    AccountSpec("handler_police", Role.UNIT_HANDLER, "交警支队（演示）", unit="DEP-TRAFFIC"),
    AccountSpec("handler_gulou", Role.UNIT_HANDLER, "古楼街道办（演示）", unit="SO-371502001"),
    # The units whose articles fill 工作简报 2021 第6期, so the demo can replay their submissions.
    AccountSpec("handler_court", Role.UNIT_HANDLER, "中级法院（演示）", unit="DEP-COURT"),
    AccountSpec("handler_audit", Role.UNIT_HANDLER, "审计局（演示）", unit="DEP-AUDIT"),
    AccountSpec(
        "handler_industry", Role.UNIT_HANDLER, "工业行业服务中心（演示）", unit="DEP-INDUSTRY"
    ),
    AccountSpec("area_gulou", Role.AREA_STAFF, "古楼街道（演示）", region="371502001"),
    AccountSpec("admin", "", "管理员（演示）", superuser=True),
)


# --- geometry -----------------------------------------------------------------------------


def _edges(start: float, stop: float, n: int) -> list[float]:
    return [round(start + (stop - start) * i / n, PRECISION) for i in range(n + 1)]


def _lattice() -> tuple[list[float], list[float]]:
    """Longitudes west→east and latitudes north→south of the unit-grid lattice."""
    west, south, east, north = CORE_BOUNDS
    return _edges(west, east, COLUMNS * CELLS), _edges(north, south, ROWS * CELLS)


def _geojson(geom: BaseGeometry) -> dict:
    """A GeoJSON dict with coordinates rounded to PRECISION, as JSON stores it (lists)."""

    def rnd(value):
        if isinstance(value, int | float):
            return round(value, PRECISION)
        return [rnd(v) for v in value]

    raw = json.loads(json.dumps(mapping(geom)))
    raw["coordinates"] = rnd(raw["coordinates"])
    return raw


def _clip(cell: BaseGeometry, county: BaseGeometry) -> dict:
    if county.contains(cell):
        return _geojson(cell)
    part = cell.intersection(county)
    if part.is_empty or part.geom_type not in ("Polygon", "MultiPolygon"):
        raise ApplicationError(
            "invalid_demo_layout", _("A demo grid lies outside the county boundary.")
        )
    return _geojson(part)


def short_community_name(name: str) -> str:
    """铁塔社区居委会 → 铁塔社区, 陈化屯村委会 → 陈化屯村."""
    for suffix in ("居民委员会", "居委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    for suffix in ("村民委员会", "村委会"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem.endswith("村") else stem + "村"
    return name


@dataclass(frozen=True)
class GridPlan:
    code: str
    name: str
    community: Region
    supervision: str
    boundary: dict


def plan_grids(county: Region, communities: dict[str, list[Region]]):
    """The supervision-grid boundaries ``{code: geojson}`` and the unit grids (``GridPlan``).

    ``communities`` maps each subdistrict code to its communities ordered by code.
    """
    county_shape = shape(county.boundary)
    lons, lats = _lattice()
    supervision: dict[str, dict] = {}
    cells_by_subdistrict: dict[str, list[tuple[str, BaseGeometry]]] = defaultdict(list)
    # 第九网格 first among 古楼街道's grids, so its first communities (古城, 铁塔) lie in it.
    order = sorted(SUPERVISION_GRIDS, key=lambda s: (s.code != "G09", s.code))
    for spec in order:
        c0, r0 = spec.column * CELLS, spec.row * CELLS
        cell = box(lons[c0], lats[r0 + CELLS], lons[c0 + CELLS], lats[r0])
        supervision[spec.code] = _clip(cell, county_shape)
        for i in range(CELLS):
            columns = range(CELLS) if i % 2 == 0 else reversed(range(CELLS))
            for j in columns:
                sub = box(lons[c0 + j], lats[r0 + i + 1], lons[c0 + j + 1], lats[r0 + i])
                cells_by_subdistrict[spec.subdistrict].append((spec.code, sub))
    grids: list[GridPlan] = []
    for sub_code, cells in cells_by_subdistrict.items():
        members = communities.get(sub_code) or []
        if not members:
            raise ApplicationError(
                "missing_reference_data",
                _("Subdistrict %(code)s has no communities; run load_reference first.")
                % {"code": sub_code},
            )
        used = members[: len(cells)]
        for k, community in enumerate(used):
            run = cells[k * len(cells) // len(used) : (k + 1) * len(cells) // len(used)]
            for n, (sg_code, cell) in enumerate(run, start=1):
                grids.append(
                    GridPlan(
                        code=f"{community.code}-{n:02d}",
                        name=f"{short_community_name(community.name)}{n}号网格",
                        community=community,
                        supervision=sg_code,
                        boundary=_clip(cell, county_shape),
                    )
                )
    return supervision, grids


def demo_point(community_code: str) -> tuple[float, float]:
    """A WGS-84 ``(lat, lon)`` inside the first unit grid (by code) of the community.

    Reads the grid from the database (``load_demo`` must have run). For 铁塔社区居委会
    (``"371502001004"``) this is ``(36.453333, 116.001875)``, in 第九网格.
    """
    grid = Grid.objects.filter(community__code=community_code).order_by("code").first()
    if grid is None:
        raise ApplicationError(
            "unknown_grid", _("No unit grid for community %(code)s.") % {"code": community_code}
        )
    geom = shape(grid.boundary)
    pt = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
    return round(pt.y, 6), round(pt.x, 6)


# --- loading ------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class DemoResult:
    """What ``load_demo`` did: counts per kind (in order) and the accounts table rows."""

    counts: dict[str, Counts] = field(default_factory=dict)
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values())


def _upsert(existing: dict, key, model, values: dict, counts: Counts):
    """Create ``model(**values)`` under ``key`` or update the fields that differ.

    A real (not generated) grid under a demo grid's code is never overwritten.
    """
    obj = existing.get(key)
    if obj is not None and values.get("generated") and not obj.generated:
        raise ApplicationError(
            "real_data",
            _("%(code)s exists and is not demo data; the demo does not overwrite it.")
            % {"code": key},
        )
    if obj is None:
        obj = model.objects.create(**values)
        existing[key] = obj
        counts.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj


def _require_reference() -> tuple[Region, dict[str, Region]]:
    def missing(what: str) -> ApplicationError:
        return ApplicationError(
            "missing_reference_data",
            _("%(what)s is missing: run `manage.py load_reference` first.") % {"what": what},
        )

    if str(settings.WENMING_CITY_CODE) != DEMO_CITY_CODE:
        raise ApplicationError(
            "no_demo_data",
            _("There is demo data only for city %(demo)s, not for %(city)s.")
            % {"demo": DEMO_CITY_CODE, "city": settings.WENMING_CITY_CODE},
        )
    county = Region.objects.filter(code=COUNTY_CODE, level=Region.Level.COUNTY).first()
    if county is None or not county.boundary:
        raise missing(_("The boundary of region %(code)s") % {"code": COUNTY_CODE})
    codes = {DEMO_CITY_CODE, *(s.subdistrict for s in SUPERVISION_GRIDS)}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes).defer("boundary")}
    if codes - set(regions):
        raise missing(_("Region %(code)s") % {"code": min(codes - set(regions))})
    cat_codes = {c for c, _unit in CATEGORY_RULES} | {*PROPERTY_CATEGORIES, *COMMUNITY_CATEGORIES}
    found = set(Category.objects.filter(code__in=cat_codes).values_list("code", flat=True))
    if cat_codes - found:
        raise missing(_("Category %(code)s") % {"code": min(cat_codes - found)})
    return county, regions


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(rows: list[tuple[str, ...]]) -> str:
    """Rows as aligned columns (CJK characters count double)."""
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[i] - _display_width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@transaction.atomic
def load_demo() -> DemoResult:
    """Create or update the demo world; see the module docstring. Idempotent."""
    county, regions = _require_reference()
    result = DemoResult()

    def count(label: str) -> Counts:
        return result.counts.setdefault(label, Counts())

    subdistricts = sorted({s.subdistrict for s in SUPERVISION_GRIDS})
    communities: dict[str, list[Region]] = defaultdict(list)
    for region in (
        Region.objects.filter(parent__code__in=subdistricts, level=Region.Level.COMMUNITY)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .order_by("code")
    ):
        communities[region.parent.code].append(region)
    supervision_boundaries, grid_plans = plan_grids(county, communities)

    # Supervision grids.
    sg_counts = count(_("supervision grids"))
    existing_sg = {g.code: g for g in SupervisionGrid.objects.all()}
    sgrids: dict[str, SupervisionGrid] = {}
    for spec in SUPERVISION_GRIDS:
        sgrids[spec.code] = _upsert(
            existing_sg,
            spec.code,
            SupervisionGrid,
            {
                "code": spec.code,
                "name": spec.name,
                "leader_name": spec.leader_name,
                "leader_title": spec.leader_title,
                "boundary": supervision_boundaries[spec.code],
                "generated": True,
            },
            sg_counts,
        )

    # Unit grids.
    grid_counts = count(_("unit grids"))
    existing_grids = {g.code: g for g in Grid.objects.all()}
    grids_by_sg: dict[str, list[GridPlan]] = defaultdict(list)
    for plan in grid_plans:
        _upsert(
            existing_grids,
            plan.code,
            Grid,
            {
                "code": plan.code,
                "name": plan.name,
                "community_id": plan.community.id,
                "supervision_grid_id": sgrids[plan.supervision].id,
                "boundary": plan.boundary,
                "generated": True,
            },
            grid_counts,
        )
        grids_by_sg[plan.supervision].append(plan)

    # Units.
    unit_counts = count(_("units"))
    existing_units = {u.code: u for u in Unit.objects.all()}
    taken_names = {u.name: u.code for u in existing_units.values()}
    units: dict[str, Unit] = {}

    def unit(code, name, kind, region, parent=None, generated=False):
        if taken_names.get(name, code) != code:
            name = f"{region.parent.name}{name}" if region.parent else f"{name}（{code}）"
        taken_names[name] = code
        units[code] = _upsert(
            existing_units,
            code,
            Unit,
            {
                "code": code,
                "name": name,
                "kind": kind,
                "region_id": region.id,
                "parent_id": parent.id if parent else None,
                "generated": generated,
            },
            unit_counts,
        )
        return units[code]

    for spec in DEPARTMENTS:
        unit(spec.code, spec.name, spec.kind, regions[spec.region])
    community_units: dict[str, Unit] = {}
    grid_communities: dict[str, list[Region]] = defaultdict(list)  # per subdistrict
    for plan in grid_plans:
        sub = plan.community.parent_id
        if plan.community not in grid_communities[sub]:
            grid_communities[sub].append(plan.community)
    for sub_code in subdistricts:
        sub = regions[sub_code]
        office_name = sub.name + ("办事处" if sub.name.endswith("街道") else "人民政府")
        office = unit(f"SO-{sub.code}", office_name, Kind.SUBDISTRICT_OFFICE, sub)
        for community in grid_communities[sub.id]:
            community_units[community.code] = unit(
                f"CM-{community.code}",
                community.name,
                Kind.COMMUNITY_COMMITTEE,
                community,
                parent=office,
            )
    managed: dict[str, list[Region]] = {}
    for spec in PROPERTY_COMPANIES:
        sub = regions[spec.subdistrict]
        unit(spec.code, spec.name, Kind.PROPERTY_COMPANY, sub, generated=True)
        managed[spec.code] = grid_communities[sub.id][spec.skip : spec.skip + spec.communities]

    # Supervision grids: the regions they cover and their member units.
    link_counts = count(_("grid links"))
    region_links = set(SupervisionGrid.regions.through.objects.values_list("supervisiongrid_id", "region_id"))  # fmt: skip
    unit_links = set(Unit.supervision_grids.through.objects.values_list("unit_id", "supervisiongrid_id"))  # fmt: skip
    new_region_links, new_unit_links = [], []
    for spec in SUPERVISION_GRIDS:
        sg = sgrids[spec.code]
        plans = grids_by_sg[spec.code]
        covered = list(dict.fromkeys([regions[spec.subdistrict]] + [p.community for p in plans]))
        members = [units[f"SO-{spec.subdistrict}"], units[spec.pairing_unit]]
        members += [community_units[p.community.code] for p in plans]
        members += [units[d.code] for d in DEPARTMENTS if d.member_of_all_grids]
        members += [
            units[code]
            for code, managed_communities in managed.items()
            if any(c in covered for c in managed_communities)
        ]
        for region in covered:
            if (sg.id, region.id) in region_links:
                link_counts.unchanged += 1
            else:
                region_links.add((sg.id, region.id))
                new_region_links.append(
                    SupervisionGrid.regions.through(supervisiongrid_id=sg.id, region_id=region.id)
                )
        for member in dict.fromkeys(members):
            if (member.id, sg.id) in unit_links:
                link_counts.unchanged += 1
            else:
                unit_links.add((member.id, sg.id))
                new_unit_links.append(
                    Unit.supervision_grids.through(unit_id=member.id, supervisiongrid_id=sg.id)
                )
    SupervisionGrid.regions.through.objects.bulk_create(new_region_links)
    Unit.supervision_grids.through.objects.bulk_create(new_unit_links)
    link_counts.created = len(new_region_links) + len(new_unit_links)

    # Routing rules.
    rule_counts = count(_("routing rules"))
    categories = {c.code: c for c in Category.objects.all()}
    existing_rules = {(r.category_id, r.region_id): r for r in RoutingRule.objects.all()}

    def rule(category: Category | None, region: Region | None, target: Unit, note: str):
        key = (category.id if category else None, region.id if region else None)
        _upsert(
            existing_rules,
            key,
            RoutingRule,
            {
                "category_id": key[0],
                "region_id": key[1],
                "unit_id": target.id,
                "note": note[:200],
            },
            rule_counts,
        )

    for area in [None, *(regions[code] for code in subdistricts)]:
        for cat_code, unit_code in CATEGORY_RULES:
            rule(categories[cat_code], area, units[unit_code], "演示：按问题类别")
    for code in subdistricts:
        rule(None, regions[code], units[f"SO-{code}"], "演示：属地兜底")
    for sub_code in subdistricts:
        for community in grid_communities[regions[sub_code].id]:
            for cat_code in COMMUNITY_CATEGORIES:
                rule(
                    categories[cat_code],
                    community,
                    community_units[community.code],
                    "演示：社区居委会",
                )
    for spec in PROPERTY_COMPANIES:
        for community in managed[spec.code]:
            for cat_code in PROPERTY_CATEGORIES:
                rule(categories[cat_code], community, units[spec.code], "演示：物业服务企业")

    # Accounts and memberships.
    account_counts = count(_("accounts"))
    membership_counts = count(_("memberships"))
    User = get_user_model()
    by_name = {u.username: u for u in User.objects.filter(username__in=[a.username for a in ACCOUNTS])}  # fmt: skip
    for spec in ACCOUNTS:
        user = by_name.get(spec.username)
        if user is None:
            make = User.objects.create_superuser if spec.superuser else User.objects.create_user
            user = make(spec.username, password=DEMO_PASSWORD, first_name=spec.display)
            account_counts.created += 1
        else:
            account_counts.unchanged += 1
        where = ""
        if spec.role:
            membership = {
                "user": user,
                "role": spec.role,
                "unit": units[spec.unit] if spec.unit else None,
                "region": Region.objects.get(code=spec.region) if spec.region else None,
            }
            _obj, created = Membership.objects.get_or_create(**membership)
            if created:
                membership_counts.created += 1
            else:
                membership_counts.unchanged += 1
            target = membership["unit"] or membership["region"]
            where = (
                target.name if target else (_("city-wide") if spec.role == Role.INSPECTOR else "")
            )
        role = str(Role(spec.role).label) if spec.role else _("superuser")
        password = DEMO_PASSWORD if check_password(DEMO_PASSWORD, user.password) else _("(changed)")
        result.accounts.append((spec.username, role, where or "—", password))

    return result
