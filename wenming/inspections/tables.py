"""Reading the office's spreadsheets (.xlsx or .csv) for the standard and point imports.

:func:`read_table` returns the header and the data rows as text; importers validate every
row and collect :class:`Problem` rows (row number as the office sees it in Excel — the
header is row 1 — the column's header, and what is wrong, in Chinese) before anything is
written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.core.text import strip_controls

#: Largest file accepted (bytes) and most data rows: a standard has some hundreds of
#: criteria, a city some thousands of points.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000


@dataclass(frozen=True)
class Problem:
    """One validation problem: ``row`` as numbered in the spreadsheet (header = 1),
    ``column`` the header text (or "" for the whole row), ``message`` in the user's language."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Table:
    """A read spreadsheet: ``headers`` (stripped) and ``rows`` of ``(row_number, {header: text})``."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_controls(str(value)).strip()


def _bad_file(message: str) -> ApplicationError:
    return ApplicationError("invalid_file", message, detail={"problems": []})


def read_table(path: str | Path) -> Table:
    """Read the first sheet of an .xlsx file, or a .csv file (UTF-8, with or without BOM, or
    GB18030 as Excel saves it in China). Empty rows are skipped.

    Raises ApplicationError 400 ``invalid_file`` for a missing, too large, unreadable or
    empty file, or another file type.
    """
    path = Path(path)
    if not path.is_file():
        raise _bad_file(_("File not found: %(name)s") % {"name": path.name})
    if path.stat().st_size > MAX_BYTES:
        raise _bad_file(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20})
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw_rows = _xlsx_rows(path)
    elif suffix == ".csv":
        raw_rows = _csv_rows(path)
    else:
        raise _bad_file(_("Only .xlsx and .csv files can be imported."))
    table: Table | None = None
    for number, values in raw_rows:
        cells = [_cell(v) for v in values]
        if table is None:
            if not any(cells):
                continue
            table = Table(headers=cells, rows=[])
            continue
        if not any(cells):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise _bad_file(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(table.headers) if h}
        table.rows.append((number, row))
    if table is None or not table.rows:
        raise _bad_file(_("The file has no data rows."))
    return table


def _xlsx_rows(path: Path):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise _bad_file(_("The file is not a readable .xlsx workbook.")) from None
    try:
        ws = wb.worksheets[0]
        rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()
    return rows


def _csv_rows(path: Path):
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise _bad_file(_("The file is not UTF-8 or GB18030 text."))
    if "\x00" in text:
        raise _bad_file(_("The file is not a text (CSV) file."))
    return list(enumerate(csv.reader(io.StringIO(text)), start=1))


def problems_error(problems: list[Problem], what: str) -> ApplicationError:
    """The one error of an import that found problems: 400 ``invalid_file`` with
    ``detail={"problems": [{"row", "column", "message"}, ...]}``; nothing was imported."""
    return ApplicationError(
        "invalid_file",
        _("%(what)s not imported: %(count)d problem(s) found; nothing was changed.")
        % {"what": what, "count": len(problems)},
        detail={"problems": [p.as_dict() for p in problems]},
    )


def format_problems(problems: list[dict]) -> str:
    """The validation report as text lines: ``第N行 [列]: message``."""
    lines = []
    for p in problems:
        where = _("row %(row)d") % {"row": p["row"]}
        if p["column"]:
            where += f" [{p['column']}]"
        lines.append(f"{where}: {p['message']}")
    return "\n".join(lines)
