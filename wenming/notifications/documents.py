"""The supervision notice (督办单) as DOCX, laid out after GB/T 9704-2012 (党政机关公文格式).

Layout facts (``shared/data/formats/gbt9704_layout_facts.csv``): A4 210×297 mm; margins top
37 mm, bottom 35 mm, left (binding) 28 mm, right 26 mm (版心 156×225 mm); body 3号 (16 pt)
仿宋_GB2312, fixed line spacing 28 pt (22 lines × 28 characters); red elements in red ink
(C0 M80 Y80 K0 → RGB 255, 51, 51); the issuing office's mark centred in red 小标宋, the red
separator below the document number (发文字号); headings 一、 in 黑体; 版记 in 4号 (14 pt)
仿宋 between thin lines; page numbers "— 1 —" in 4号 宋体.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Mm, Pt

from wenming.cases.models import Escalation, Status
from wenming.core import calendar
from wenming.core.docx_layout import (
    FANGSONG,
    HEITI,
    NOTE_PT,
    RED,
    XIAOBIAOSONG,
    setup_document,
)
from wenming.core.docx_layout import add_border as _border
from wenming.core.docx_layout import add_paragraph as _para
from wenming.core.docx_layout import set_font as _font

from . import conf


def _date_cn(dt) -> str:
    d = timezone.localtime(dt)
    return _("%(y)d-%(m)d-%(d)d") % {"y": d.year, "m": d.month, "d": d.day}


def _when(dt) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if dt else "—"


def escalation_filename(escalation: Escalation) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("supervision-notice-%(number)s.docx") % {"number": escalation.number}


def escalation_docx(escalation: Escalation) -> bytes:
    """Render the 督办单 of ``escalation`` (with case, unit and grid loaded) as DOCX bytes.

    Contents: issuing office and document type (red), number 〔year〕serial号, red line,
    addressee (the unit), the facts of the case (number, title, category, place, description,
    dispatch time, deadline, time overdue in working hours), the reason, the requirements with
    the respond-by time, the issuing office and date; 抄送 the supervision grid (level 2).
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _render(escalation)


def _render(e: Escalation) -> bytes:
    case = e.case
    doc = Document()
    setup_document(doc)

    office = conf.office_name()
    title = _("Listed supervision notice") if e.level == 2 else _("Supervision notice")
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, office, font=XIAOBIAOSONG, size=26, align=center, color=RED, exact=False)
    _para(doc, title, font=XIAOBIAOSONG, size=30, align=center, color=RED, exact=False,
          space_before=6)  # fmt: skip
    number = _("%(prefix)s〔%(year)d〕%(serial)d") % {
        "prefix": conf.escalation_prefix(),
        "year": e.year,
        "serial": e.serial,
    }
    p = _para(doc, number, align=center, space_before=16, space_after=0)
    # The red separator (版头分隔线), 4 mm (≈ 11 pt) below the document number.
    _border(p, "bottom", color=str(RED), size_eighths=18, space_pt=11)
    _para(doc, "")

    _para(doc, _("%(unit)s:") % {"unit": e.unit.name})
    overdue_hours = None
    if e.deadline and e.issued_at > e.deadline:
        overdue_hours, _warnings = calendar.working_hours_between(e.deadline, e.issued_at)
    if overdue_hours is not None:
        opening = _(
            "Case %(number)s (%(title)s) handled by your unit was dispatched on %(dispatched)s "
            "with the deadline %(deadline)s. As of %(issued)s it has not been completed and is "
            "%(hours)s working hours overdue. It is hereby placed under supervision."
        )
    else:
        opening = _(
            "Case %(number)s (%(title)s) handled by your unit was dispatched on %(dispatched)s "
            "with the deadline %(deadline)s. It is hereby placed under supervision."
        )
    _para(doc, opening % {
        "number": case.number,
        "title": case.title,
        "dispatched": _when(case.dispatched_at),
        "deadline": _when(e.deadline),
        "issued": _when(e.issued_at),
        "hours": f"{overdue_hours:.1f}" if overdue_hours is not None else "",
    }, indent=True)  # fmt: skip

    _para(doc, _("1. The case"), font=HEITI, indent=True)
    place = " ".join(
        r.name for r in (case.county, case.subdistrict, case.community) if r is not None
    )
    facts = [
        (_("Case number"), case.number),
        (_("Title"), case.title),
        (_("Category"), case.category.name),
        (_("Location"), " ".join(x for x in (place, case.address) if x) or "—"),
        (_("Description"), case.description or "—"),
        (_("Responsible unit"), e.unit.name),
        (_("Dispatched at"), _when(case.dispatched_at)),
        (_("Deadline"), _when(e.deadline)),
        (_("Status"), Status(case.status).label),
        (
            _("Time overdue"),
            _("%(hours)s working hours") % {"hours": f"{overdue_hours:.1f}"}
            if overdue_hours is not None
            else "—",
        ),
    ]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table.columns[0].width, table.columns[1].width = Mm(35), Mm(121)  # the 156 mm 版心
    for label, value in facts:
        row = table.add_row().cells
        row[0].width, row[1].width = Mm(35), Mm(121)
        for cell, text, font in ((row[0], label, HEITI), (row[1], str(value), FANGSONG)):
            cell.paragraphs[0].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            _font(cell.paragraphs[0].add_run(text), font, NOTE_PT)

    _para(doc, _("2. Reason"), font=HEITI, indent=True, space_before=8)
    _para(doc, e.reason, indent=True)
    _para(doc, _("3. Requirements"), font=HEITI, indent=True)
    _para(doc, e.requirements, indent=True)
    _para(doc, _("Respond by: %(when)s") % {"when": _when(e.respond_by)}, indent=True)

    _para(doc, "")
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, office, align=right)
    _para(doc, _date_cn(e.issued_at), align=right)

    # 版记: 抄送 (copy to) and 印发 between thin lines.
    _para(doc, "")
    grid = case.supervision_grid
    first = None
    if grid is not None:
        leader = f"（{grid.leader_name}）" if grid.leader_name else ""
        first = _para(doc, _("Copy to: %(who)s.") % {"who": f"{grid.name}{leader}"},
                      size=NOTE_PT)  # fmt: skip
        first.paragraph_format.left_indent = Pt(NOTE_PT)
    last = _para(
        doc,
        _("%(office)s    issued %(date)s") % {"office": office, "date": _date_cn(e.issued_at)},
        size=NOTE_PT,
    )
    _border(first or last, "top", color="000000", size_eighths=8)
    _border(last, "bottom", color="000000", size_eighths=8)

    out = io.BytesIO()
    doc.core_properties.title = f"{title} {number}"
    doc.core_properties.author = office
    doc.save(out)
    return out.getvalue()
