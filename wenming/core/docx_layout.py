"""Shared DOCX layout helpers (python-docx) for documents laid out after GB/T 9704-2012
(党政机关公文格式): the 督办单 (notifications) and the work briefing (briefings).

Layout facts (``shared/data/formats/gbt9704_layout_facts.csv``): A4 210×297 mm; margins top
37 mm, bottom 35 mm, left (binding) 28 mm, right 26 mm (版心 156×225 mm); body 3号 (16 pt)
仿宋_GB2312 with fixed line spacing (22 lines per page: 28 pt); red ink C0 M80 Y80 K0
(RGB 255, 51, 51); 版记 in 4号 (14 pt); page numbers "— 1 —" in 4号 宋体.

Every run gets its font in ``w:eastAsia`` as well as ``w:ascii``/``w:hAnsi``: Word and WPS
choose the font of Chinese text from ``w:eastAsia`` only.
"""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

RED = RGBColor(0xFF, 0x33, 0x33)
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
BODY_PT = 16  # 3号
NOTE_PT = 14  # 4号
LINE_PT = 28  # fixed line spacing of the body: 22 lines on the 225 mm 版心
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TYPE_AREA_WIDTH_MM = 156


def set_font(run, name: str, size: float, *, bold=False, color: RGBColor | None = None) -> None:
    """Set the run's font ``name`` (also for East Asian text), ``size`` in points."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    r_fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        r_fonts.set(qn(attr), name)
    if color is not None:
        run.font.color.rgb = color


def add_paragraph(doc_or_cell, text="", *, font=FANGSONG, size=BODY_PT, align=None,
                  indent=False, bold=False, color=None, space_before=0, space_after=0,
                  exact=True, line_pt: float | None = None):  # fmt: skip
    """Append a paragraph. ``exact``: fixed line spacing of ``line_pt`` (default the larger
    of 28 pt and 1.2 × size); ``indent``: first-line indent of two characters (2 × size)."""
    p = doc_or_cell.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = Pt(space_before)
    fmt.space_after = Pt(space_after)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt or max(LINE_PT, size * 1.2))
    if align is not None:
        p.alignment = align
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if text:
        set_font(p.add_run(text), font, size, bold=bold, color=color)
    return p


# Elements that follow w:pBdr inside w:pPr (ECMA-376 order); the border goes before them.
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def add_border(paragraph, edge: str, *, color: str, size_eighths: int, space_pt: int = 1) -> None:
    """A line on the ``top`` or ``bottom`` edge of a paragraph, ``space_pt`` points away;
    ``size_eighths``: thickness in eighths of a point; ``color``: hex RGB ("FF3333")."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.insert_element_before(borders, *_AFTER_PBDR)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), str(space_pt))
    line.set(qn("w:color"), color)
    if edge == "top":
        borders.insert(0, line)
    else:
        borders.append(line)


def page_number_footer(section) -> None:
    """Centred page numbers "— N —" (a PAGE field) in 4号 宋体 in the section's footer."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), SONGTI, NOTE_PT)
    run = p.add_run()
    set_font(run, SONGTI, NOTE_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    set_font(p.add_run(" —"), SONGTI, NOTE_PT)


def setup_document(doc) -> None:
    """A4 with the GB/T 9704 margins, page numbers in the footer, and the Normal style in
    仿宋_GB2312 3号 (East Asian font name set)."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28)
    normal = doc.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    page_number_footer(section)
