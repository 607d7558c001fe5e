"""The real briefing survives import → render (DOCX) → read-back, with the layout of
GB/T 9704-2012 and the customary 简报 (page, margins, fonts, rules, page numbers)."""

from __future__ import annotations

import io
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.briefings.conftest import OFFICE, REAL, SERIES, texts
from tests.briefings.test_import import HEADLINES, REPORT, SEND, TOC
from wenming.briefings import documents
from wenming.briefings.models import Issue
from wenming.briefings.parse import parse_file
from wenming.core.errors import ApplicationError


@pytest.fixture
def imported(db, real_bytes) -> Issue:
    from wenming.briefings import services

    parsed = parse_file(REAL.name, real_bytes)
    return services.issue_import(None, parsed, source_name=REAL.name)


@pytest.fixture
def docx_bytes(imported) -> bytes:
    return documents.issue_docx(imported)


def _expected(parsed) -> list[str]:
    out = [SERIES, "第6期", f"{OFFICE}\t2021年3月7日", "本期要目", *TOC]
    for a in parsed.articles:
        out.append(a.headline.replace(" ", "\n"))
        out.extend(a.paragraphs)
    return [*out, f"报：{REPORT}", f"发：{SEND}", "共印 260 份"]


def test_read_back_gives_the_same_texts_in_the_same_order(docx_bytes, real_bytes):
    parsed = parse_file(REAL.name, real_bytes)
    assert texts(io.BytesIO(docx_bytes)) == _expected(parsed)
    # And the whole printed text of the original is there, in order, paragraph for paragraph.
    body = texts(io.BytesIO(docx_bytes))
    assert [t.replace("\n", " ") for t in body[9:-3] if t.replace("\n", " ") in HEADLINES] == (
        HEADLINES
    )


def test_page_margins_and_page_numbers(docx_bytes):
    doc = Document(io.BytesIO(docx_bytes))
    s = doc.sections[0]
    mm = {
        k: round(getattr(s, k).mm, 1)
        for k in ("page_width", "page_height", "top_margin", "bottom_margin", "left_margin",
                  "right_margin")
    }  # fmt: skip
    assert mm == {
        "page_width": 210.0,
        "page_height": 297.0,
        "top_margin": 37.0,
        "bottom_margin": 35.0,
        "left_margin": 28.0,
        "right_margin": 26.0,
    }
    footer = s.footer.paragraphs[0]
    assert footer.text == "—  —"  # the PAGE field's result is filled in by Word/WPS
    xml = footer._p.xml
    assert "<w:instrText" in xml and " PAGE " in xml
    assert [r.text for r in footer.runs if r.text] == ["— ", " —"]


def _east_asian(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_fonts_colours_indents_and_rules(docx_bytes):
    doc = Document(io.BytesIO(docx_bytes))
    ps = [p for p in doc.paragraphs if p.text.strip()]
    header = ps[0].runs[0]
    assert (header.font.name, _east_asian(header)) == ("方正小标宋简体", "方正小标宋简体")
    assert str(header.font.color.rgb) == "FF3333"
    # The office/date line: a right tab stop at the 156 mm 版心 edge, a red rule below.
    office_line = ps[2]
    assert round(office_line.paragraph_format.tab_stops[0].position.mm) == 156
    bottom = office_line._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF3333"
    # Headlines in 小标宋; body paragraphs in 仿宋_GB2312 三号, two-character first-line
    # indent, fixed 28 pt line spacing.
    headline = next(p for p in ps if p.text == "市审计局\n召开会议安排部署创城工作")
    assert {(_east_asian(r), r.font.size) for r in headline.runs} == {("方正小标宋简体", Pt(22))}
    body = next(p for p in ps if p.text.startswith("3月3日，市审计局召开"))
    run = body.runs[0]
    assert (run.font.name, _east_asian(run), run.font.size) == (
        "仿宋_GB2312",
        "仿宋_GB2312",
        Pt(16),
    )
    fmt = body.paragraph_format
    assert fmt.first_line_indent == Pt(32)
    assert (fmt.line_spacing_rule, fmt.line_spacing) == (WD_LINE_SPACING.EXACTLY, Pt(28))
    # Normal style: 仿宋_GB2312 for East Asian text too.
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # The closing block between rules: 报 starts it, 共印 ends it.
    report, copies = ps[-3], ps[-1]
    assert report._p.pPr.find(qn("w:pBdr")).find(qn("w:top")) is not None
    assert copies._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")) is not None
    assert {_east_asian(r) for r in report.runs} == {"仿宋_GB2312"}
    assert report.runs[0].font.size == Pt(14)


def test_the_rendered_docx_imports_back_to_the_same_briefing(docx_bytes, real_bytes):
    again = parse_file("copy.docx", docx_bytes)
    original = parse_file(REAL.name, real_bytes)
    assert again == original


def test_render_command(imported, tmp_path, capsys):
    out = tmp_path / "b.docx"
    call_command("render_briefing", series=SERIES, year=2021, number=6, out=str(out))
    assert texts(out)[:2] == [SERIES, "第6期"]
    assert f"{out} (" in capsys.readouterr().out
    by_id = tmp_path / "c.docx"
    call_command(
        "render_briefing", series=str(imported.series_id), year=2021, number=6, out=str(by_id)
    )
    assert texts(by_id) == texts(out)
    with pytest.raises(CommandError, match="no issue 7 of 2021"):
        call_command("render_briefing", series=SERIES, year=2021, number=7, out=str(out))


def test_pdf_without_libreoffice_says_why(imported, monkeypatch):
    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    with pytest.raises(ApplicationError) as info:
        documents.docx_to_pdf(b"x")
    assert (info.value.code, info.value.status) == ("pdf_unavailable", 503)
    assert "LibreOffice" in info.value.message and "未安装" in info.value.message


def test_pdf_through_soffice(imported, tmp_path, monkeypatch):
    # A stand-in soffice that records its arguments and writes the PDF where LibreOffice would.
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    log = tmp_path / "args"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > {log}\n'
        'while [ "$1" != "--outdir" ]; do shift; done\n'
        'printf "%%PDF-1.4 fake" > "$2/briefing.pdf"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    pdf = documents.docx_to_pdf(documents.issue_docx(imported))
    assert pdf == b"%PDF-1.4 fake"
    args = log.read_text()
    assert "--headless" in args and "--convert-to pdf" in args
