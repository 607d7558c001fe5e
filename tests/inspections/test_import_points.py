"""``manage.py import_points``: good and broken point files; units by category."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from wenming.inspections import services
from wenming.inspections.models import InspectionEvent, Point, PointUnit
from wenming.taxonomy.loaders import load_categories

HEADER = ["点位编码", "点位名称", "点位类型", "纬度", "经度", "地址", "责任单位"]


@pytest.fixture
def ready(world):
    load_categories()
    services.point_types_load()


def xlsx(tmp_path, rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    path = tmp_path / "points.xlsx"
    wb.save(path)
    return path


def test_import_creates_and_updates_points_with_their_units(ready, world, tmp_path):
    path = xlsx(
        tmp_path,
        [
            ["X1", "东昌路卫育路路口", "交通路口", 36.452, 115.983, "东昌路与卫育路交叉口", "U-TP；CC10=古楼街道办事处"],
            ["X2", "铁塔小区", "小区", 36.457, 115.987, "", "古楼街道办事处"],
        ],
    )  # fmt: skip
    out = StringIO()
    call_command("import_points", str(path), stdout=out)
    assert "新增 2 个，更新 0 个" in out.getvalue()
    p = Point.objects.get(code="X1")
    assert (p.grid, p.community, p.supervision_grid) == (world.grid_tieta, world.tieta, world.ninth)
    assert sorted(
        (pu.unit.code, pu.category.code if pu.category else None) for pu in p.point_units.all()
    ) == [("U-GL", "CC10"), ("U-TP", None)]
    # Again with a change: updated, units replaced, nothing duplicated.
    path = xlsx(tmp_path, [["X1", "东昌路卫育路路口", "交通路口", 36.455, 115.995, "", "U-SAN"]])
    call_command("import_points", str(path), stdout=StringIO())
    p.refresh_from_db()
    assert (p.lat, p.lon, p.community) == (36.455, 115.995, world.gucheng)
    assert list(p.point_units.values_list("unit__code", flat=True)) == ["U-SAN"]
    assert Point.objects.count() == 2
    assert InspectionEvent.objects.filter(action="points_import").count() == 2


def test_broken_point_file_imports_nothing(ready, tmp_path):
    path = xlsx(
        tmp_path,
        [
            ["X1", "路口", "交通路口", 36.452, 115.983, "", "U-TP"],
            ["X1", "", "机场", "abc", 115.9, "", "不存在的单位"],
            ["X3", "远处", "小区", 10.0, 10.0, "", "CC99=U-TP"],
        ],
    )
    with pytest.raises(CommandError) as err:
        call_command("import_points", str(path))
    text = str(err.value)
    assert "点位未导入：发现" in text
    assert "第 3 行 [点位编码]: 点位编码重复；第 2 行已使用。" in text
    assert "第 3 行 [点位名称]: 为空；此项必填。" in text
    assert "第 3 行 [点位类型]: 未知的点位类型“机场”。" in text
    assert "第 3 行 [纬度]: 位置不是有效的数字。" in text
    assert "第 3 行 [责任单位]: 未知的单位“不存在的单位”。" in text
    assert "第 4 行 [纬度]: 该位置不在本市范围内。" in text
    assert "第 4 行 [责任单位]: 未知的问题类别“CC99”。" in text
    assert Point.objects.count() == 0 and PointUnit.objects.count() == 0


def test_csv_point_file_and_office_only(ready, tmp_path, cast):
    path = tmp_path / "p.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(
            [HEADER, ["Y1", "市场", "集贸市场", "36.456", "115.986", "", "U-GL"]]
        )
    from wenming.core.errors import ApplicationError
    from wenming.inspections.tables import read_table

    with pytest.raises(ApplicationError) as err:
        services.points_import(cast.inspector, read_table(path))
    assert err.value.status == 403 and Point.objects.count() == 0
    assert services.points_import(cast.office, read_table(path)) == {"created": 1, "updated": 0}


def test_coordinates_picked_on_chinese_maps_are_converted(ready, world, tmp_path):
    """A point picked on Amap (GCJ-02) or Baidu (BD-09) and imported as WGS-84 lies
    hundreds of metres off, and every checklist at it would be flagged as far away: the
    optional 坐标系 column converts them to WGS-84."""
    from wenming.core.datum import wgs84_to_bd09, wgs84_to_gcj02

    lat, lon = 36.452, 115.983
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = wgs84_to_bd09(lon, lat)
    assert services.distance_m(lat, lon, g_lat, g_lon) > 200  # why the column matters
    path = xlsx(
        tmp_path,
        [
            ["G1", "高德拾取", "交通路口", g_lat, g_lon, "", "U-TP", "GCJ-02"],
            ["B1", "百度拾取", "交通路口", b_lat, b_lon, "", "U-TP", "bd09"],
            ["W1", "GPS", "交通路口", lat, lon, "", "U-TP", ""],
            ["C1", "国家2000", "交通路口", lat, lon, "", "U-TP", "CGCS2000"],
        ],
        header=[*HEADER, "坐标系"],
    )
    call_command("import_points", str(path), stdout=StringIO())
    for code in ("G1", "B1", "W1", "C1"):
        p = Point.objects.get(code=code)
        assert services.distance_m(p.lat, p.lon, lat, lon) < 1, code
        assert p.supervision_grid == world.ninth
    # An unknown coordinate system is a problem of its row; nothing is imported.
    path = xlsx(
        tmp_path,
        [["X9", "火星", "交通路口", lat, lon, "", "U-TP", "火星坐标"]],
        header=[*HEADER, "坐标系"],
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_points", str(path), stdout=StringIO())
    assert "第 2 行 [坐标系]: 未知的坐标系“火星坐标”；请填写 WGS-84、GCJ-02 或 BD-09。" in str(
        exc.value
    )
    assert not Point.objects.filter(code="X9").exists()
