"""manage.py load_demo: generated grids inside 东昌府区, units, routing rules, accounts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import translation
from shapely import STRtree
from shapely.geometry import Point, shape

from wenming.cases import services
from wenming.geo import locate
from wenming.geo.models import Grid, Region, SupervisionGrid
from wenming.org.demo import DEMO_PASSWORD, demo_point
from wenming.org.models import Membership, RoutingRule, Unit
from wenming.taxonomy.models import Category

pytestmark = pytest.mark.django_db

TIETA = "371502001004"

FIRST_RUN = """\
supervision grids: 12 created, 0 updated, 0 unchanged
unit grids: 192 created, 0 updated, 0 unchanged
units: 160 created, 0 updated, 0 unchanged
grid links: 368 created, 0 updated, 0 unchanged
routing rules: 459 created, 0 updated, 0 unchanged
accounts: 11 created, 0 updated, 0 unchanged
memberships: 10 created, 0 updated, 0 unchanged
1212 rows changed
"""

SECOND_RUN = """\
supervision grids: 0 created, 0 updated, 12 unchanged
unit grids: 0 created, 0 updated, 192 unchanged
units: 0 created, 0 updated, 160 unchanged
grid links: 0 created, 0 updated, 368 unchanged
routing rules: 0 created, 0 updated, 459 unchanged
accounts: 0 created, 0 updated, 11 unchanged
memberships: 0 created, 0 updated, 10 unchanged
nothing changed
"""

ACCOUNTS = {
    # username: (role, unit code, region code)
    "office": ("office", None, None),
    "inspector": ("inspector", None, None),
    "leader": ("leader", None, None),
    "handler_sanitation": ("unit_handler", "DEP-SANITATION", None),
    "handler_police": ("unit_handler", "DEP-TRAFFIC", None),
    "handler_gulou": ("unit_handler", "SO-371502001", None),
    "handler_court": ("unit_handler", "DEP-COURT", None),
    "handler_audit": ("unit_handler", "DEP-AUDIT", None),
    "handler_industry": ("unit_handler", "DEP-INDUSTRY", None),
    "area_gulou": ("area_staff", None, "371502001"),
}


def run(command: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command(command, stdout=out)
    return out.getvalue()


def counts_part(output: str) -> str:
    return output.split("\n\n")[0] + "\n"


def table(output: str) -> dict[str, list[str]]:
    """The accounts table: username -> the other columns."""
    lines = output.split("\n\n", 1)[1].strip().splitlines()
    rows = {}
    for line in lines[1:]:
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


def world_counts() -> dict[str, int]:
    return {
        "supervision grids": SupervisionGrid.objects.count(),
        "grids": Grid.objects.count(),
        "units": Unit.objects.count(),
        "rules": RoutingRule.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "unit links": Unit.supervision_grids.through.objects.count(),
        "region links": SupervisionGrid.regions.through.objects.count(),
    }


@pytest.fixture
def reference():
    locate.invalidate()
    call_command("load_reference", stdout=StringIO())
    yield
    locate.invalidate()


def test_needs_load_reference():
    with translation.override("en"), pytest.raises(CommandError, match="load_reference"):
        call_command("load_demo", stdout=StringIO())
    assert SupervisionGrid.objects.count() == 0
    assert Unit.objects.count() == 0


def test_first_run_creates_the_world_and_second_run_changes_nothing(reference):
    first = run("load_demo")
    assert counts_part(first) == FIRST_RUN
    counts = world_counts()
    assert counts == {
        "supervision grids": 12,
        "grids": 192,
        "units": 160,
        "rules": 459,
        "users": 11,
        "memberships": 10,
        "unit links": 368 - counts["region links"],
        "region links": counts["region links"],
    }
    snapshot = {
        "grids": list(Grid.objects.values_list("id", "code", "boundary", "community_id")),
        "units": list(Unit.objects.values_list("id", "code", "name", "kind", "region_id")),
        "rules": list(RoutingRule.objects.values_list("id", "category_id", "region_id", "unit_id")),
        "passwords": list(get_user_model().objects.values_list("username", "password")),
    }

    second = run("load_demo")
    assert counts_part(second) == SECOND_RUN
    assert world_counts() == counts
    assert snapshot == {
        "grids": list(Grid.objects.values_list("id", "code", "boundary", "community_id")),
        "units": list(Unit.objects.values_list("id", "code", "name", "kind", "region_id")),
        "rules": list(RoutingRule.objects.values_list("id", "category_id", "region_id", "unit_id")),
        "passwords": list(get_user_model().objects.values_list("username", "password")),
    }

    # The accounts table, printed both times.
    for output in (first, second):
        rows = table(output)
        assert set(rows) == {*ACCOUNTS, "admin"}
        assert all(cells[-1] == DEMO_PASSWORD for cells in rows.values())
    User = get_user_model()
    for username, (role, unit, region) in ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        m = Membership.objects.get(user=user)
        assert (m.role, m.unit.code if m.unit else None, m.region.code if m.region else None) == (
            role,
            unit,
            region,
        )
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)


def test_grids_are_inside_dongchangfu_and_do_not_overlap(reference):
    run("load_demo")
    county = shape(Region.objects.get(code="371502").boundary)
    sgrids = list(SupervisionGrid.objects.order_by("code"))
    assert [g.code for g in sgrids] == [f"G{i:02d}" for i in range(1, 13)]
    assert [g.name for g in sgrids][:3] == ["第一网格", "第二网格", "第三网格"]
    assert sgrids[-1].name == "第十二网格"
    assert all(g.generated for g in sgrids)
    shapes = {g.id: shape(g.boundary) for g in sgrids}
    for g in sgrids:
        assert shapes[g.id].is_valid and shapes[g.id].area > 0
        assert county.contains(shapes[g.id]), g.code
    ninth = SupervisionGrid.objects.get(code="G09")
    assert (ninth.name, ninth.leader_name, ninth.leader_title) == (
        "第九网格",
        "王建鹏",
        "市人大常委会副主任",
    )
    for g in sgrids:
        if g.code != "G09":
            assert g.leader_name and "演示" in g.leader_title
    # The old town (古城, about 115.985 E 36.455 N) is in 第九网格.
    assert shapes[ninth.id].contains(Point(115.985, 36.455))

    def no_overlap(geoms):
        tree = STRtree(geoms)
        for i, geom in enumerate(geoms):
            for j in tree.query(geom):
                if j != i:
                    assert geom.intersection(geoms[j]).area < 1e-12

    no_overlap(list(shapes.values()))
    grids = list(Grid.objects.select_related("community__parent", "supervision_grid"))
    grid_shapes = [shape(g.boundary) for g in grids]
    no_overlap(grid_shapes)
    for grid, geom in zip(grids, grid_shapes, strict=True):
        assert grid.generated
        assert grid.code.startswith(grid.community.code + "-")
        assert grid.community.level == "community"
        assert grid.community.parent.parent.code == "371502"
        assert shapes[grid.supervision_grid_id].buffer(1e-9).contains(geom)
        assert county.contains(geom)
    subdistricts = {g.community.parent.code for g in grids}
    assert {"371502001", "371502002", "371502003"} <= subdistricts
    tieta = [g for g in grids if g.community.code == TIETA]
    assert tieta and all(g.supervision_grid.code == "G09" for g in tieta)
    # The documented point of 铁塔社区 is in its first grid.
    lat, lon = demo_point(TIETA)
    assert (lat, lon) == (36.453333, 116.001875)
    first = min(tieta, key=lambda g: g.code)
    assert first.code == "371502001004-01"
    assert shape(first.boundary).contains(Point(lon, lat))


def test_units_rules_and_routing_of_a_case_at_tieta(reference):
    run("load_demo")
    units = {u.code: u for u in Unit.objects.select_related("region")}
    named = {
        "聊城市中级人民法院": "department",
        "市审计局": "department",
        "市工业行业服务中心": "department",
        "市公安局交警支队": "department",
        "市环境卫生管理处": "department",
        "市园林绿化服务中心": "department",
        "古楼街道办事处": "subdistrict_office",
        "铁塔社区居委会": "community_committee",
    }
    by_name = {u.name: u for u in units.values()}
    for name, kind in named.items():
        assert by_name[name].kind == kind
    assert by_name["古楼街道办事处"].region.code == "371502001"
    assert by_name["铁塔社区居委会"].region.code == TIETA
    companies = [u for u in units.values() if u.kind == "property_company"]
    assert 3 <= len(companies) <= 4
    assert all(u.generated and "（演示）" in u.name for u in companies)
    # Every subdistrict with grids has its catch-all rule to its office.
    with_grids = set(Grid.objects.values_list("community__parent_id", flat=True))
    fallback = RoutingRule.objects.filter(category=None)
    assert {r.region_id for r in fallback} == with_grids
    assert all(r.unit.kind == "subdistrict_office" and r.unit.region_id == r.region_id for r in fallback)  # fmt: skip

    # A case reported at 铁塔社区's demo point is located and routed.
    office = get_user_model().objects.get(username="office")
    lat, lon = demo_point(TIETA)
    expected = {
        "CC05": "市环境卫生管理处",  # 垃圾清运不及时
        "CC07": "市公安局交警支队",  # 闯红灯
        "CC04": "市园林绿化服务中心",  # 毁绿种菜
        "CC06": "铁塔社区居委会",  # 不文明养犬
        "CC11": "古楼街道办事处",  # 公益广告缺失: the subdistrict's catch-all
        "100101": "市城市管理局",  # 上水井盖 (部件 公共设施)
    }
    for code, unit_name in expected.items():
        category = Category.objects.get(code=code)
        case = services.case_report(
            office, title=f"铁塔社区{category.name}", category_id=category.pk, lat=lat, lon=lon
        )
        assert case.subdistrict.name == "古楼街道"
        assert case.community.code == TIETA
        assert case.county.code == "371502"
        assert case.supervision_grid.name == "第九网格"
        assert case.grid.code == "371502001004-01"
        assert case.near_boundary is False
        assert case.proposed_unit is not None
        assert case.proposed_unit.name == unit_name, code


def test_rerun_keeps_passwords_and_real_grids(reference):
    run("load_demo")
    # A grid that is real data (not generated) is never overwritten: the run changes nothing.
    Grid.objects.filter(code="371502001004-01").update(generated=False, name="铁塔社区实测网格")
    with translation.override("en"), pytest.raises(CommandError, match="not demo data"):
        call_command("load_demo", stdout=StringIO())
    assert Grid.objects.get(code="371502001004-01").name == "铁塔社区实测网格"
    Grid.objects.filter(code="371502001004-01").update(generated=True, name="铁塔社区1号网格")
    office = get_user_model().objects.get(username="office")
    office.set_password("a-new-secret-42")
    office.save()
    Membership.objects.filter(user__username="leader").delete()
    output = run("load_demo")
    assert "memberships: 1 created, 0 updated, 9 unchanged" in output
    office.refresh_from_db()
    assert office.check_password("a-new-secret-42")
    assert table(output)["office"][-1] == "(changed)"
    assert Membership.objects.filter(user__username="leader", role="leader").exists()
