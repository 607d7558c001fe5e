"""Taking in the real briefing (2021 第6期) and refusing files that are not briefings."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from tests.briefings.conftest import OFFICE, REAL, SERIES
from wenming.briefings import services
from wenming.briefings.models import Article, Issue, IssueEvent, Series
from wenming.briefings.parse import join_paragraphs, parse_blocks, parse_file
from wenming.core.errors import ApplicationError
from wenming.core.models import Sequence

TOC = [
    "王建鹏到第九网格督导创城工作",
    "市中级人民法院部署创城及文明创建工作",
    "市审计局召开会议安排部署创城工作",
    "市工业行业服务中心召开创建全国文明城市工作动员会",
    "古楼街道规范城市物业企业管理",
]
HEADLINES = [
    "王建鹏到第九网格督导创城工作",
    "市中级人民法院 部署创城及文明创建工作",
    "市审计局 召开会议安排部署创城工作",
    "市工业行业服务中心 召开创建全国文明城市工作动员会",
    "古楼街道 规范城市物业管理",
]
REPORT = (
    "市委常委，市人大主任、副主任，市政府副市长，市政协主席、副主席，市纪委副书记，"
    "聊城市创建全国文明城市指导委员会全体成员"
)
SEND = (
    "聊城市创建全国文明城市工作办公室全体成员，各县（市、区）委、市属开发区党工委，"
    "市直各部门各单位党组（党委）"
)
# The three paragraphs the print broke across pages, joined.
COURT_1 = (
    "3月3日，聊城市中级人民法院召开创建全国文明城市、全国文明城市动员会，学习贯彻落实全市"
    "创建全国文明城市动员会议精神，部署新一轮全国文明城市、全国文明单位创建工作。"
)
AUDIT_3_START = (
    "会议强调，全局党员干部要进一步将思想和行动统一到市委市政府决策部署上来，强化责任意识，"
)
GULOU_2 = (
    "会议强调，古楼街道每个物业服务企业既是创建文明城市的组织者、建设者，也是受益者，要切实"
    "提高思想认识、端正工作态度，以主人翁的精神主动作为，在文明城市创建的过程中提高服务水平，"
    "提升企业形象，塑造企业口碑和企业品牌。"
)


def test_parse_the_real_briefing(real_bytes):
    p = parse_file(REAL.name, real_bytes)
    assert (p.series, p.number, p.office, p.date) == (SERIES, 6, OFFICE, dt.date(2021, 3, 7))
    assert p.toc == TOC
    assert [a.headline for a in p.articles] == HEADLINES
    assert [len(a.paragraphs) for a in p.articles] == [3, 2, 3, 3, 3]
    assert p.articles[1].paragraphs[0] == COURT_1
    assert p.articles[2].paragraphs[2].startswith(AUDIT_3_START)
    assert p.articles[2].paragraphs[2].endswith("为创建全国文明城市贡献审计力量。")
    assert p.articles[4].paragraphs[1] == GULOU_2
    assert p.articles[0].paragraphs[0] == (
        "3月5日，市人大常委会副主任王建鹏带领督导组到第九网格督导创城工作。"
    )
    # Every paragraph is whole: it ends a sentence.
    for a in p.articles:
        for text in a.paragraphs:
            assert text[-1] in "。！？：", text
    assert (p.report_to, p.send_to, p.copies) == (REPORT, SEND, 260)


def test_import_command_stores_issue_6_of_2021(db, capsys):
    call_command("import_briefing", str(REAL))
    issue = Issue.objects.get()
    assert (issue.series.name, issue.series.office) == (SERIES, OFFICE)
    assert (issue.year, issue.number, issue.date, issue.office) == (
        2021,
        6,
        dt.date(2021, 3, 7),
        OFFICE,
    )
    assert (issue.status, issue.imported, issue.source_name) == ("published", True, REAL.name)
    assert issue.toc == TOC
    assert list(issue.articles.values_list("position", "headline")) == list(
        enumerate(HEADLINES, start=1)
    )
    assert issue.articles.get(position=2).paragraphs[0] == COURT_1
    assert issue.articles.get(position=5).paragraphs[1] == GULOU_2
    assert (issue.report_to, issue.send_to, issue.copies) == (REPORT, SEND, 260)
    assert list(IssueEvent.objects.values_list("action", flat=True)) == ["import"]
    # The series' 2021 counter continues after the imported number.
    assert Sequence.objects.get(name=issue.series.sequence_name(2021)).value == 6
    assert "no. 6 of 2021-03-07: 5 articles, 260 copies" in capsys.readouterr().out


def test_importing_the_same_issue_twice_is_refused(db):
    call_command("import_briefing", str(REAL))
    with pytest.raises(CommandError, match="已存在"):
        call_command("import_briefing", str(REAL))
    assert Issue.objects.count() == 1
    assert Article.objects.count() == 5


@pytest.mark.parametrize(
    "text, missing",
    [
        ("会议纪要\n\n今天开会。\n", ["简报名称", "期号", "编印单位", "日期"]),
        (
            "聊城市创建全国文明城市工作简报\n第7期\n聊城市创建全国文明城市工作办公室\n"
            "2021年3月14日\n",
            ["正文文章"],
        ),
        (
            "聊城市创建全国文明城市工作简报\n聊城市创建全国文明城市工作办公室\n2021年3月14日\n"
            "标题一\n正文。\n",
            ["期号"],
        ),
    ],
)
def test_a_file_that_is_not_a_briefing_names_what_is_missing(db, tmp_path, text, missing):
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_briefing", str(path))
    message = str(info.value)
    assert "这不是一份工作简报" in message
    for part in missing:
        assert part in message
    assert (Series.objects.count(), Issue.objects.count(), Article.objects.count()) == (0, 0, 0)


def test_a_toc_entry_without_its_article_imports_nothing(db, real_text):
    broken = real_text.replace("古楼街道 规范城市物业管理\n", "")
    with pytest.raises(ApplicationError) as info:
        parse_file("b.txt", broken.encode())
    assert info.value.code == "toc_article_missing"
    assert "古楼街道规范城市物业企业管理" in info.value.message
    assert Issue.objects.count() == 0


def test_failure_midway_leaves_nothing(db, real_bytes, monkeypatch):
    parsed = parse_file(REAL.name, real_bytes)
    real_create = Article.objects.create
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return real_create(**kw)

    monkeypatch.setattr(Article.objects, "create", flaky)
    with pytest.raises(RuntimeError):
        services.issue_import(None, parsed, source_name="x.txt")
    assert (Series.objects.count(), Issue.objects.count(), Article.objects.count()) == (0, 0, 0)
    assert Sequence.objects.count() == 0


def test_gb18030_text_and_chinese_numerals(db):
    text = (
        "某市创城工作简报\n第十二期\n某市创城办\u3000\u30002021年12月1日\n"
        "★ 某单位开展志愿服务\n某单位开展志愿服务\n12月1日，某单位开展\n志愿服务活动。\n"
        "送：各成员单位\n共印 30 份\n"
    )
    p = parse_file("old.txt", text.encode("gb18030"))
    assert (p.series, p.number, p.office, p.date) == (
        "某市创城工作简报",
        12,
        "某市创城办",
        dt.date(2021, 12, 1),
    )
    assert p.toc == ["某单位开展志愿服务"]
    assert p.articles[0].paragraphs == ["12月1日，某单位开展志愿服务活动。"]
    assert (p.report_to, p.send_to, p.copies) == ("", "各成员单位", 30)


def test_without_a_table_of_contents_headlines_are_found_and_listed():
    blocks = [
        "某区创城简报",
        "第3期",
        "某区创城办",
        "2022年5月6日",
        "甲单位 召开动员会",
        "5月5日，甲单位召开动员会。",
        "会议要求，",
        "抓好落实。",
        "乙社区开展清洁家园活动",
        "5月6日，乙社区开展活动。",
        "报：区领导",
    ]
    p = parse_blocks(blocks)
    assert [a.headline for a in p.articles] == ["甲单位 召开动员会", "乙社区开展清洁家园活动"]
    assert p.articles[0].paragraphs == ["5月5日，甲单位召开动员会。", "会议要求，抓好落实。"]
    assert p.toc == ["甲单位 召开动员会", "乙社区开展清洁家园活动"]


def test_join_paragraphs_keeps_a_colon_ending_and_closing_quotes():
    assert join_paragraphs(["他说：", "“好。”", "未完", "待续。"]) == [
        "他说：",
        "“好。”",
        "未完待续。",
    ]


@pytest.mark.parametrize("name", ["x.pdf", "x"])
def test_other_file_types_are_refused(name):
    with pytest.raises(ApplicationError) as info:
        parse_file(name, b"%PDF-1.4")
    assert info.value.code == "unsupported_file"


def test_a_broken_docx_is_refused():
    with pytest.raises(ApplicationError) as info:
        parse_file("x.docx", b"PK\x03\x04 not really")
    assert info.value.code == "not_docx"


def test_only_the_office_imports(db, cast, real_bytes):
    parsed = parse_file(REAL.name, real_bytes)
    with pytest.raises(ApplicationError) as info:
        services.issue_import(cast.handler, parsed)
    assert info.value.status == 403
    assert Issue.objects.count() == 0
    issue = services.issue_import(cast.office, parsed, source_name=REAL.name)
    assert issue.number == 6


def test_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="nope.txt"):
        call_command("import_briefing", str(tmp_path / "nope.txt"))


def test_stdin_like_bytes_are_read(db):
    # parse_file takes bytes from any source (upload, disk).
    data = io.BytesIO(REAL.read_bytes()).getvalue()
    assert parse_file("a.TXT", data).number == 6


def test_a_huge_file_is_refused_before_reading(monkeypatch):
    from wenming.briefings import parse

    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ApplicationError) as info:
        parse_file(REAL.name, REAL.read_bytes())
    assert (info.value.code, info.value.detail) == ("file_too_large", {"field": "file"})
    assert "MB" in info.value.message


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ("第6期", "第99999999999期", "期号 99999999999 不在 1 到 9999 之间"),
        ("第6期", "第0期", "期号 0 不在 1 到 9999 之间"),
        ("共印 260 份", "共印 99999999999 份", "印数 99999999999 不在 0 到 100000 之间"),
        ("2021年3月7日", "1800年3月7日", "年份 1800 不在 1949 到 2100 之间"),
        ("聊城市创建全国文明城市工作办公室\n", "聊" * 120 + "办公室\n", "编印单位有 123 个字，最多 100 个"),
        ("报：市委常委，", "报：" + "市委常委，" * 500, "报送范围（报）有 2"),
        # In the table of contents and as the headline.
        ("王建鹏到第九网格督导创城工作", "王建鹏到第九网格督导创城工作" + "甲" * 90,
         "第 1 篇文章的标题有 104 个字，最多 100 个"),
    ],
)  # fmt: skip
def test_parts_that_cannot_be_stored_are_refused_by_name(
    db, tmp_path, real_text, old, new, problem
):
    """Found in review: an absurd number, copies or office length reached the database (a
    500 on PostgreSQL) and a long headline was cut short silently."""
    assert old in real_text
    path = tmp_path / "x.txt"
    path.write_text(real_text.replace(old, new), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_briefing", str(path))
    assert "无法导入该简报" in str(info.value) and problem in str(info.value)
    assert (Series.objects.count(), Issue.objects.count(), Article.objects.count()) == (0, 0, 0)
    assert not Sequence.objects.exists()


def test_the_import_page_refuses_an_absurd_issue_number_with_400(db, cast, real_text):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    c = Client()
    c.force_login(cast.office)
    data = real_text.replace("第6期", "第99999999999期").encode()
    r = c.post("/briefings/import/", {"file": SimpleUploadedFile("x.txt", data)})
    assert r.status_code == 400
    assert "期号 99999999999 不在 1 到 9999 之间" in r.content.decode()
    assert Issue.objects.count() == 0
