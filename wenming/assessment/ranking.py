"""Rankings per unit kind with rank change, and the 红黑榜 (red and black lists).

:func:`compute_ranking` is unscoped and read-only: it computes what the office would publish
(views show it to the office and leaders only; see :mod:`wenming.assessment.selectors`).
Queries: one aggregate over the cohort per distinct denominator setting (normally one), the
schemes, the adjustments, the inspection and campaign inputs, and the same again for the
previous period unless that period is published (then its frozen ranks are used).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.org.models import Unit

from .indicators import IndicatorRow, compute_indicators
from .models import Adjustment, Publication, SchemeVersion
from .periods import Period
from .scoring import Score, board_reason, clean_config, competition_ranks, score_unit

log = logging.getLogger(__name__)


@dataclass
class RankedUnit:
    """One unit's line in a ranking table. ``change`` is ``previous_rank − rank`` (positive:
    moved up), None when either rank is missing."""

    unit_id: int
    name: str
    kind: str
    scheme_version: SchemeVersion
    row: IndicatorRow
    inspection: dict | None
    tasks: dict | None
    score: Score
    rank: int | None = None
    previous_rank: int | None = None
    board: str = ""
    reason: str = ""

    @property
    def change(self) -> int | None:
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass
class Ranking:
    """A period's ranking: ``tables`` ``{unit kind: [RankedUnit by rank]}``, the city row,
    whether the inspection and campaign inputs were available (``sources``), and where the
    previous ranks came from (``previous_source``: "published", "computed" or ""), and the
    list limits of each kind's scheme (``limits``: ``{unit kind: (red_min_score,
    black_max_score)}``, scores 0…100)."""

    period: Period
    as_of: datetime
    tables: dict[str, list[RankedUnit]]
    city: IndicatorRow
    sources: dict = field(default_factory=dict)
    previous_source: str = ""
    limits: dict = field(default_factory=dict)

    def units(self) -> list[RankedUnit]:
        return [u for rows in self.tables.values() for u in rows]

    def board(self, which: str) -> dict[str, list[RankedUnit]]:
        """``{kind: [units on the red/black list]}`` (only kinds with entries)."""
        out = {}
        for kind, rows in self.tables.items():
            chosen = [u for u in rows if u.board == which]
            if which == "black":
                chosen.sort(key=lambda u: (u.score.score, u.name))
            if chosen:
                out[kind] = chosen
        return out


def schemes_in_force() -> dict[str, SchemeVersion]:
    """``{unit kind: newest version of the active scheme for it}``; kinds without their own
    scheme use the active default scheme (blank kind). Raises ApplicationError 409
    ``no_scheme`` when a kind has neither."""
    newest: dict[int, SchemeVersion] = {}
    for v in (
        SchemeVersion.objects.filter(scheme__is_active=True)
        .select_related("scheme")
        .order_by("scheme_id", "-number")
    ):
        newest.setdefault(v.scheme_id, v)
    by_kind = {v.scheme.unit_kind: v for v in newest.values()}
    out = {}
    for kind in Unit.Kind.values:
        version = by_kind.get(kind) or by_kind.get("")
        if version is None:
            raise ApplicationError(
                "no_scheme",
                _("No active scoring scheme for %(kind)s and no default scheme.")
                % {"kind": Unit.Kind(kind).label},
                status=409,
            )
        out[kind] = version
    return out


def external_inputs(start: date, end: date) -> tuple[dict | None, dict | None]:
    """Inspection scores and task indicators per unit id, or None for a source that is not
    installed (its app has no selector yet): ``(inspections, tasks)``. Shapes: see
    ``wenming.inspections.selectors.unit_inspection_scores`` and
    ``wenming.campaign.selectors.unit_task_indicators``."""
    try:
        from wenming.inspections.selectors import unit_inspection_scores
    except ImportError:
        inspections = None
    else:
        inspections = unit_inspection_scores(start, end)
    try:
        from wenming.campaign.selectors import unit_task_indicators
    except ImportError:
        tasks = None
    else:
        tasks = unit_task_indicators(start, end)
    return inspections, tasks


def adjustments_for(period_key: str) -> dict[int, list[dict]]:
    """``{unit id: [{"id", "points", "reason"}]}``: the period's adjustments not withdrawn."""
    out: dict[int, list[dict]] = defaultdict(list)
    for a in Adjustment.objects.filter(period_key=period_key, withdrawn_at__isnull=True).order_by(
        "id"
    ):
        out[a.unit_id].append({"id": a.pk, "points": float(a.points), "reason": a.reason})
    return out


def previous_ranks(period: Period, as_of: datetime) -> tuple[dict[int, int], str]:
    """``({unit id: rank}, source)`` of the previous period: the newest publication of it
    when there is one ("published"), else computed now ("computed")."""
    prev = period.previous()
    pub = Publication.objects.filter(period_key=prev.key).order_by("-number").first()
    if pub is not None:
        ranks = dict(pub.rows.filter(rank__isnull=False).values_list("unit_id", "rank"))
        return ranks, "published"
    ranking = compute_ranking(prev, as_of=as_of, with_previous=False)
    return {u.unit_id: u.rank for u in ranking.units() if u.rank is not None}, "computed"


def _board_members(ranked: list, ranks: list[int], n: int, limit: int) -> list:
    """The units whose rank (from the top for the red list, from the bottom for the black
    list) is at most ``n``. Ties at the edge of a list are all on it (fairness beats an
    exact list size) unless that would make the list longer than ``limit`` (half the ranked
    units); then the whole tied group at the edge is left off, so the list may be shorter
    than ``n``, even empty, but never longer than half and never unfair within a tie."""
    cut = n
    while cut > 0:
        chosen = [u for u, r in zip(ranked, ranks, strict=True) if r <= cut]
        if len(chosen) <= limit:
            return chosen
        cut = max(r for u, r in zip(ranked, ranks, strict=True) if r <= cut) - 1
    return []


def compute_ranking(
    period: Period, *, as_of: datetime | None = None, with_previous: bool = True
) -> Ranking:
    """Score and rank every active unit for ``period`` (see :mod:`.scoring`).

    Each unit is scored under the scheme in force for its kind; ranks are competition ranks
    within the kind; the red list is the top ``board_size`` ranked units of each kind, the
    black list the bottom ``board_size``, each at most half of the kind's ranked units
    (units tied at the edge of a list are all on it unless that breaks the half limit, then
    none of them is — see :func:`_board_members`; never on both). A unit scoring below the
    scheme's ``red_min_score`` is never on the red list, one scoring ``black_max_score`` or
    more never on the black list, so a list may be shorter or empty. Raises
    ApplicationError 409 ``no_scheme``.
    """
    as_of = as_of or timezone.now()
    versions = schemes_in_force()
    configs = {kind: clean_config(v.config) for kind, v in versions.items()}
    rows_by_denominators: dict[tuple, dict[int, IndicatorRow]] = {}
    for cfg in configs.values():
        key = tuple(sorted(cfg["denominators"].items()))
        if key not in rows_by_denominators:
            rows = compute_indicators(
                period.start,
                period.end,
                group_by="unit",
                as_of=as_of,
                denominators=cfg["denominators"],
            )
            rows_by_denominators[key] = {r.key: r for r in rows if r.key is not None}
    (city,) = compute_indicators(
        period.start,
        period.end,
        group_by="city",
        as_of=as_of,
        denominators=configs[Unit.Kind.DEPARTMENT]["denominators"],
    )
    inspections, tasks = external_inputs(period.start, period.end)
    adjustments = adjustments_for(period.key)
    tables: dict[str, list[RankedUnit]] = {}
    for unit in Unit.objects.filter(is_active=True).order_by("kind", "code"):
        cfg = configs[unit.kind]
        rows = rows_by_denominators[tuple(sorted(cfg["denominators"].items()))]
        row = rows.get(unit.pk) or IndicatorRow("unit", unit.pk, unit.name, unit.kind)
        insp = (inspections or {}).get(unit.pk)
        task = (tasks or {}).get(unit.pk)
        score = score_unit(cfg, row, insp, task, adjustments.get(unit.pk))
        tables.setdefault(unit.kind, []).append(
            RankedUnit(unit.pk, unit.name, unit.kind, versions[unit.kind], row, insp, task, score)
        )
    prev, prev_source = ({}, "")
    if with_previous:
        prev, prev_source = previous_ranks(period, as_of)
    for kind, units in tables.items():
        for u, rank in zip(units, competition_ranks([u.score.score for u in units]), strict=True):
            u.rank = rank
            u.previous_rank = prev.get(u.unit_id)
        units.sort(key=lambda u: (u.rank is None, u.rank or 0, u.name))
        ranked = [u for u in units if u.rank is not None]
        # Each list holds at most half of the ranked units, so no unit is on both.
        half = len(ranked) // 2
        n = min(configs[kind]["board_size"], half)
        red = _board_members(ranked, [u.rank for u in ranked], n, half)
        from_bottom = competition_ranks([-u.score.score for u in ranked])
        black = _board_members(ranked, from_bottom, n, half)
        # A unit below the floor is never on the red list, one at or above the ceiling never
        # on the black list (tied units share a score, so a tie is kept or dropped whole).
        red = [u for u in red if u.score.score >= configs[kind]["red_min_score"]]
        black = [u for u in black if u.score.score < configs[kind]["black_max_score"]]
        for u in red:
            u.board, u.reason = "red", board_reason("red", u.score)
        for u in black:
            u.board, u.reason = "black", board_reason("black", u.score)
    return Ranking(
        period,
        as_of,
        tables,
        city,
        sources={"inspections": inspections is not None, "tasks": tasks is not None},
        previous_source=prev_source,
        limits={k: (c["red_min_score"], c["black_max_score"]) for k, c in configs.items()},
    )
