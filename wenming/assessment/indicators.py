"""Case indicators of digital urban management (数字城管案件指标), per unit, supervision grid,
subdistrict or the whole city, for any period.

Source of the indicator set and of the formulas that the source states: the vendor indicator
dictionary in ``../shared/data/indicators/case_indicators.csv`` (上报数 … 按期结案率 with
``处置率 = 处置数/应处置数``, ``结案率 = 结案数/应结案数``; 返工率 and 超期未处置率 leave the
denominator to the site). Where the source is silent the choice is stated below and made
configurable through :class:`Denominators` (a scoring scheme version stores its own).

Which cases: the **cohort** of the period — every case whose ``reported_at`` falls on a local
(Asia/Shanghai) date from ``start`` to ``end`` inclusive — counted in its *current* state at
``as_of`` (default: now). A case belongs to the unit it is currently dispatched to
(``Case.unit``); a case returned by a unit and not yet re-dispatched belongs to no unit (it
counts for the city only), so a unit is never charged for a case that was not its own.
Because cases keep changing after the period ends, published rankings are frozen snapshots
(see :mod:`wenming.assessment.services`).

Counts (``key`` — 中文 — the cases counted, all within the cohort):

* ``report`` — 上报数 — every case, including rejected and merged ones.
* ``rejected`` — 不予立案数 — status ``rejected``.
* ``merged`` — 合并数 — status ``merged`` (duplicates of another case).
* ``register`` — 立案数 — ``report − rejected − merged``: cases accepted onto the ledger
  (including those still awaiting dispatch).
* ``dispatch`` — 派遣数 — cases currently dispatched to a unit and not ended by rejection or
  merge: status dispatched, accepted (整改中), submitted or closed.
* ``due`` — 到期应处置数 — dispatched cases that are disposed or whose deadline is before
  ``as_of`` (used only when a denominator is set to ``"due"``).
* ``dispose`` — 处置数 — the unit reported the fix and it stands: status submitted or
  closed (a case sent back for rework is not disposed until submitted again).
* ``in_time_dispose`` — 按期处置数 — disposed with ``submitted_at ≤ deadline`` (the last
  submission; equals ``Case.rectified_on_time`` once closed).
* ``overtime_dispose`` — 超期处置数 — ``dispose − in_time_dispose``.
* ``archive`` — 结案数 — status closed (销号). Rejected and merged cases also carry
  ``closed_at`` but are never counted here.
* ``in_time_archive`` — 按期结案数 — closed with ``Case.closed_on_time`` (closure ≤ deadline).
* ``overtime_archive`` — 超期结案数 — ``archive − in_time_archive``.
* ``to_dispose`` — 未处置数 — status dispatched or accepted (the unit holds it).
* ``overtime_to_dispose`` — 超期未处置数 — held by the unit with ``deadline < as_of``
  (a case waiting for verification is not the unit's delay).
* ``rework`` — 返工数 — dispatched cases sent back at least once (``rework_count > 0``), or,
  with ``Denominators.rework_count == "times"``, the sum of ``rework_count``.
* ``extension`` — 延期数 — dispatched cases with at least one approved extension.
* ``escalation`` — 督办数 — registered cases under supervision (``escalation_level ≥ 1``,
  i.e. at least one 督办单; see :class:`wenming.cases.models.Escalation`). Per unit, only
  a 督办单 issued to the case's current unit counts (``Escalation.unit``): a case that one
  unit let run overdue, returned, and the office re-dispatched does not charge the new unit
  for the first unit's notice. Grids, subdistricts and the city count every supervised case.
* ``listed_escalation`` — 挂牌督办数 — ``escalation_level ≥ 2``, per unit a level-2 notice
  issued to the current unit.
* ``recurring`` — 重复发生(顽疾)数 — registered cases flagged ``recurring``.

Rates (a fraction 0…1, ``None`` when the denominator is 0; pages show per cent):

* ``dispose_rate`` 处置率 = dispose / 应处置数
* ``in_time_dispose_rate`` 按期处置率 = in_time_dispose / 应处置数
* ``archive_rate`` 结案率 = archive / 应结案数
* ``in_time_archive_rate`` 按期结案率 = in_time_archive / 应结案数
* ``overtime_archive_rate`` 超期结案率 = overtime_archive / 应结案数 (late closures, which
  some schemes credit partly: ``(按期结案率×100 + 超期结案率×40)×80%``)
* ``rework_rate`` 返工率 = rework / base (``Denominators.rework``)
* ``extension_rate`` 延期率 = extension / base (``Denominators.extension``)
* ``overtime_rate`` 超期未处置率 = overtime_to_dispose / dispatch

应处置数 and 应结案数 are ``dispatch`` (default: every dispatched case should be disposed and
closed) or ``due`` (only cases already disposed or past their deadline), per
``Denominators.dispose`` / ``Denominators.archive``.

Normalised figures (so that a unit with more cases is not punished for volume):
``escalation_per_100`` and ``overtime_per_100`` per 100 dispatched cases,
``recurring_per_100`` per 100 registered cases.

Computation: one aggregate query (conditional ``COUNT(*) FILTER (WHERE …)`` / ``CASE WHEN``
with ``GROUP BY``) over the cohort, never a per-case loop; plus one query for the names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.cases.models import Case, Escalation, Status
from wenming.core.errors import ApplicationError

from .periods import bounds

GROUPS = {
    "unit": "unit_id",
    "grid": "supervision_grid_id",
    "subdistrict": "subdistrict_id",
    "city": None,
}

DISPATCHED = (Status.DISPATCHED, Status.ACCEPTED, Status.SUBMITTED, Status.CLOSED)
DISPOSED = (Status.SUBMITTED, Status.CLOSED)
HELD = (Status.DISPATCHED, Status.ACCEPTED)


# The denominator choices' labels (English msgids, Chinese in the UI and in messages).
DENOMINATOR_LABELS = {
    "dispose": _("Cases due for disposal (应处置数)"),
    "archive": _("Cases due for closure (应结案数)"),
    "rework": _("Base of the rework rate"),
    "rework_count": _("Reworks counted as"),
    "extension": _("Base of the extension rate"),
}


@dataclass(frozen=True)
class Denominators:
    """Site choices the sources leave open (stored with each scoring scheme version).

    ``dispose``/``archive``: 应处置数/应结案数 is ``"dispatch"`` (all dispatched cases) or
    ``"due"`` (dispatched cases disposed or past their deadline at ``as_of``).
    ``rework``: 返工率's base, ``"dispatch"``, ``"register"`` or ``"dispose"``.
    ``rework_count``: 返工数 counts ``"cases"`` reworked at least once or rework ``"times"``.
    ``extension``: 延期率's base, ``"dispatch"`` or ``"register"``.
    """

    dispose: str = "dispatch"
    archive: str = "dispatch"
    rework: str = "dispatch"
    rework_count: str = "cases"
    extension: str = "dispatch"

    CHOICES = {
        "dispose": ("dispatch", "due"),
        "archive": ("dispatch", "due"),
        "rework": ("dispatch", "register", "dispose"),
        "rework_count": ("cases", "times"),
        "extension": ("dispatch", "register"),
    }

    @classmethod
    def from_dict(cls, data: dict | None) -> Denominators:
        """Build from stored JSON; raises ApplicationError 400 on an unknown choice."""
        data = data or {}
        values = {}
        for name, choices in cls.CHOICES.items():
            value = data.get(name, getattr(cls, name))
            if value not in choices:
                raise ApplicationError(
                    "invalid_denominator",
                    _("Unknown denominator %(value)s for %(name)s.")
                    % {"value": str(value)[:20], "name": DENOMINATOR_LABELS[name]},
                    detail={"field": f"denominators.{name}"},
                )
            values[name] = value
        return cls(**values)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.CHOICES}


# key -> name (English msgid, Chinese in the UI). Order is the display order.
COUNTS = {
    "report": pgettext_lazy("indicator", "Reported"),
    "register": pgettext_lazy("indicator", "Registered"),
    "rejected": pgettext_lazy("indicator", "Rejected"),
    "merged": pgettext_lazy("indicator", "Merged"),
    "dispatch": pgettext_lazy("indicator", "Dispatched"),
    "due": pgettext_lazy("indicator", "Due"),
    "dispose": pgettext_lazy("indicator", "Disposed"),
    "in_time_dispose": pgettext_lazy("indicator", "Disposed on time"),
    "overtime_dispose": pgettext_lazy("indicator", "Disposed late"),
    "archive": pgettext_lazy("indicator", "Closed"),
    "in_time_archive": pgettext_lazy("indicator", "Closed on time"),
    "overtime_archive": pgettext_lazy("indicator", "Closed late"),
    "to_dispose": pgettext_lazy("indicator", "Not yet disposed"),
    "overtime_to_dispose": pgettext_lazy("indicator", "Overdue, not disposed"),
    "rework": pgettext_lazy("indicator", "Reworked"),
    "extension": pgettext_lazy("indicator", "Extended"),
    "escalation": pgettext_lazy("indicator", "Under supervision"),
    "listed_escalation": pgettext_lazy("indicator", "Under listed supervision"),
    "recurring": pgettext_lazy("indicator", "Recurring"),
}
RATES = {
    "dispose_rate": pgettext_lazy("indicator", "Disposal rate"),
    "in_time_dispose_rate": pgettext_lazy("indicator", "On-time disposal rate"),
    "archive_rate": pgettext_lazy("indicator", "Closure rate"),
    "in_time_archive_rate": pgettext_lazy("indicator", "On-time closure rate"),
    "overtime_archive_rate": pgettext_lazy("indicator", "Late closure rate"),
    "rework_rate": pgettext_lazy("indicator", "Rework rate"),
    "extension_rate": pgettext_lazy("indicator", "Extension rate"),
    "overtime_rate": pgettext_lazy("indicator", "Overdue rate"),
}
NORMALISED = {
    "escalation_per_100": pgettext_lazy("indicator", "Supervised per 100 dispatched"),
    "overtime_per_100": pgettext_lazy("indicator", "Overdue per 100 dispatched"),
    "recurring_per_100": pgettext_lazy("indicator", "Recurring per 100 registered"),
}

# The formula of each indicator as shown in the UI help (English msgids, Chinese in the UI).
FORMULAS = {
    "report": _("Every case reported in the period, including rejected and merged ones."),
    "register": _("Reported minus rejected minus merged."),
    "rejected": _("Cases rejected (not registered)."),
    "merged": _("Cases merged into another case as duplicates."),
    "dispatch": _(
        "Cases currently dispatched to the unit: dispatched, rectifying, awaiting "
        "verification or closed. Returned cases count for the unit they are re-dispatched to."
    ),
    "due": _("Dispatched cases already disposed or past their deadline."),
    "dispose": _(
        "Cases whose fix the unit reported and that stand: awaiting verification or closed."
    ),
    "in_time_dispose": _("Disposed cases whose last submission was at or before the deadline."),
    "overtime_dispose": _("Disposed minus disposed on time."),
    "archive": _("Closed cases (rejected and merged cases are not closures)."),
    "in_time_archive": _("Closed cases closed at or before the deadline."),
    "overtime_archive": _("Closed minus closed on time."),
    "to_dispose": _("Cases the unit holds: dispatched or rectifying."),
    "overtime_to_dispose": _("Cases the unit holds whose deadline has passed."),
    "rework": _("Dispatched cases sent back for rework at least once (or the number of reworks)."),
    "extension": _("Dispatched cases with at least one approved extension."),
    "escalation": _(
        "Registered cases with at least one supervision notice (督办); for a unit, only "
        "notices issued to that unit."
    ),
    "listed_escalation": _(
        "Registered cases under listed supervision (挂牌督办); for a unit, only notices "
        "issued to that unit."
    ),
    "recurring": _("Registered cases marked as recurring (顽疾)."),
    "dispose_rate": _("Disposed ÷ cases due for disposal."),
    "in_time_dispose_rate": _("Disposed on time ÷ cases due for disposal."),
    "archive_rate": _("Closed ÷ cases due for closure."),
    "in_time_archive_rate": _("Closed on time ÷ cases due for closure."),
    "overtime_archive_rate": _("Closed late ÷ cases due for closure."),
    "rework_rate": _("Reworked ÷ the configured base."),
    "extension_rate": _("Extended ÷ the configured base."),
    "overtime_rate": _("Overdue, not disposed ÷ dispatched."),
    "escalation_per_100": _("Under supervision × 100 ÷ dispatched."),
    "overtime_per_100": _("Overdue, not disposed × 100 ÷ dispatched."),
    "recurring_per_100": _("Recurring × 100 ÷ registered."),
}

# Counts that are not a simple filter (derived from others).
DERIVED = {"register", "overtime_dispose", "overtime_archive"}


def _supervised_here(level: int) -> Exists:
    """A 督办单 of at least ``level`` was issued to the unit the case belongs to now."""
    return Exists(
        Escalation.objects.filter(case=OuterRef("pk"), unit=OuterRef("unit"), level__gte=level)
    )


def count_filters(
    as_of: datetime, denominators: Denominators | None = None, group_by: str = "unit"
) -> dict[str, Q]:
    """``{count key: Q}``: the condition a cohort case meets to be counted (see module doc).

    Derived counts have equivalent filters too, so that each count can list its cases.
    With ``group_by="unit"`` 督办数 and 挂牌督办数 count only 督办单 issued to the case's
    current unit (a unit is not charged for a notice issued to the unit that returned the
    case); other groupings count every supervised case.
    """
    d = denominators or Denominators()
    dispatched = Q(status__in=DISPATCHED)
    disposed = Q(status__in=DISPOSED)
    in_time_dispose = disposed & Q(submitted_at__lte=F("deadline"))
    in_time_archive = Q(status=Status.CLOSED, closed_on_time=True)
    registered = ~Q(status__in=(Status.REJECTED, Status.MERGED))
    rework = dispatched & Q(rework_count__gt=0)
    del d  # the filters do not depend on the choices; the bases do
    return {
        "report": Q(),
        "register": registered,
        "rejected": Q(status=Status.REJECTED),
        "merged": Q(status=Status.MERGED),
        "dispatch": dispatched,
        "due": dispatched & (disposed | Q(deadline__lt=as_of)),
        "dispose": disposed,
        "in_time_dispose": in_time_dispose,
        "overtime_dispose": disposed & ~Q(submitted_at__lte=F("deadline")),
        "archive": Q(status=Status.CLOSED),
        "in_time_archive": in_time_archive,
        "overtime_archive": Q(status=Status.CLOSED) & ~Q(closed_on_time=True),
        "to_dispose": Q(status__in=HELD),
        "overtime_to_dispose": Q(status__in=HELD, deadline__lt=as_of),
        "rework": rework,
        "extension": dispatched & Q(extension_count__gt=0),
        "escalation": registered
        & Q(escalation_level__gte=1)
        & (Q(_supervised_here(1)) if group_by == "unit" else Q()),
        "listed_escalation": registered
        & Q(escalation_level__gte=2)
        & (Q(_supervised_here(2)) if group_by == "unit" else Q()),
        "recurring": registered & Q(recurring=True),
    }


def rate_parts(denominators: Denominators | None = None) -> dict[str, tuple[str, str]]:
    """``{rate key: (numerator count key, denominator count key)}`` under the choices."""
    d = denominators or Denominators()
    return {
        "dispose_rate": ("dispose", d.dispose),
        "in_time_dispose_rate": ("in_time_dispose", d.dispose),
        "archive_rate": ("archive", d.archive),
        "in_time_archive_rate": ("in_time_archive", d.archive),
        "overtime_archive_rate": ("overtime_archive", d.archive),
        "rework_rate": ("rework", d.rework),
        "extension_rate": ("extension", d.extension),
        "overtime_rate": ("overtime_to_dispose", "dispatch"),
        "escalation_per_100": ("escalation", "dispatch"),
        "overtime_per_100": ("overtime_to_dispose", "dispatch"),
        "recurring_per_100": ("recurring", "register"),
    }


@dataclass
class IndicatorRow:
    """The indicators of one unit / supervision grid / subdistrict / the city for a period.

    ``group`` is ``"unit"``, ``"grid"``, ``"subdistrict"`` or ``"city"``; ``key`` the id of the
    unit, :class:`~wenming.geo.models.SupervisionGrid` or subdistrict
    :class:`~wenming.geo.models.Region` (``None`` for the city row, and for the row of cases
    with no unit/grid/subdistrict); ``name`` its name; ``kind`` the unit's kind (units only).
    Counts are ints, rates fractions 0…1 or ``None`` (no denominator), ``*_per_100`` floats
    or ``None``. See the module docstring for each formula.
    """

    group: str
    key: int | None
    name: str
    kind: str = ""
    report: int = 0
    register: int = 0
    rejected: int = 0
    merged: int = 0
    dispatch: int = 0
    due: int = 0
    dispose: int = 0
    in_time_dispose: int = 0
    overtime_dispose: int = 0
    archive: int = 0
    in_time_archive: int = 0
    overtime_archive: int = 0
    to_dispose: int = 0
    overtime_to_dispose: int = 0
    rework: int = 0
    extension: int = 0
    escalation: int = 0
    listed_escalation: int = 0
    recurring: int = 0
    dispose_rate: float | None = None
    in_time_dispose_rate: float | None = None
    archive_rate: float | None = None
    in_time_archive_rate: float | None = None
    overtime_archive_rate: float | None = None
    rework_rate: float | None = None
    extension_rate: float | None = None
    overtime_rate: float | None = None
    escalation_per_100: float | None = None
    overtime_per_100: float | None = None
    recurring_per_100: float | None = None
    denominators: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """All fields as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> IndicatorRow:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def _check_group(group_by: str) -> str | None:
    if group_by not in GROUPS:
        raise ApplicationError(
            "invalid_group",
            _("Unknown grouping %(group)s.") % {"group": str(group_by)[:20]},
            detail={"field": "group_by"},
        )
    return GROUPS[group_by]


def cohort(start: date, end: date) -> QuerySet[Case]:
    """Cases reported on local dates ``start``…``end`` inclusive (unscoped)."""
    lo, hi = bounds(start, end)
    return Case.objects.filter(reported_at__gte=lo, reported_at__lt=hi)


def _aggregates(as_of: datetime, d: Denominators, group_by: str) -> dict:
    filters = count_filters(as_of, d, group_by)
    aggs = {
        key: Count("id", filter=q) if q else Count("id")
        for key, q in filters.items()
        if key not in DERIVED
    }
    if d.rework_count == "times":
        aggs["rework"] = Coalesce(Sum("rework_count", filter=filters["rework"]), Value(0))
    return aggs


def _finish(row: IndicatorRow, d: Denominators) -> IndicatorRow:
    row.register = row.report - row.rejected - row.merged
    row.overtime_dispose = row.dispose - row.in_time_dispose
    row.overtime_archive = row.archive - row.in_time_archive
    for rate, (num, den) in rate_parts(d).items():
        n, b = getattr(row, num), getattr(row, den)
        if not b:
            value = None
        elif rate.endswith("_per_100"):
            value = round(n * 100 / b, 4)
        else:
            value = round(n / b, 6)
        setattr(row, rate, value)
    row.denominators = d.as_dict()
    return row


def _names(group_by: str) -> dict[int, tuple[str, str, bool]]:
    if group_by == "unit":
        from wenming.org.models import Unit

        return {
            i: (n, k, active)
            for i, n, k, active in Unit.objects.values_list("id", "name", "kind", "is_active")
        }
    if group_by == "grid":
        from wenming.geo.models import SupervisionGrid

        return {i: (n, "", True) for i, n in SupervisionGrid.objects.values_list("id", "name")}
    if group_by == "subdistrict":
        from wenming.geo.models import Region

        return {
            i: (n, "", True)
            for i, n in Region.objects.filter(level="subdistrict").values_list("id", "name")
        }
    return {}


def compute_indicators(
    start: date,
    end: date,
    *,
    group_by: str = "unit",
    as_of: datetime | None = None,
    denominators: Denominators | dict | None = None,
    include_empty: bool = True,
) -> list[IndicatorRow]:
    """The indicators of every unit / supervision grid / subdistrict / the city.

    ``start``/``end``: local dates (inclusive) bounding ``Case.reported_at`` (the cohort).
    ``group_by``: ``"unit"`` (Case.unit), ``"grid"`` (Case.supervision_grid),
    ``"subdistrict"`` (Case.subdistrict) or ``"city"`` (one row). ``as_of`` (aware, default
    now) decides overdue. ``denominators``: :class:`Denominators` or its dict.
    ``include_empty``: also return a zero row for every unit / grid / subdistrict without
    cases (active units only). Rows are ordered by name; the row of cases without a
    unit/grid/subdistrict (``key=None``, name "(none)") comes last when there are any.

    Unscoped: callers show other units' figures only as published rankings allow (see
    :mod:`wenming.assessment.selectors`). Raises ApplicationError 400 for an unknown group.
    Two queries (the aggregate, the names; one for ``group_by="city"``).
    """
    column = _check_group(group_by)
    d = (
        denominators
        if isinstance(denominators, Denominators)
        else Denominators.from_dict(denominators)
    )
    as_of = as_of or timezone.now()
    qs = cohort(start, end)
    aggs = _aggregates(as_of, d, group_by)
    if column is None:
        data = qs.aggregate(**aggs)
        return [_finish(IndicatorRow("city", None, str(_("Whole city")), **data), d)]
    names = _names(group_by)
    found = {r.pop(column): r for r in qs.order_by().values(column).annotate(**aggs)}
    rows = []
    keys = set(found)
    if include_empty:
        keys |= {key for key, (_n, _k, active) in names.items() if active}
    for key in keys:
        if key is None:
            continue
        name, kind, _active = names.get(key, (str(key), "", True))
        rows.append(_finish(IndicatorRow(group_by, key, name, kind, **found.get(key, {})), d))
    rows.sort(key=lambda r: (r.name, r.key))
    if None in found:
        rows.append(_finish(IndicatorRow(group_by, None, str(_("(none)")), "", **found[None]), d))
    return rows


def monthly_indicators(
    start: date,
    end: date,
    *,
    unit_id: int | None = None,
    as_of: datetime | None = None,
    denominators: Denominators | dict | None = None,
) -> dict[tuple[int, int], IndicatorRow]:
    """``{(year, month): IndicatorRow}`` of the city (``unit_id=None``) or one unit, for
    every calendar month (Asia/Shanghai) whose cases were reported from ``start`` to ``end``;
    months without cases are absent. Each row equals ``compute_indicators`` for that month
    (``group_by="city"``, or ``"unit"`` and the unit's row). One query whatever the number
    of months (for the trend chart)."""
    d = (
        denominators
        if isinstance(denominators, Denominators)
        else Denominators.from_dict(denominators)
    )
    as_of = as_of or timezone.now()
    group_by = "city" if unit_id is None else "unit"
    qs = cohort(start, end).order_by()
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    month = TruncMonth("reported_at", tzinfo=timezone.get_current_timezone())
    out = {}
    for data in (
        qs.annotate(month=month).values("month").annotate(**_aggregates(as_of, d, group_by))
    ):
        m = data.pop("month")
        row = IndicatorRow(group_by, unit_id, "", **data)
        out[(m.year, m.month)] = _finish(row, d)
    return out


def indicator_cases(
    start: date,
    end: date,
    indicator: str,
    *,
    group_by: str = "unit",
    key: int | None = None,
    as_of: datetime | None = None,
    denominators: Denominators | dict | None = None,
    part: str = "numerator",
) -> QuerySet[Case]:
    """The cases behind one figure: the count's cases, or a rate's numerator or denominator
    (``part``). ``key=None`` with ``group_by != "city"`` means cases with no unit/grid/
    subdistrict. Unscoped: callers intersect with ``cases_visible_to``.
    Raises ApplicationError 400 for an unknown indicator or group.
    """
    column = _check_group(group_by)
    d = (
        denominators
        if isinstance(denominators, Denominators)
        else Denominators.from_dict(denominators)
    )
    filters = count_filters(as_of or timezone.now(), d, group_by)
    if indicator in RATES or indicator in NORMALISED:
        num, den = rate_parts(d)[indicator]
        indicator = den if part == "denominator" else num
    if indicator not in filters:
        raise ApplicationError(
            "invalid_indicator",
            _("Unknown indicator %(name)s.") % {"name": str(indicator)[:40]},
            detail={"field": "indicator"},
        )
    qs = cohort(start, end).filter(filters[indicator])
    if column is not None:
        qs = (
            qs.filter(**{column: key})
            if key is not None
            else qs.filter(**{f"{column}__isnull": True})
        )
    return qs


def case_ids_by_indicator(
    start: date,
    end: date,
    *,
    group_by: str = "unit",
    as_of: datetime | None = None,
    denominators: Denominators | dict | None = None,
) -> dict[int | None, dict[str, list[int]]]:
    """``{group key: {count key: [case ids, ascending]}}`` for the period (what a published
    snapshot stores). One query per count key (about 19), no per-case query."""
    column = _check_group(group_by) or "id"
    filters = count_filters(
        as_of or timezone.now(),
        denominators
        if isinstance(denominators, Denominators)
        else Denominators.from_dict(denominators),
        group_by,
    )
    out: dict[int | None, dict[str, list[int]]] = {}
    base = cohort(start, end).order_by()
    for name, q in filters.items():
        for k, case_id in base.filter(q).values_list(column, "id").order_by("id"):
            k = None if group_by == "city" else k
            out.setdefault(k, {}).setdefault(name, []).append(case_id)
    return out


def describe() -> list[dict]:
    """The catalogue for the UI help: ``[{"key", "name", "formula", "type"}]``."""
    out = [
        {"key": k, "name": str(v), "formula": str(FORMULAS[k]), "type": "count"}
        for k, v in COUNTS.items()
    ]
    out += [
        {"key": k, "name": str(v), "formula": str(FORMULAS[k]), "type": "rate"}
        for k, v in RATES.items()
    ]
    out += [
        {"key": k, "name": str(v), "formula": str(FORMULAS[k]), "type": "per_100"}
        for k, v in NORMALISED.items()
    ]
    return out
