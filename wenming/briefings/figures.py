"""The data section of a briefing: figures computed from the ledger and assessment, never typed.

For a period ``start``–``end`` (local dates, inclusive) the section says, for the whole city:
cases found (上报数), registered (立案数), closed (结案数) and the on-time disposal rate
(按期处置率 = 按期处置数 / 应处置数), all from
:func:`wenming.assessment.indicators.compute_indicators` (``group_by="city"``; its docstring
gives the cohort and formulas: the cases *reported* in the period, in their state now). When
the assessment app has published a ranking (红黑榜) whose period lies within the chosen one,
the newest such publication's red and black lists are named in rank order.

The result is stored on the issue (``Issue.data_section``), so a published issue keeps the
figures it was published with even though cases go on changing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _


def _short(d: dt.date) -> str:
    return _("%(m)d-%(d)d") % {"m": d.month, "d": d.day}


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def city_figures(start: dt.date, end: dt.date) -> dict:
    """Whole-city counts of the period: ``report``, ``register``, ``archive``,
    ``in_time_dispose_rate`` (fraction or None)."""
    from wenming.assessment.indicators import compute_indicators

    row = compute_indicators(start, end, group_by="city")[0]
    return {
        "report": row.report,
        "register": row.register,
        "archive": row.archive,
        "in_time_dispose_rate": row.in_time_dispose_rate,
    }


def boards(start: dt.date, end: dt.date) -> dict | None:
    """Red and black lists (names in list order, unit kinds one after another) of the newest
    published ranking whose period lies within ``start``–``end``, through
    :func:`wenming.assessment.selectors.latest_board`; None when there is none (or the
    assessment app is not installed)."""
    try:
        from wenming.assessment.models import Publication
        from wenming.assessment.selectors import latest_board

        with transaction.atomic():  # a savepoint: a missing table must not break the caller
            key = (
                Publication.objects.filter(start__gte=start, end__lte=end)
                .order_by("-end", "-published_at", "-number")
                .values_list("period_key", flat=True)
                .first()
            )
            board = latest_board(key) if key else None
    except (ImportError, DatabaseError):
        return None
    if board is None:
        return None
    return {
        "publication": board["publication"].pk,
        "period": board["period"],
        "red": [r["unit_name"] for rows in board["red"].values() for r in rows],
        "black": [r["unit_name"] for rows in board["black"].values() for r in rows],
    }


def compute(start: dt.date, end: dt.date) -> dict:
    """The data section as stored: ``{"start", "end", "as_of", "headline", "paragraphs",
    "city": {...}, "boards": {...} | None}``; texts in the site language."""
    with translation.override(settings.LANGUAGE_CODE):
        city = city_figures(start, end)
        board = boards(start, end)
        period = _("%(start)s to %(end)s") % {"start": _short(start), "end": _short(end)}
        paragraphs = [
            _(
                "From %(period)s, %(report)d problems were found across the city and "
                "%(register)d were put on the ledger; %(archive)d have been closed, and the "
                "on-time disposal rate is %(rate)s."
            )
            % {
                "period": period,
                "report": city["report"],
                "register": city["register"],
                "archive": city["archive"],
                "rate": _percent(city["in_time_dispose_rate"]),
            }
        ]
        if board and board["red"]:
            paragraphs.append(_("Red list: %(units)s.") % {"units": "、".join(board["red"])})
        if board and board["black"]:
            paragraphs.append(_("Black list: %(units)s.") % {"units": "、".join(board["black"])})
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "as_of": timezone.now().isoformat(),
            "headline": _("Campaign figures"),
            "paragraphs": paragraphs,
            "city": {k: v for k, v in city.items()},
            "boards": board,
        }
