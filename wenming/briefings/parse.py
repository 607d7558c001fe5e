"""Reading an old briefing (plain text extracted from print, or DOCX) into its parts.

The customary 简报 layout (``shared/data/formats/gbt9704_layout_facts.csv``, last row): the
series name (…简报) at the top, 第N期 below it, the issuing office and the date
(2021年3月7日) above a rule, the table of contents (本期要目, often bulleted), the articles
(headline, then paragraphs), and the closing block: 报：…, 发：… (or 送：…) and 共印 N 份.

Text extracted from print breaks a paragraph where the page broke: a paragraph that does not
end with 。！？ or ： (optionally followed by a closing quote or bracket) continues in the next
block, and the two are joined without a space (Chinese text has none between characters).

Articles are found through the table of contents: the k-th article's headline is the first
later block that is close to the k-th entry (difflib ratio ≥ 0.6 after dropping spaces), so an
entry whose wording differs from the printed headline (古楼街道规范城市物业企业管理 /
古楼街道 规范城市物业管理) still finds it, and the original wording of both is kept.
Without a table of contents a headline is a short block (≤ 40 characters) with no sentence
punctuation that follows a finished paragraph.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError

MAX_FILE_BYTES = 20 * 2**20
TERMINAL = "。！？：!?:"
CLOSERS = "”’」』）)》"
BULLET = re.compile(r"^\s*(?:[-–—•·●○◆◇■□★☆▲►\*]|\d+[.、]|[（(]\d+[）)])\s*")
NUMBER = re.compile(r"^第\s*([0-9０-９]+|[〇零一二三四五六七八九十百]+)\s*期$")
DATE = re.compile(r"([0-9０-９]{4})\s*年\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日$")
COPIES = re.compile(r"^共印\s*([0-9０-９]+)\s*份[。.]?$")
REPORT = re.compile(r"^(?:报|报送)\s*[：:]\s*(.*)$")
SEND = re.compile(r"^(?:发|送|分送|抄送)\s*[：:]\s*(.*)$")
TOC_HEADING = re.compile(r"^(?:本期要目|本期目录|目\s*录)$")
# A space between two CJK characters is a line break of the print, not a word space.
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


@dataclass
class ParsedArticle:
    headline: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class ParsedBriefing:
    """A briefing's parts. ``number``: 第N期; ``date``: the issue date; ``toc``: the table of
    contents as printed (may differ from the headlines); ``copies``: 共印 N 份 (0: not
    printed)."""

    series: str
    number: int
    office: str
    date: dt.date
    toc: list[str]
    articles: list[ParsedArticle]
    report_to: str = ""
    send_to: str = ""
    copies: int = 0


def _digits(text: str) -> int:
    return int(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


_CN = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _cn_number(text: str) -> int:
    """一 … 九百九十九 as an int."""
    total, current = 0, 0
    for ch in text:
        if ch in _CN:
            current = _CN[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def _number(text: str) -> int:
    return _digits(text) if text[0].isdigit() else _cn_number(text)


def squeeze(text: str) -> str:
    """``text`` without the spaces that print extraction left between CJK characters."""
    return _CJK_SPACE.sub("", text.strip())


def is_finished(paragraph: str) -> bool:
    """True if ``paragraph`` ends a sentence (。！？ or ：, maybe before a closing quote)."""
    text = paragraph.rstrip().rstrip(CLOSERS)
    return bool(text) and text[-1] in TERMINAL


def _similar(a: str, b: str) -> float:
    a, b = re.sub(r"\s+", "", a), re.sub(r"\s+", "", b)
    return difflib.SequenceMatcher(None, a, b).ratio()


def blocks_from_text(text: str) -> list[str]:
    """Non-empty lines of ``text``, stripped (one line = one block of the extraction)."""
    return [line.strip() for line in text.replace("\u3000", " ").splitlines() if line.strip()]


def blocks_from_docx(data) -> list[str]:
    """Non-empty paragraphs of a DOCX (``data``: path or binary file object); a line break
    inside a paragraph becomes a space, a tab separates the office from the date."""
    from docx import Document

    try:
        doc = Document(data)
    except Exception as exc:  # python-docx raises several types for a non-DOCX file
        raise ApplicationError(
            "not_docx",
            _("The file is not a readable DOCX document."),
            detail={"field": "file"},
        ) from exc
    blocks = []
    for p in doc.paragraphs:
        text = p.text.replace("\n", " ").replace("\u3000", " ").strip()
        if text:
            blocks.append(text)
    return blocks


def parse_blocks(blocks: list[str]) -> ParsedBriefing:
    """Parse the blocks of one briefing. Raises ApplicationError (400, ``not_a_briefing``)
    naming every missing part (series name, issue number, issuing office, date, articles)."""
    missing: list[str] = []
    i, n = 0, len(blocks)
    series = ""
    # Header: everything up to the issue number is the series name (…简报).
    head: list[str] = []
    number = None
    while i < n and number is None:
        m = NUMBER.match(squeeze(blocks[i]))
        if m:
            number = _number(m.group(1))
        else:
            head.append(blocks[i])
        i += 1
    if number is None:
        i = 0
    series = squeeze(" ".join(h for h in head if "简报" in h or "通报" in h or "信息" in h))
    if not series or len(series) > 100:
        series = ""
    # Issuing office and date: on one line ("office    2021年3月7日") or on two.
    office, date = "", None
    j = i
    while j < min(n, i + 4) and date is None:
        text = blocks[j].replace("\t", " ")
        m = DATE.search(text)
        if m:
            try:
                date = dt.date(_digits(m.group(1)), _digits(m.group(2)), _digits(m.group(3)))
            except ValueError:
                date = None
            before = text[: m.start()].strip()
            if before:
                office = squeeze(before)
            elif j > i:
                office = squeeze(" ".join(blocks[i:j]))
            j += 1
            break
        j += 1
    if date is None:
        j = i
    else:
        i = j
    # Table of contents: bulleted lines, or the lines after 本期要目 until the first headline
    # repeats.
    toc: list[str] = []
    if i < n and TOC_HEADING.match(squeeze(blocks[i])):
        i += 1
        while i < n and not (toc and _similar(blocks[i], toc[0]) >= 0.6):
            if REPORT.match(blocks[i]) or SEND.match(blocks[i]):
                break
            toc.append(BULLET.sub("", blocks[i]).strip())
            i += 1
    else:
        while i < n and BULLET.match(blocks[i]) and not is_finished(blocks[i]):
            toc.append(BULLET.sub("", blocks[i]).strip())
            i += 1
    # The body runs to the closing block.
    end = i
    while end < n and not (REPORT.match(blocks[end]) or SEND.match(blocks[end])):
        if COPIES.match(squeeze(blocks[end])):
            break
        end += 1
    body = blocks[i:end]
    articles = _articles(body, toc)
    report_to, send_to, copies = _closing(blocks[end:])
    if not series:
        missing.append(_("the series name (…简报)"))
    if number is None:
        missing.append(_("the issue number (第N期)"))
    if not office:
        missing.append(_("the issuing office"))
    if date is None:
        missing.append(_("the date (2021年3月7日)"))
    if not articles:
        missing.append(_("articles"))
    if missing:
        raise ApplicationError(
            "not_a_briefing",
            _("This is not a work briefing: %(missing)s not found.")
            % {"missing": "、".join(str(m) for m in missing)},
            detail={"missing": [str(m) for m in missing]},
        )
    if not toc:
        toc = [a.headline for a in articles]
    return ParsedBriefing(
        series=series,
        number=number,
        office=office,
        date=date,
        toc=toc,
        articles=articles,
        report_to=report_to,
        send_to=send_to,
        copies=copies,
    )


def _headline_indexes(body: list[str], toc: list[str]) -> list[int]:
    if toc:
        found, start = [], 0
        for entry in toc:
            for k in range(start, len(body)):
                if not is_finished(body[k]) and _similar(body[k], entry) >= 0.6:
                    found.append(k)
                    start = k + 1
                    break
            else:
                raise ApplicationError(
                    "toc_article_missing",
                    _("No article was found for the table of contents entry “%(entry)s”.")
                    % {"entry": entry},
                    detail={"entry": entry},
                )
        return found
    found, previous_done = [], True
    for k, block in enumerate(body):
        if (
            previous_done
            and len(block) <= 40
            and not is_finished(block)
            and not re.search(r"[，,；;。]", block)
        ):
            found.append(k)
            previous_done = True
            continue
        previous_done = is_finished(block)
    return found


def _articles(body: list[str], toc: list[str]) -> list[ParsedArticle]:
    starts = _headline_indexes(body, toc)
    articles = []
    for a, start in enumerate(starts):
        stop = starts[a + 1] if a + 1 < len(starts) else len(body)
        articles.append(
            ParsedArticle(headline=body[start], paragraphs=join_paragraphs(body[start + 1 : stop]))
        )
    return articles


def join_paragraphs(blocks: list[str]) -> list[str]:
    """Join blocks broken across pages: a block that is not finished (see
    :func:`is_finished`) continues in the next one."""
    out: list[str] = []
    pending = ""
    for block in blocks:
        pending += block
        if is_finished(pending):
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending)
    return out


def _closing(blocks: list[str]) -> tuple[str, str, int]:
    report, send, copies = [], [], 0
    current = None
    for block in blocks:
        squeezed = squeeze(block)
        m = COPIES.match(squeezed)
        if m:
            copies = _digits(m.group(1))
            current = None
            continue
        m = REPORT.match(block)
        if m:
            current = report
            current.append(m.group(1).strip())
            continue
        m = SEND.match(block)
        if m:
            current = send
            current.append(m.group(1).strip())
            continue
        if current is not None:
            current.append(block)
    return "".join(report), "".join(send), copies


def parse_file(name: str, data: bytes) -> ParsedBriefing:
    """Parse an uploaded or local file by its extension: ``.txt`` (UTF-8, or GB18030 as
    Chinese Windows saves it) or ``.docx``, at most 20 MB. Raises ApplicationError (400)."""
    if len(data) > MAX_FILE_BYTES:
        raise ApplicationError(
            "file_too_large",
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20},
            detail={"field": "file"},
        )
    lower = name.lower()
    if lower.endswith(".docx"):
        import io

        return parse_blocks(blocks_from_docx(io.BytesIO(data)))
    if lower.endswith(".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ApplicationError(
                "bad_encoding",
                _("The text file is neither UTF-8 nor GB18030."),
                detail={"field": "file"},
            )
        return parse_blocks(blocks_from_text(text))
    raise ApplicationError(
        "unsupported_file",
        _("Only .txt and .docx files can be imported."),
        detail={"field": "file"},
    )
