"""The work briefing (工作简报) as DOCX, PDF (through LibreOffice) and the HTML preview's data.

Layout (the customary 简报 on GB/T 9704-2012 foundations, shared/data/formats/
gbt9704_layout_facts.csv; helpers in :mod:`wenming.core.docx_layout`):

- A4, margins top 37, bottom 35, left 28, right 26 mm; page numbers "— N —" (PAGE field).
- 报头: the series name in red 方正小标宋简体, centred, sized to fit one line of the 156 mm
  版心 (at most 36 pt); 第N期 below it; the issuing office on the left and the date
  (2021年3月7日) on the right (a right tab stop at the 版心's edge) above a red rule.
- 本期要目 (黑体) and its entries.
- Articles: headline centred in 方正小标宋简体 2号 (22 pt; a space in a headline is the break
  between the unit and what it did, printed as a line break), body 仿宋_GB2312 3号 (16 pt),
  first-line indent of two characters, fixed line spacing 28 pt, justified; a work item's
  photos after its text, 120 mm wide.
- The data section (if any) as a last article.
- 版记: 报：…, 发：… (4号, 14 pt) and 共印 N 份 between black rules.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt

from wenming.core.docx_layout import (
    BODY_PT,
    FANGSONG,
    HEITI,
    NOTE_PT,
    RED,
    TYPE_AREA_WIDTH_MM,
    XIAOBIAOSONG,
    add_border,
    add_paragraph,
    set_font,
    setup_document,
)
from wenming.core.errors import ApplicationError

from .models import Issue

HEADLINE_PT = 22  # 2号
SERIES_MAX_PT = 36
PHOTO_WIDTH_MM = 120
PDF_TIMEOUT_SECONDS = 120


@dataclass
class DocArticle:
    headline: str
    paragraphs: list[str]
    photos: list[str] = field(default_factory=list)  # file paths
    photo_urls: list[str] = field(default_factory=list)  # thumbnails, for the HTML preview


@dataclass
class BriefingDoc:
    """Everything printed in an issue, as text: ``number_text`` (第6期), ``date_text``
    (2021年3月7日); ``data`` the data section as an article or None."""

    series: str
    number_text: str
    office: str
    date_text: str
    toc: list[str]
    articles: list[DocArticle]
    data: DocArticle | None
    report_to: str
    send_to: str
    copies_text: str


def date_text(d) -> str:
    """2021年3月7日 style (through the catalogue)."""
    return _("%(y)d-%(m)d-%(d)d") % {"y": d.year, "m": d.month, "d": d.day}


def number_text(issue: Issue) -> str:
    if issue.number is None:
        return _("No. (assigned when published)")
    return _("No. %(number)d") % {"number": issue.number}


def document_of(issue: Issue) -> BriefingDoc:
    """The printed content of ``issue`` (articles and their work items' photos prefetched
    or loaded here), in the site language."""
    with translation.override(settings.LANGUAGE_CODE):
        articles = []
        for a in issue.articles.all():
            rows = (
                [p for p in a.work_item.photos.all() if _has_file(p.image)]
                if a.work_item_id
                else []
            )
            articles.append(
                DocArticle(
                    a.headline,
                    list(a.paragraphs),
                    [p.image.path for p in rows],
                    [(p.thumbnail or p.image).url for p in rows],
                )
            )
        data = None
        if issue.data_section:
            data = DocArticle(
                issue.data_section.get("headline", ""), list(issue.data_section["paragraphs"])
            )
        return BriefingDoc(
            series=issue.series.name,
            number_text=number_text(issue),
            office=issue.office,
            date_text=date_text(issue.date),
            toc=list(issue.toc),
            articles=articles,
            data=data,
            report_to=_("Report to: %(list)s") % {"list": issue.report_to}
            if issue.report_to
            else "",
            send_to=_("Send to: %(list)s") % {"list": issue.send_to} if issue.send_to else "",
            copies_text=_("Printed: %(copies)d copies") % {"copies": issue.copies}
            if issue.copies
            else "",
        )


def _has_file(field_file) -> bool:
    try:
        return bool(field_file.name) and Path(field_file.path).exists()
    except (NotImplementedError, ValueError):  # remote storage: no local path
        return False


def filename(issue: Issue, ext: str) -> str:
    """Download name, e.g. ``聊城市创建全国文明城市工作简报-2021-第6期.docx``."""
    with translation.override(settings.LANGUAGE_CODE):
        return f"{issue.series.name}-{issue.year}-{number_text(issue)}.{ext}"


def _headline(doc, text: str, *, space_before: int = 16):
    p = add_paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, space_before=space_before,
                      space_after=8, line_pt=HEADLINE_PT * 1.5)  # fmt: skip
    parts = text.split()
    for k, part in enumerate(parts):
        run = p.add_run(part)
        set_font(run, XIAOBIAOSONG, HEADLINE_PT)
        if k < len(parts) - 1:
            run.add_break(WD_BREAK.LINE)
    return p


def _body(doc, text: str):
    return add_paragraph(doc, text, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)


def render_docx(doc_data: BriefingDoc) -> bytes:
    """Render the content as DOCX bytes (layout in the module docstring)."""
    doc = Document()
    setup_document(doc)
    center = WD_ALIGN_PARAGRAPH.CENTER

    # 报头
    size = max(
        22, min(SERIES_MAX_PT, int(TYPE_AREA_WIDTH_MM * 2.83 / max(1, len(doc_data.series))))
    )
    add_paragraph(doc, doc_data.series, font=XIAOBIAOSONG, size=size, align=center, color=RED,
                  exact=False, space_before=12)  # fmt: skip
    add_paragraph(doc, doc_data.number_text, align=center, space_before=12)
    line = add_paragraph(doc, space_before=12)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TYPE_AREA_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    set_font(line.add_run(f"{doc_data.office}\t{doc_data.date_text}"), FANGSONG, BODY_PT)
    add_border(line, "bottom", color=str(RED), size_eighths=18, space_pt=4)

    # 本期要目
    if doc_data.toc:
        add_paragraph(doc, _("In this issue"), font=HEITI, align=center, space_before=12)
        last = None
        for entry in doc_data.toc:
            last = add_paragraph(doc, entry)
            last.paragraph_format.left_indent = Pt(BODY_PT * 2)
        add_border(last, "bottom", color=str(RED), size_eighths=6, space_pt=6)

    # Articles, then the data section.
    for article in [*doc_data.articles, *([doc_data.data] if doc_data.data else [])]:
        _headline(doc, article.headline)
        for text in article.paragraphs:
            _body(doc, text)
        for path in article.photos:
            p = add_paragraph(doc, align=center, exact=False, space_before=6)
            try:
                p.add_run().add_picture(path, width=Mm(PHOTO_WIDTH_MM))
            except Exception:  # a damaged or vanished file never stops the briefing
                continue

    # 版记
    closing = [t for t in (doc_data.report_to, doc_data.send_to) if t]
    add_paragraph(doc)
    first = last = None
    for text in closing:
        last = add_paragraph(doc, text, size=NOTE_PT, line_pt=NOTE_PT * 1.6)
        last.paragraph_format.left_indent = Pt(NOTE_PT)
        last.paragraph_format.right_indent = Pt(NOTE_PT)
        first = first or last
    if doc_data.copies_text:
        copies = add_paragraph(doc, doc_data.copies_text, size=NOTE_PT, line_pt=NOTE_PT * 1.6,
                               align=WD_ALIGN_PARAGRAPH.RIGHT)  # fmt: skip
        copies.paragraph_format.right_indent = Pt(NOTE_PT)
        if last is not None:
            add_border(copies, "top", color="000000", size_eighths=4)
        first = first or copies
        last = copies
    if first is not None:
        add_border(first, "top", color="000000", size_eighths=8)
        add_border(last, "bottom", color="000000", size_eighths=8)

    out = io.BytesIO()
    doc.core_properties.title = f"{doc_data.series} {doc_data.number_text}"
    doc.core_properties.author = doc_data.office
    doc.save(out)
    return out.getvalue()


def issue_docx(issue: Issue) -> bytes:
    """The issue as DOCX bytes."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_docx(document_of(issue))


def soffice_path() -> str | None:
    """LibreOffice's ``soffice`` (or ``libreoffice``) on PATH, None when not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes) -> bytes:
    """Convert with ``soffice --headless --convert-to pdf`` in a temporary folder.

    Raises ApplicationError: ``pdf_unavailable`` (503) when LibreOffice is not installed,
    ``pdf_failed`` (500) when the conversion fails or times out (120 s).
    """
    soffice = soffice_path()
    if soffice is None:
        raise ApplicationError(
            "pdf_unavailable",
            _(
                "PDF needs LibreOffice, which is not installed on the server "
                "(apt-get install libreoffice-writer fonts-noto-cjk). Download the DOCX "
                "and print it instead."
            ),
            status=503,
        )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "briefing.docx"
        src.write_bytes(docx)
        try:
            subprocess.run(  # noqa: S603 - fixed arguments, our own temporary file
                [soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                 "--convert-to", "pdf", "--outdir", tmp, str(src)],
                check=True, capture_output=True, timeout=PDF_TIMEOUT_SECONDS,
            )  # fmt: skip
            return (Path(tmp) / "briefing.pdf").read_bytes()
        except (subprocess.SubprocessError, OSError) as exc:
            raise ApplicationError(
                "pdf_failed", _("The PDF could not be made from the DOCX."), status=500
            ) from exc
