"""Plan import (任务分解表): the shipped example, re-import, broken files, the command."""

from datetime import date
from io import BytesIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from wenming.campaign import services
from wenming.campaign.models import CampaignEvent, EvaluationDate, Occurrence, Plan, Task
from wenming.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

EXAMPLE = settings.BASE_DIR / "wenming" / "campaign" / "data" / "example_plan.xlsx"


def workbook_bytes(mutate) -> BytesIO:
    """The example workbook with ``mutate(wb)`` applied, as an upload."""
    wb = load_workbook(EXAMPLE)
    mutate(wb)
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "plan.xlsx"
    return out


def test_example_file_imports(cast, criteria, briefing_units):
    with open(EXAMPLE, "rb") as fh:
        result = services.plan_import(cast.office, fh)
    plan = result.plan
    assert plan.title == "聊城市2021年-2023年创建全国文明城市实施方案（示例）"
    assert (plan.start_year, plan.end_year) == (2021, 2023)
    assert result.plan_created and result.tasks_created == 8 and result.tasks_updated == 0
    assert list(plan.evaluations.values_list("date", flat=True)) == [
        date(2021, 7, 15),
        date(2021, 11, 10),
        date(2022, 10, 20),
        date(2023, 10, 25),
    ]
    t = Task.objects.get(plan=plan, code="3.1")
    assert t.lead_unit.name == "市城市管理局"
    assert [u.name for u in t.cooperating_units.all()] == ["市工业行业服务中心"]
    assert sorted(c.code for c in t.criteria.all()) == ["P01-04-08", "P01-04-09"]
    assert t.frequency == "before_evaluation" and t.due_day == 10
    assert t.evidence_kinds == ["documents", "figures"]
    traffic = Task.objects.get(plan=plan, code="4.1")
    assert sorted(u.name for u in traffic.cooperating_units.all()) == [
        "市审计局",
        "聊城市中级人民法院",
    ]
    # once: 2; monthly: 2 × 36; quarterly: 3 × 12; before evaluation: 4.
    assert Occurrence.objects.filter(task__plan=plan).count() == 2 + 72 + 36 + 4
    assert result.occurrences == {"created": 114, "updated": 0, "removed": 0}
    assert CampaignEvent.objects.filter(action="plan_import", object_id=plan.pk).count() == 1


def test_reimport_updates_without_duplicates(cast, criteria, briefing_units):
    services.plan_import(cast.office, str(EXAMPLE))
    again = services.plan_import(cast.office, str(EXAMPLE))
    assert not again.plan_created
    assert (again.tasks_created, again.tasks_updated) == (0, 8)
    assert again.occurrences == {"created": 0, "updated": 0, "removed": 0}
    assert Plan.objects.count() == 1 and Task.objects.count() == 8
    assert EvaluationDate.objects.count() == 4


def _cell(ws, header, row):
    col = [c.value for c in ws[1]].index(header) + 1
    return ws.cell(row=row, column=col)


def test_broken_file_reports_every_problem_and_imports_nothing(cast, criteria, briefing_units):
    def breaks(wb):
        ws = wb["任务分解"]
        _cell(ws, "牵头单位", 2).value = "市不存在局"
        _cell(ws, "频次", 3).value = "每周"
        _cell(ws, "编号", 4).value = "1.1"  # duplicate of row 2
        _cell(ws, "频次", 5).value = "一次性"
        _cell(ws, "完成时限", 5).value = "明年"
        _cell(ws, "关联测评标准", 6).value = "P99-99-99"
        _cell(ws, "佐证材料", 7).value = "视频"
        wb["测评安排"]["B3"].value = "2030-01-01"

    with pytest.raises(ApplicationError) as e:
        services.plan_import(cast.office, workbook_bytes(breaks))
    assert e.value.code == "import_invalid" and e.value.status == 400
    found = {(p["sheet"], p["row"], p["column"]) for p in e.value.detail["errors"]}
    assert found == {
        ("任务分解", 2, "牵头单位"),
        ("任务分解", 3, "频次"),
        ("任务分解", 4, "编号"),
        ("任务分解", 5, "完成时限"),
        ("任务分解", 6, "关联测评标准"),
        ("任务分解", 7, "佐证材料"),
        ("测评安排", 3, "测评日期"),
    }
    messages = {(p["row"], p["column"]): p["message"] for p in e.value.detail["errors"]}
    assert messages[(2, "牵头单位")] == "未知单位“市不存在局”。"
    assert messages[(4, "编号")] == "编号 1.1 重复（第2行）。"
    assert e.value.message == "文件有 7 处问题，未导入任何内容。"
    assert Plan.objects.count() == 0 and Task.objects.count() == 0
    assert Occurrence.objects.count() == 0 and CampaignEvent.objects.count() == 0


def test_missing_sheet_and_columns(cast, criteria, briefing_units):
    def drop(wb):
        del wb["方案"]
        ws = wb["任务分解"]
        ws.delete_cols(4)  # 牵头单位

    with pytest.raises(ApplicationError) as e:
        services.plan_import(cast.office, workbook_bytes(drop))
    columns = {(p["sheet"], p["column"]) for p in e.value.detail["errors"]}
    assert ("方案", "") in columns and ("方案", "方案名称") in columns
    assert ("任务分解", "牵头单位") in columns
    assert Plan.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00not a workbook", b"", b"PK\x03\x04broken zip"],
    ids=["exe", "empty", "broken-zip"],
)
def test_not_a_workbook(cast, data):
    with pytest.raises(ApplicationError) as e:
        services.plan_import(cast.office, BytesIO(data))
    assert e.value.code == "import_not_xlsx" and e.value.status == 400
    assert Plan.objects.count() == 0


def test_empty_task_sheet(cast):
    wb = Workbook()
    wb.active.title = "方案"
    wb.active.append(["方案名称", "空方案"])
    wb.active.append(["起始年份", 2021])
    wb.active.append(["结束年份", 2020])
    wb.create_sheet("任务分解").append(["编号", "任务名称", "牵头单位", "频次"])
    out = BytesIO()
    wb.save(out)
    with pytest.raises(ApplicationError) as e:
        services.plan_import(cast.office, out)
    assert {(p["row"], p["column"]) for p in e.value.detail["errors"]} == {
        (3, "结束年份"),
        (2, ""),
    }


def test_import_only_by_office(cast, criteria, briefing_units):
    with pytest.raises(ApplicationError) as e:
        services.plan_import(cast.handler, str(EXAMPLE))
    assert e.value.status == 403
    with pytest.raises(ApplicationError) as e:
        services.plan_import(cast.outsider, str(EXAMPLE))
    assert e.value.status == 404
    assert Plan.objects.count() == 0


def test_command_imports_and_reports(tmp_path, criteria, briefing_units, capsys):
    call_command("import_tasks", str(EXAMPLE))
    out = capsys.readouterr().out
    assert "聊城市2021年-2023年创建全国文明城市实施方案（示例）" in out
    assert "新建任务 8 项" in out
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(
        workbook_bytes(
            lambda wb: setattr(_cell(wb["任务分解"], "牵头单位", 3), "value", "无此单位")
        ).getvalue()
    )
    with pytest.raises(CommandError) as e:
        call_command("import_tasks", str(broken))
    assert "任务分解" in str(e.value) and "第 3 行" in str(e.value) and "牵头单位" in str(e.value)
    with pytest.raises(CommandError):
        call_command("import_tasks", str(tmp_path / "missing.xlsx"))
    assert Task.objects.count() == 8
