"""Reading the spreadsheets offices keep: the plan's task breakdown (任务分解表) and the
双报到 counts. Parsing only: every problem is collected as ``{"row", "column", "message"}``
(row numbers as the spreadsheet shows them, messages in Chinese through the catalogue) and
nothing is written here; :mod:`wenming.campaign.services` writes all rows or none.

Task breakdown workbook (an example: ``wenming/campaign/data/example_plan.xlsx``):

Sheet ``方案`` (plan), two columns (label, value), rows:
  ``方案名称`` (title, required), ``起始年份`` and ``结束年份`` (years, required, end ≥ start,
  at most 10 years), ``说明`` (optional note).
Sheet ``测评安排`` (evaluations, optional): header ``测评名称 | 测评日期``, one row each.
Sheet ``任务分解`` (tasks): header row, then one task per row:

=================  =========================================================================
column             meaning
=================  =========================================================================
编号               task number, unique in the file (e.g. ``1.2``), required
任务名称           title, required, at most 200 characters
任务内容           description, optional
牵头单位           lead unit, by name or code, required, must exist
配合单位           cooperating units, names or codes separated by 、，,；; (optional)
频次               一次性 / 每月 / 每季度 / 每次测评前
完成时限           一次性: a date; 每月 / 每季度: day of the month (1-31; empty = last day);
                   每次测评前: days before the evaluation (0-90)
关联测评标准       criterion codes of the current evaluation standard, separated as above
佐证材料           any of 文件资料 / 照片 / 数据 separated as above
材料说明           what counts as evidence, free text (optional)
=================  =========================================================================

双报到 workbook: one sheet, header ``单位 | 社区 | 报到党员人数 | 统计日期``; unit by name or
code, community by name or 12-digit code (level community).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.core.text import strip_controls

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000

PLAN_SHEET = "方案"
EVALUATION_SHEET = "测评安排"
TASK_SHEET = "任务分解"
TASK_COLUMNS = (
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
)
REQUIRED_TASK_COLUMNS = ("编号", "任务名称", "牵头单位", "频次")
FREQUENCIES = {
    "一次性": "once",
    "每月": "monthly",
    "每季度": "quarterly",
    "每次测评前": "before_evaluation",
}
EVIDENCE_KINDS = {"文件资料": "documents", "照片": "photos", "数据": "figures"}
REGISTRATION_COLUMNS = ("单位", "社区", "报到党员人数", "统计日期")
_SPLIT = re.compile(r"[、，,；;\s]+")


@dataclass
class Problems:
    """The validation report: a list of ``{"row", "column", "message"}``."""

    items: list[dict] = field(default_factory=list)

    def add(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.items.append({"sheet": sheet, "row": row, "column": column, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.items:
            raise ApplicationError(
                "import_invalid",
                _("The file has %(count)d problems; nothing was imported.")
                % {"count": len(self.items)},
                detail={"errors": self.items},
            )


def open_workbook(file: Any):
    """Open an .xlsx upload (file object, path or bytes) read-only, checking its content.
    Raises ApplicationError ``import_not_xlsx`` (400) for anything that is not a workbook."""
    from openpyxl import load_workbook

    if isinstance(file, str):
        with open(file, "rb") as fh:
            data = fh.read(MAX_IMPORT_BYTES + 1)
    elif isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ApplicationError(
            "import_too_large",
            _("The file is larger than %(max)d MB.") % {"max": MAX_IMPORT_BYTES // (1024 * 1024)},
            detail={"field": "file"},
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ApplicationError(
            "import_not_xlsx",
            _("The file is not an Excel workbook (.xlsx)."),
            detail={"field": "file"},
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ApplicationError(
            "import_not_xlsx",
            _("The file is not an Excel workbook (.xlsx)."),
            detail={"field": "file"},
        ) from None


def text(value: Any) -> str:
    """A cell as stripped text ('' for empty); numbers like 1.0 become '1'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return strip_controls(str(value)).strip()


def split(value: Any) -> list[str]:
    """A cell holding several names or codes, split on 、，,；; and whitespace."""
    return [part for part in _SPLIT.split(text(value)) if part]


def as_date(value: Any) -> date | None:
    """A date cell or ``YYYY-MM-DD`` / ``YYYY/M/D`` / ``YYYY年M月D日`` text; None if unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text(value))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def as_int(value: Any) -> int | None:
    """A whole number from a cell, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    t = text(value)
    return int(t) if re.fullmatch(r"\d{1,9}", t) else None


def rows_with_header(ws, expected: tuple[str, ...], required: tuple[str, ...], problems: Problems):
    """``(header index, [(row number, values)])`` of a sheet whose first row is the header.
    Missing required columns are reported (row 1)."""
    iterator = ws.iter_rows(values_only=True)
    try:
        header = [text(v) for v in next(iterator)]
    except StopIteration:
        problems.add(ws.title, 1, "", _("The sheet is empty."))
        return {}, []
    index = {name: header.index(name) for name in expected if name in header}
    for name in required:
        if name not in index:
            problems.add(ws.title, 1, name, _("Column “%(column)s” is missing.") % {"column": name})
    rows = []
    for number, values in enumerate(iterator, start=2):
        if values is None or all(text(v) == "" for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            problems.add(
                ws.title, number, "", _("Too many rows: at most %(max)d.") % {"max": MAX_ROWS}
            )
            break
        rows.append((number, values))
    return index, rows


def cell(values, index: dict, column: str) -> Any:
    """The value of ``column`` in a row (None when the column or the cell is absent)."""
    position = index.get(column)
    if position is None or position >= len(values):
        return None
    return values[position]
