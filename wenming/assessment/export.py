"""Excel export of rankings (live or published), through :mod:`wenming.core.xlsx`.

One sheet, one row per unit: kind, rank, rank change, unit, score, grade, board and reason,
then every count and rate (rates as per cent numbers with one decimal, "—" cells left empty).
"""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _

from wenming.core.xlsx import write_workbook
from wenming.org.models import Unit

from .indicators import COUNTS, NORMALISED, RATES
from .models import Publication, PublishedRow
from .ranking import Ranking


def _headers() -> list[str]:
    return [
        _("Unit kind"),
        _("Rank"),
        _("Previous rank"),
        _("Unit"),
        _("Score"),
        _("Grade"),
        _("List"),
        _("Reason"),
        *[str(v) for v in COUNTS.values()],
        *[f"{v} (%)" for v in RATES.values()],
        *[str(v) for v in NORMALISED.values()],
    ]


def _kind(kind: str) -> str:
    try:
        return str(Unit.Kind(kind).label)
    except ValueError:
        return kind


BOARDS = {"red": "红榜", "black": "黑榜", "": ""}


def _line(kind, rank, prev, name, score, grade, board, reason, ind: dict) -> list:
    def rate(v):
        return None if v is None else round(v * 100, 1)

    return [
        _kind(kind),
        rank,
        prev,
        name,
        score,
        grade,
        BOARDS.get(board, board),
        reason,
        *[ind.get(k) for k in COUNTS],
        *[rate(ind.get(k)) for k in RATES],
        *[ind.get(k) for k in NORMALISED],
    ]


def write_ranking_xlsx(out: IO[bytes], ranking: Ranking) -> int:
    """Write a live ranking; returns the number of rows."""
    rows = (
        _line(
            u.kind,
            u.rank,
            u.previous_rank,
            u.name,
            u.score.score,
            u.score.grade,
            u.board,
            u.reason,
            u.row.as_dict(),
        )
        for u in ranking.units()
    )
    return write_workbook(out, _headers(), rows, sheet_title=ranking.period.key)


def write_published_xlsx(out: IO[bytes], pub: Publication, rows: list[PublishedRow]) -> int:
    """Write a publication's frozen rows; returns the number of rows."""
    lines = (
        _line(
            r.unit_kind,
            r.rank,
            r.previous_rank,
            r.unit_name,
            r.score,
            r.grade,
            r.board,
            r.reason,
            r.indicators,
        )
        for r in rows
    )
    return write_workbook(out, _headers(), lines, sheet_title=f"{pub.period_key} v{pub.number}")
