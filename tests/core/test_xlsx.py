"""Safe spreadsheets: the formula-injection guard, illegal characters, times, the sheet."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from wenming.core.xlsx import MAX_CELL_CHARS, safe_cell, safe_sheet_title, write_workbook


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("＝1", "'＝1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠SUM", "'＠SUM"),
        ("  =1", "'  =1"),
        ("\u3000=1", "'\u3000=1"),
        ("\x00=1", "'=1"),  # NUL removed first, then guarded
        ("a\x00b\x07c\x1fd\x0be", "abcde"),
        ("line\nbreak\tand tab", "line\nbreak\tand tab"),
        ("铁塔社区 1+1=2", "铁塔社区 1+1=2"),
        ("  plain", "  plain"),
        ("'=already", "'=already"),
        ("", ""),
    ],
)
def test_safe_cell_text(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_other_types():
    assert safe_cell(None) is None
    assert safe_cell(True) is True
    assert safe_cell(-3) == -3
    assert safe_cell(1.5) == 1.5
    assert safe_cell(Decimal("2.50")) == Decimal("2.50")
    assert safe_cell(float("-inf")) == "'-inf"
    assert safe_cell(date(2021, 3, 5)) == date(2021, 3, 5)
    # Aware datetimes become naive Asia/Shanghai local time, whole seconds.
    assert safe_cell(datetime(2021, 3, 5, 6, 0, 1, 999, tzinfo=UTC)) == datetime(
        2021, 3, 5, 14, 0, 1
    )
    with pytest.raises(ValueError):
        safe_cell(datetime(2021, 3, 5, 6, 0))  # noqa: DTZ001 - naive on purpose
    assert safe_cell(-2) == -2  # numbers are numbers, not text
    assert len(safe_cell("x" * (MAX_CELL_CHARS + 10))) == MAX_CELL_CHARS
    assert len(safe_cell("=" + "x" * MAX_CELL_CHARS)) == MAX_CELL_CHARS


def test_safe_sheet_title():
    assert safe_sheet_title("问题台账") == "问题台账"
    assert safe_sheet_title("a/b[c]:d*e?f\\g") == "a_b_c__d_e_f_g"
    assert safe_sheet_title("x" * 40) == "x" * 31
    assert safe_sheet_title("") == "Sheet1"


def test_write_workbook_round_trip():
    buf = io.BytesIO()
    rows = [
        ["=1+1", datetime(2021, 3, 5, 6, 0, tzinfo=UTC), date(2021, 3, 5), 3, None, "a\x00b"],
        ["ok", None, None, None, "-", "@x"],
    ]
    assert (
        write_workbook(buf, ["文本", "时间", "日期", "数", "空", "x"], rows, sheet_title="t/1") == 2
    )
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws.title == "t_1"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F3"
    got = [[c.value for c in row] for row in ws.iter_rows()]
    assert got == [
        ["文本", "时间", "日期", "数", "空", "x"],
        ["'=1+1", datetime(2021, 3, 5, 14, 0), datetime(2021, 3, 5), 3, None, "ab"],
        ["ok", None, None, None, "'-", "'@x"],
    ]
    assert ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert {ws["A2"].data_type, ws["E3"].data_type, ws["F3"].data_type} == {"s"}
    assert ws.column_dimensions["A"].width == 10  # from the header: at least 10
    assert ws.column_dimensions["B"].width == 10


def test_write_workbook_widths_and_failure_leave_out_untouched():
    def rows():
        yield ["x"]
        raise RuntimeError("database went away")

    buf = io.BytesIO()
    with pytest.raises(RuntimeError):
        write_workbook(buf, ["a"], rows(), sheet_title="s")
    assert buf.getvalue() == b""

    buf = io.BytesIO()
    write_workbook(buf, ["a", "一个很长的中文标题"], [], sheet_title="s", column_widths=[25])
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws.column_dimensions["A"].width == 25
    assert ws.column_dimensions["B"].width == 22  # nine CJK characters: 18 + 4


def test_a_failed_write_removes_openpyxls_temporary_file():
    import os

    from openpyxl.worksheet import _writer

    before = list(_writer.ALL_TEMP_FILES)
    seen = []

    def rows():
        yield ["x"]
        seen.extend(set(_writer.ALL_TEMP_FILES) - set(before))
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_workbook(io.BytesIO(), ["a"], rows(), sheet_title="s")
    assert len(seen) == 1
    assert not os.path.exists(seen[0])
    assert _writer.ALL_TEMP_FILES == before
