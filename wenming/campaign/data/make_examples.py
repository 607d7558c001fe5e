"""Write the example workbooks shipped in this folder (run: ``python make_examples.py``).

``example_plan.xlsx``: a small task breakdown in the format of
:mod:`wenming.campaign.imports`, after the structure of the plan the briefing names
(《2021年-2023年创建全国文明城市实施方案》); the units are the demo's (wenming/org/demo.py),
the criterion codes those of the inspections app's example standard
(wenming/inspections/data/example_standard.csv). ``example_registrations.xlsx``: 双报到
counts for two demo units in two communities of 古楼街道. See SOURCES.md.
"""

from datetime import date
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent

PLAN = [
    ("方案名称", "聊城市2021年-2023年创建全国文明城市实施方案（示例）"),
    ("起始年份", 2021),
    ("结束年份", 2023),
    (
        "说明",
        "按《全国文明城市测评体系》分解任务，明确牵头单位、配合单位、完成时限和佐证材料（示例数据）。",
    ),
]

EVALUATIONS = [
    ("2021年度年中测评", date(2021, 7, 15)),
    ("2021年度实地测评", date(2021, 11, 10)),
    ("2022年度实地测评", date(2022, 10, 20)),
    ("2023年度实地测评", date(2023, 10, 25)),
]

HEADER = [
    "编号",
    "任务名称",
    "任务内容",
    "牵头单位",
    "配合单位",
    "频次",
    "完成时限",
    "关联测评标准",
    "佐证材料",
    "材料说明",
]

TASKS = [
    (
        "1.1",
        "成立创建工作领导机构",
        "成立本单位创建全国文明城市领导小组，明确分管领导和联络员。",
        "市审计局",
        "",
        "一次性",
        date(2021, 3, 31),
        "",
        "文件资料",
        "成立领导小组的通知（盖章PDF）",
    ),
    (
        "1.2",
        "制定年度文明创建工作计划",
        "制定年度工作计划，明确具体工作和责任分工。",
        "市审计局",
        "",
        "一次性",
        date(2021, 4, 15),
        "",
        "文件资料",
        "年度工作计划（PDF或DOCX）",
    ),
    (
        "2.1",
        "公正司法和法治宣传",
        "开展法治宣传进社区活动，公开审判信息。",
        "聊城市中级人民法院",
        "市审计局",
        "每季度",
        25,
        "",
        "文件资料、照片",
        "活动方案、现场照片",
    ),
    (
        "3.1",
        "农贸市场经营户证照管理",
        "督促市场经营户证照齐全、从业人员持健康证明。",
        "市城市管理局",
        "市工业行业服务中心",
        "每次测评前",
        10,
        "P01-04-08；P01-04-09",
        "文件资料、数据",
        "证照台账（XLSX）、持证人数",
    ),
    (
        "3.2",
        "居民小区精神文明创建宣传栏",
        "小区设精神文明创建宣传栏并及时更新。",
        "市工业行业服务中心",
        "",
        "每季度",
        "",
        "P04-01-09",
        "照片",
        "宣传栏照片（每小区至少1张）",
    ),
    (
        "4.1",
        "文明交通志愿劝导",
        "早中晚高峰在主要路口组织志愿者宣传劝导。",
        "市公安局交警支队",
        "市审计局、聊城市中级人民法院",
        "每月",
        25,
        "P02-04-01",
        "照片、数据",
        "劝导照片、参与人次",
    ),
    (
        "4.2",
        "垃圾及时清运",
        "小区、市场垃圾日产日清，分类收集。",
        "市环境卫生管理处",
        "市城市管理局",
        "每月",
        "",
        "P04-02-02；P01-04-01",
        "照片、数据",
        "清运记录和照片",
    ),
    (
        "5.1",
        "帮扶社区和双报到",
        "到帮扶社区开展志愿服务，党员到社区报到。",
        "市工业行业服务中心",
        "",
        "每季度",
        20,
        "",
        "文件资料、照片、数据",
        "活动记录、报到人数",
    ),
]

REGISTRATIONS = [
    ("单位", "社区", "报到党员人数", "统计日期"),
    ("市审计局", "371502001004", 36, date(2021, 3, 31)),
    ("市工业行业服务中心", "371502001001", 42, date(2021, 3, 31)),
]


def write_plan(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "方案"
    for row in PLAN:
        ws.append(row)
    ws = wb.create_sheet("测评安排")
    ws.append(["测评名称", "测评日期"])
    for row in EVALUATIONS:
        ws.append(row)
    ws = wb.create_sheet("任务分解")
    ws.append(HEADER)
    for row in TASKS:
        ws.append(row)
    wb.properties.creator = "Wenming"
    wb.save(path)


def write_registrations(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "双报到"
    for row in REGISTRATIONS:
        ws.append(row)
    wb.properties.creator = "Wenming"
    wb.save(path)


if __name__ == "__main__":
    write_plan(HERE / "example_plan.xlsx")
    write_registrations(HERE / "example_registrations.xlsx")
