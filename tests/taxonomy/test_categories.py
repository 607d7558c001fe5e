"""The shipped category tree and its loader (wenming.taxonomy.loaders)."""

import csv

import pytest

from wenming.core.errors import ApplicationError
from wenming.taxonomy.loaders import (
    COLUMNS,
    DEFAULT_PATH,
    UNIT_KINDS,
    load_categories,
    pinyin_initials,
)
from wenming.taxonomy.models import Category

pytestmark = pytest.mark.django_db


def test_counts_and_tree():
    stats = load_categories()
    assert (stats.created, stats.updated, stats.unchanged) == (161, 0, 0)
    assert Category.objects.count() == 161
    roots = Category.objects.filter(parent=None)
    assert sorted(roots.values_list("code", flat=True)) == [
        "1001", "1002", "1003", "1004", "1005", "2001", "2002", "2003", "2004", "2005", "CC",
    ]  # fmt: skip
    assert Category.objects.filter(kind="component").count() == 5 + 81
    assert Category.objects.filter(kind="event").count() == 5 + 55
    assert Category.objects.filter(kind="campaign").count() == 1 + 14
    # Children share their parent's kind; no duplicate names under one parent.
    for category in Category.objects.exclude(parent=None).select_related("parent"):
        assert category.kind == category.parent.kind
    assert Category.objects.get(code="200102").parent.name == "市容环境"
    # Every row has a rule, a unit kind from the list, and a source.
    assert not Category.objects.filter(deadline_amount=None).exists()
    assert set(Category.objects.values_list("default_unit_kind", flat=True)) <= set(UNIT_KINDS)
    assert not Category.objects.filter(source="").exists()


def test_second_load_changes_nothing():
    load_categories()
    stats = load_categories()
    assert (stats.created, stats.updated, stats.unchanged) == (0, 0, 161)


def test_campaign_category_from_the_briefing():
    load_categories()
    dogs = Category.objects.get(name="不文明养犬")
    assert dogs.kind == Category.Kind.CAMPAIGN
    assert dogs.parent.code == "CC"
    assert "《聊城市养犬管理条例》" in dogs.legal_basis
    assert (dogs.deadline_amount, dogs.deadline_unit) == (1, "working_days")

    garbage = Category.objects.get(name="垃圾清运不及时")
    assert (garbage.deadline_amount, garbage.deadline_unit) == (4, "working_hours")
    assert "Beijing district standard" in garbage.source
    assert garbage.default_unit_kind == "property_company"

    for name in ["乱贴乱画", "乱摆乱放", "线路杂乱", "毁绿种菜", "闯红灯", "逆向行驶"]:
        category = Category.objects.get(name=name, kind="campaign")
        assert category.legal_basis.startswith("《")
        assert category.deadline_amount and category.deadline_unit
    assert "道路交通安全法" in Category.objects.get(name="闯红灯").legal_basis
    # 非机动车乱停放 exists once, in the 事件 tree, not again under 创城.
    assert list(Category.objects.filter(name="非机动车乱停放").values_list("code", flat=True)) == [
        "200506"
    ]


def test_real_deadline_examples():
    load_categories()
    rules = {
        c.name: (c.deadline_amount, c.deadline_unit)
        for c in Category.objects.filter(name__in=["暴露垃圾", "道路保洁", "新增建筑", "绿地"])
    }
    assert rules == {
        "暴露垃圾": (4, "working_hours"),
        "道路保洁": (2, "working_hours"),
        "新增建筑": (20, "working_days"),
        "绿地": (5, "working_days"),
    }


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("乱贴乱画", "ltlh"),
        ("逆向行驶", "nxxs"),
        ("输油（气）井盖", "syqjg"),
        ("ABC 12号", "abc12h"),
    ],
)
def test_pinyin_initials(name, initials):
    assert pinyin_initials(name) == initials


def test_pinyin_initials_are_stored():
    load_categories()
    assert Category.objects.get(name="乱贴乱画").pinyin_initials == "ltlh"
    assert Category.objects.get(code="200102").pinyin_initials == "bllj"  # 暴露垃圾
    assert not Category.objects.filter(pinyin_initials="").exists()


def test_shipped_file_shape():
    with DEFAULT_PATH.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == COLUMNS
        rows = list(reader)
    assert len(rows) == len({row["code"] for row in rows}) == 161


def write(tmp_path, rows):
    path = tmp_path / "categories.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return path


GOOD = {"code": "X", "name": "测试", "kind": "campaign", "deadline_amount": "1",
        "deadline_unit": "working_days"}  # fmt: skip


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({**GOOD, "kind": "other"}, "第 3 行：未知的类型 'other'"),
        ({**GOOD, "deadline_amount": "0"}, "第 3 行：处置时限必须是不小于 1 的整数"),
        ({**GOOD, "deadline_unit": "hours"}, "第 3 行：未知的时限单位 'hours'"),
        ({**GOOD, "default_unit_kind": "school"}, "第 3 行：未知的单位类型 'school'"),
        ({**GOOD, "parent_code": "NOPE"}, "第 3 行：未知的上级代码 NOPE"),
        ({**GOOD, "name": ""}, "第 3 行：名称为空"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(tmp_path, row, message):
    path = write(tmp_path, [{**GOOD, "code": "OK"}, row])
    with pytest.raises(ApplicationError, match=message):
        load_categories(path)
    assert not Category.objects.exists()


def test_parent_loop_is_refused(tmp_path):
    path = write(
        tmp_path,
        [{**GOOD, "code": "A", "parent_code": "B"}, {**GOOD, "code": "B", "parent_code": "A"}],
    )
    with pytest.raises(ApplicationError, match="上级代码在 A 处形成循环"):
        load_categories(path)


def test_deactivation_survives_reload():
    load_categories()
    Category.objects.filter(code="CC14").update(is_active=False)
    stats = load_categories()
    assert stats.changed == 0
    assert Category.objects.get(code="CC14").is_active is False
