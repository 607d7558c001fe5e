"""``manage.py import_standard`` and ``services.standard_import``: the shipped example, good
and broken files (row/column report, nothing half-imported), versions."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from wenming.core.errors import ApplicationError
from wenming.inspections import services
from wenming.inspections.models import (
    Criterion,
    InspectionEvent,
    PointType,
    StandardItem,
    StandardVersion,
)
from wenming.inspections.tables import read_table
from wenming.taxonomy.loaders import load_categories

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "standards"
HEADER = [
    "测评项目编码", "测评项目", "测评内容编码", "测评内容", "测评标准编码", "测评标准",
    "分值", "扣分", "测评方法", "适用点位类型", "问题类别编码", "来源",
]  # fmt: skip
GOOD = [
    ["A", "交通秩序", "A-01", "路口秩序", "A-01-01", "无行人闯红灯", "2", "1", "实地考察", "交通路口", "CC07", "测试"],
    ["A", "交通秩序", "A-01", "路口秩序", "A-01-02", "无逆向行驶", "2", "", "实地考察", "交通路口、主次干道", "CC08", ""],
    ["B", "社区环境", "B-01", "垃圾分类", "B-01-01", "设垃圾分类收集容器", "1", "0.5", "实地考察", "小区", "CC09", ""],
    ["B", "社区环境", "B-02", "台账", "B-02-01", "有垃圾分类工作台账", "1", "", "材料审核", "", "CC09", ""],
]  # fmt: skip


@pytest.fixture
def categories(world):
    load_categories()
    services.point_types_load()


def write_csv(tmp_path, rows, header=HEADER, name="std.csv") -> Path:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(tmp_path, rows, header=HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([float(v) if v.replace(".", "").isdigit() and "-" not in v else v for v in r])
    path = tmp_path / "std.xlsx"
    wb.save(path)
    return path


def test_point_types_are_the_54_of_the_2018_manual(db):
    assert services.point_types_load() == 54
    assert services.point_types_load() == 0
    with open(SHARED / "point_types_2018.csv", encoding="utf-8") as fh:
        names = [r["point_type"] for r in csv.DictReader(fh)]
    assert list(PointType.objects.order_by("seq").values_list("name", flat=True)) == names
    assert PointType.objects.get(name="交通路口").code == "PT31"


def test_example_standard_is_loaded_once_and_marked_as_example(categories):
    version = services.standard_load_example()
    assert version.is_example and version.is_current and version.code == "EXAMPLE-2021"
    assert version.criteria.count() == 74  # the 76 published rows minus 2 "测评方式" notes
    assert version.items.filter(level="project").count() == 6
    red = Criterion.objects.get(version=version, code="P02-02-02")
    assert red.text == "无行人闯红灯、乱穿马路、翻越护栏"
    assert red.category.code == "CC07"
    assert list(red.point_types.values_list("name", flat=True)) == ["交通路口"]
    assert services.standard_load_example() is None
    assert StandardVersion.objects.count() == 1


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_import_good_file_as_new_current_version(categories, tmp_path, writer):
    old = services.standard_load_example()
    path = writer(tmp_path, GOOD)
    out = StringIO()
    call_command(
        "import_standard", str(path), "--code", "2021", "--name", "本市测评手册", stdout=out
    )
    assert "4 条" in out.getvalue()
    new = StandardVersion.objects.get(code="2021")
    old.refresh_from_db()
    assert new.is_current and not old.is_current and not new.is_example
    assert [(i.code, i.level, i.parent.code if i.parent else None) for i in new.items.order_by("level", "seq")] == [
        ("A-01", "content", "A"),
        ("B-01", "content", "B"),
        ("B-02", "content", "B"),
        ("A", "project", None),
        ("B", "project", None),
    ]  # fmt: skip
    c = Criterion.objects.get(version=new, code="A-01-02")
    assert (str(c.score), c.deduction, c.method, c.category.code) == ("2.00", None, "field", "CC08")
    assert sorted(c.point_types.values_list("name", flat=True)) == ["主次干道", "交通路口"]
    doc = Criterion.objects.get(version=new, code="B-02-01")
    assert doc.method == "documents" and doc.point_types.count() == 0
    assert str(Criterion.objects.get(version=new, code="B-01-01").deduction) == "0.50"
    event = InspectionEvent.objects.get(action="standard_import", data__code="2021")
    assert event.data["criteria"] == 4


def test_broken_file_reports_every_problem_and_imports_nothing(categories, tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][9] = "交通路口、飞机场"  # unknown point type (row 2)
    rows[1][4] = "A-01-01"  # duplicate code (row 3)
    rows[2][10] = "CC"  # a class, not a category (row 4)
    rows[3][8] = "电话抽查"  # unknown method (row 5)
    rows.append(["C", "x", "C-01", "y", "C-01-01", "", "abc", "", "实地考察", "小区", "ZZ99", ""])
    path = write_csv(tmp_path, rows)
    with pytest.raises(CommandError) as err:
        call_command("import_standard", str(path), "--code", "X", "--name", "坏文件")
    text = str(err.value)
    assert "发现 7 处问题" in text and "未做任何更改" in text
    assert "第 2 行 [适用点位类型]: 未知的点位类型“飞机场”。" in text
    assert "第 3 行 [测评标准编码]: 测评标准编码重复；第 2 行已使用。" in text
    assert "第 4 行 [问题类别编码]: “创城问题”是问" in text
    assert "第 5 行 [测评方法]: 未知的测评方法“电话抽查”" in text
    assert "第 6 行 [测评标准]: 为空；此项必填。" in text
    assert "第 6 行 [分值]: 不是 0 至 9999.99 之间的数字：“abc”。" in text
    assert "第 6 行 [问题类别编码]: 未知或已停用的问题类别“ZZ99”。" in text
    assert StandardVersion.objects.count() == 0
    assert StandardItem.objects.count() == 0 and Criterion.objects.count() == 0


def test_missing_columns_and_bad_files(categories, tmp_path):
    path = write_csv(tmp_path, [r[:9] for r in GOOD], header=HEADER[:9])
    with pytest.raises(ApplicationError) as err:
        services.standard_import(None, read_table(path), code="X", name="x")
    problems = err.value.detail["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(1, "适用点位类型"), (1, "问题类别编码")]
    bad = tmp_path / "std.pdf"
    bad.write_bytes(b"%PDF")
    with pytest.raises(ApplicationError, match="只能导入"):
        read_table(bad)
    empty = write_csv(tmp_path, [], name="empty.csv")
    with pytest.raises(ApplicationError, match="没有数据行"):
        read_table(empty)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(ApplicationError, match="不是可读取的"):
        read_table(fake)
    assert StandardVersion.objects.count() == 0


def test_gb18030_csv_as_excel_saves_it(categories, tmp_path):
    path = tmp_path / "gbk.csv"
    with open(path, "w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(GOOD)
    version = services.standard_import(None, read_table(path), code="GBK", name="gbk")
    assert version.criteria.count() == 4


def test_duplicate_version_code_and_permission(categories, tmp_path, cast):
    table = read_table(write_csv(tmp_path, GOOD))
    services.standard_import(cast.office, table, code="2021", name="a")
    with pytest.raises(ApplicationError) as err:
        services.standard_import(cast.office, table, code="2021", name="b")
    assert err.value.status == 409
    for user in (cast.inspector, cast.leader, cast.handler):
        with pytest.raises(ApplicationError) as err:
            services.standard_import(user, table, code="2022", name="b")
        assert err.value.status == 403
    assert StandardVersion.objects.count() == 1
