"""Scoped reads of the ledger. Anything outside the user's scope is invisible (404)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from wenming.core.errors import ApplicationError, NotFound
from wenming.core.ids import MAX_ID
from wenming.org.scope import Scope, scope_for

from .models import UNIT_HOLDS, Case, CaseEvent, ExtensionRequest, Source, Status


def cases_visible_to(scope_or_user) -> QuerySet[Case]:
    """All cases the user may see.

    Office, leaders and city-wide inspectors see everything; unit handlers the cases of
    their units; area staff and area-limited inspectors the cases located in their
    regions (county, subdistrict or community); everyone the cases they reported.
    """
    scope = scope_or_user if isinstance(scope_or_user, Scope) else scope_for(scope_or_user)
    qs = Case.objects.all()
    if scope.user_id is None:
        return qs.none()
    if scope.sees_all:
        return qs
    q = Q(reporter_id=scope.user_id)
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    if scope.region_ids:
        ids = scope.region_ids
        q |= Q(county_id__in=ids) | Q(subdistrict_id__in=ids) | Q(community_id__in=ids)
    return qs.filter(q)


def case_detail(user, case_id) -> Case:
    """One case with its timeline, or NotFound (also when out of scope)."""
    try:
        return (
            cases_visible_to(user)
            .select_related(
                "category",
                "unit",
                "proposed_unit",
                "county",
                "subdistrict",
                "community",
                "grid",
                "supervision_grid",
                "reporter",
                "merged_into",
            )
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("case") from None


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's events in order (by sequence number)."""
    return case.events.select_related("actor").order_by("seq")


@dataclass
class LedgerFilter:
    """Ledger filters. ``category`` is a category's exact code (never a prefix or substring),
    ``category_id`` its id.
    ``date_from``/``date_to`` bound ``reported_at`` by local calendar date, inclusive."""

    status: list[str] | None = None
    category: str | None = None
    category_id: int | None = None
    unit: int | None = None
    grid: int | None = None
    supervision_grid: int | None = None
    region: int | None = None
    source: str | None = None
    overdue: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    recurring: bool | None = None  # 顽疾: see cases.services (recurrence)


SORTS = {
    "deadline": ("deadline", False),
    "-deadline": ("deadline", True),
    "reported_at": ("reported_at", False),
    "-reported_at": ("reported_at", True),
    "number": ("number", False),
    "-number": ("number", True),
}
_DATETIME_SORTS = {"deadline", "reported_at"}


MIN_DATE, MAX_DATE = date(1900, 1, 1), date(9998, 12, 31)


def _check_bounds(f: LedgerFilter) -> None:
    for name in ("category_id", "unit", "grid", "supervision_grid", "region"):
        value = getattr(f, name)
        if value is not None and not (1 <= value <= MAX_ID):
            raise ApplicationError(
                "invalid_choice",
                _("%(field)s has an unknown value.") % {"field": _FILTER_LABELS.get(name, name)},
                detail={"field": name},
            )
    for name in ("date_from", "date_to"):
        value = getattr(f, name)
        if value is not None and not (MIN_DATE <= value <= MAX_DATE):
            raise ApplicationError(
                "invalid_date",
                _("%(field)s is outside the years 1900–9998.")
                % {"field": _FILTER_LABELS.get(name, name)},
                detail={"field": name},
            )


def _filtered(user, f: LedgerFilter) -> QuerySet[Case]:
    _check_bounds(f)
    qs = cases_visible_to(user)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.category_id is not None:
        qs = qs.filter(category_id=f.category_id)
    if f.unit is not None:
        qs = qs.filter(unit_id=f.unit)
    if f.grid is not None:
        qs = qs.filter(grid_id=f.grid)
    if f.supervision_grid is not None:
        qs = qs.filter(supervision_grid_id=f.supervision_grid)
    if f.region is not None:
        from wenming.geo.models import Region

        # One column, the region level's, and not an OR over county/subdistrict/community:
        # the OR keeps both databases from using the (status, subdistrict, deadline) index and
        # turns the first ledger page and its counts into scans (bench/ledger_list.py). An
        # unknown region or a city matches nothing, as the OR did.
        # The level is read with a plain statement: the ORM's compilation of this one-row
        # lookup cost more than the lookup itself, on every ledger request.
        with connection.cursor() as cursor:
            cursor.execute("SELECT level FROM geo_region WHERE id = %s", [f.region])
            level = cursor.fetchone()
        column = {
            Region.Level.COUNTY: "county_id",
            Region.Level.SUBDISTRICT: "subdistrict_id",
            Region.Level.COMMUNITY: "community_id",
        }.get(level[0] if level else None)
        qs = qs.filter(**{column: f.region}) if column else qs.none()
    if f.source:
        qs = qs.filter(source=f.source)
    now = timezone.now()
    if f.overdue is True:
        qs = qs.filter(status__in=UNIT_HOLDS, deadline__lt=now)
    elif f.overdue is False:
        qs = qs.exclude(status__in=UNIT_HOLDS, deadline__lt=now)
    if f.recurring is not None:
        qs = qs.filter(recurring=f.recurring)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(reported_at__gte=datetime.combine(f.date_from, time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(reported_at__lt=datetime.combine(f.date_to, time.max, tzinfo=tz))
    return qs


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != 3:
            raise ValueError
        return values
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ApplicationError(
            "invalid_cursor", _("The page cursor is invalid."), detail={"field": "cursor"}
        ) from None


# The case's own columns a ledger row shows (both row forms below start with them).
_CASE_COLUMNS = (
    "id",
    "number",
    "title",
    "status",
    "source",
    "lat",
    "lon",
    "address",
    "reported_at",
    "deadline",
    "rework_count",
    "version",
    "recurring",
    "grid_id",
)

# What a ledger row shows: loading only these keeps the page's cost close to the bare SQL
# (descriptions and boundaries are not read for a list).
_ROW_FIELDS = (
    *_CASE_COLUMNS,
    "unit_id",
    "subdistrict_id",
    "community_id",
    "category_id",
    "category__id",
    "category__name",
    "category__code",
    "unit__id",
    "unit__name",
    "subdistrict__id",
    "subdistrict__name",
    "community__id",
    "community__name",
)


def _keyset(
    user, f: LedgerFilter, sort: str, cursor: str | None
) -> tuple[QuerySet[Case], str, list]:
    """The filtered, scoped queryset after ``cursor``, its sort field and its ORDER BY
    (shared by :func:`ledger_page` and :func:`ledger_page_values`)."""
    if sort not in SORTS:
        raise ApplicationError(
            "invalid_sort",
            _("Unknown sort order."),
            detail={"field": "sort", "allowed": list(SORTS)},
        )
    field, desc = SORTS[sort]
    qs = _filtered(user, f)
    nullable = field == "deadline"
    if cursor:
        is_null, value, last_id = _decode_cursor(cursor)
        try:
            if value is not None and field in _DATETIME_SORTS:
                value = datetime.fromisoformat(value)
            if not isinstance(last_id, int) or (
                value is not None and not isinstance(value, str | datetime)
            ):
                raise ValueError
        except (TypeError, ValueError):
            raise ApplicationError(
                "invalid_cursor", _("The page cursor is invalid."), detail={"field": "cursor"}
            ) from None
        op = "lt" if desc else "gt"
        if nullable and is_null:
            qs = qs.filter(**{f"{field}__isnull": True, f"id__{op}": last_id})
        else:
            after = Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": last_id})
            if nullable:
                after |= Q(**{f"{field}__isnull": True})
            qs = qs.filter(after)
    order = [f"-{field}", "-id"] if desc else [field, "id"]
    if nullable:
        order = [
            F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True),
            "-id" if desc else "id",
        ]
    return qs, field, order


def _page_of(qs: QuerySet[Case], order: list, n: int) -> QuerySet[Case]:
    """The first ``n`` cases of ``qs`` in ``order``, chosen by id in a subquery and then read.

    The subquery needs only the index (e.g. ``case_st_sub_dl``: status, subdistrict,
    deadline, id), so the sort of every matching row happens in the index, and only the
    page's rows are read from the table: at 1,000,000 cases the first page of a subdistrict's
    5,600 open cases went from 53 ms to about 10 ms on SQLite (bench/ledger_list.py).
    """
    return Case.objects.filter(id__in=qs.order_by(*order).values("id")[:n]).order_by(*order)


def _next_cursor(value, last_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    return _encode_cursor([value is None, value, last_id])


def ledger_page(
    user, f: LedgerFilter, *, sort: str = "-reported_at", limit: int = 50, cursor: str | None = None
) -> tuple[list[Case], str | None]:
    """One page of the ledger with keyset pagination.

    Returns ``(cases, next_cursor)``; ``next_cursor`` is None on the last page. Sorting by
    deadline puts cases without a deadline last in both directions; ``id`` breaks ties so
    the order is total and pages never repeat or skip a row while the ledger changes.
    """
    qs, field, order = _keyset(user, f, sort, cursor)
    rows = list(
        _page_of(qs, order, limit + 1)
        .select_related("category", "unit", "subdistrict", "community")
        .only(*_ROW_FIELDS)
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _next_cursor(getattr(last, field), last.id)
    return rows, next_cursor


# The fields of a ledger row as plain values (:func:`ledger_page_values`): the case's own
# columns, then those of the category, unit, subdistrict and community it points to.
ROW_VALUES = (
    *_CASE_COLUMNS,
    "category_id",
    "category__code",
    "category__name",
    "unit_id",
    "unit__name",
    "subdistrict_id",
    "subdistrict__name",
    "community_id",
    "community__name",
)


def ledger_page_values(
    user, f: LedgerFilter, *, sort: str = "-reported_at", limit: int = 50, cursor: str | None = None
) -> tuple[list[dict], str | None]:
    """The same page as :func:`ledger_page` (same filters, order, cursor and errors), as
    dicts keyed by :data:`ROW_VALUES` (datetimes aware, in UTC) instead of model instances.

    For the JSON API: building five model instances per row cost more than the query.
    """
    qs, field, order = _keyset(user, f, sort, cursor)
    rows = list(_page_of(qs, order, limit + 1).values(*ROW_VALUES))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _next_cursor(last[field], last["id"])
    return rows, next_cursor


def todo_for(user) -> dict[str, QuerySet[Case]]:
    """The user's to-do lists (待办), by kind, each a scoped queryset ordered by deadline.

    Unit handlers: ``to_accept`` (dispatched to their units), ``to_rectify`` (accepted,
    including reworked cases). Inspectors and office: ``to_verify`` (submitted). Office:
    ``to_dispatch`` (reported), ``returned``. Extension requests waiting for the office are
    listed by :func:`pending_extensions`.
    """
    scope = scope_for(user) if not isinstance(user, Scope) else user
    visible = cases_visible_to(scope).select_related("category", "unit", "subdistrict", "community")
    by_deadline = [F("deadline").asc(nulls_last=True), "id"]
    lists: dict[str, QuerySet[Case]] = {}
    if scope.unit_ids:
        mine = visible.filter(unit_id__in=scope.unit_ids)
        lists["to_accept"] = mine.filter(status="dispatched").order_by(*by_deadline)
        lists["to_rectify"] = mine.filter(status="accepted").order_by(*by_deadline)
    if scope.is_office or scope.is_inspector:
        lists["to_verify"] = visible.filter(status="submitted").order_by("submitted_at", "id")
    if scope.is_office:
        lists["to_dispatch"] = visible.filter(status="reported").order_by("reported_at", "id")
        lists["returned"] = visible.filter(status="returned").order_by("reported_at", "id")
    return lists


def pending_extensions(user) -> QuerySet:
    """Extension requests waiting for a decision, visible to the office only."""
    scope = scope_for(user) if not isinstance(user, Scope) else user
    if not scope.is_office:
        return ExtensionRequest.objects.none()
    return (
        ExtensionRequest.objects.filter(status="pending")
        .select_related("case", "case__unit", "requested_by")
        .order_by("requested_at", "id")
    )


def status_counts(user, f: LedgerFilter) -> dict[str, int]:
    """Number of cases per status under the filter (ignoring its status part)."""
    base = LedgerFilter(**{**f.__dict__, "status": None})
    return dict(_filtered(user, base).order_by().values_list("status").annotate(n=Count("id")))


# --- ledger filters from query parameters (export view, export command) -------------------

_FILTER_LABELS = {
    "status": pgettext_lazy("ledger filter", "status"),
    "category": pgettext_lazy("ledger filter", "category"),
    "category_id": pgettext_lazy("ledger filter", "category"),
    "unit": pgettext_lazy("ledger filter", "responsible unit"),
    "grid": pgettext_lazy("ledger filter", "unit grid"),
    "supervision_grid": pgettext_lazy("ledger filter", "supervision grid"),
    "region": pgettext_lazy("ledger filter", "region"),
    "source": pgettext_lazy("ledger filter", "source"),
    "overdue": pgettext_lazy("ledger filter", "overdue"),
    "recurring": pgettext_lazy("ledger filter", "recurring"),
    "date_from": pgettext_lazy("ledger filter", "reported from"),
    "date_to": pgettext_lazy("ledger filter", "reported until"),
    "sort": pgettext_lazy("ledger filter", "sort order"),
}
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on", "是"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off", "否"})
_ID_RE = re.compile(r"[0-9]{1,19}")
_DATE_RE = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})")


def _param_values(params, key: str) -> list[str]:
    if hasattr(params, "getlist"):
        raw = params.getlist(key)
    else:
        value = params.get(key)
        raw = [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
    return [str(v).strip() for v in raw if v is not None and str(v).strip() != ""]


def _filter_error(code: str, message: str, key: str, value: str | None = None) -> ApplicationError:
    detail: dict = {"field": key}
    if value is not None:
        detail["value"] = value[:100]
    return ApplicationError(code, message, detail=detail, status=400)


def _unknown(key: str, value: str, allowed=None) -> ApplicationError:
    err = _filter_error(
        "invalid_choice",
        _("%(field)s has an unknown value.") % {"field": _FILTER_LABELS[key]},
        key,
        value,
    )
    if allowed is not None:
        err.detail["allowed"] = list(allowed)
    return err


def parse_ledger_filter(params: Mapping) -> tuple[LedgerFilter, str]:
    """Parse ledger filters from query parameters into ``(LedgerFilter, sort)``.

    ``params`` is a ``QueryDict`` (``request.GET``) or a plain mapping of a name to a string or
    a list of strings. The names are the JSON API's (``GET /api/cases``, ``LedgerQuery``):
    ``status`` (repeatable), ``category`` (exact code, at most 32 characters),
    ``category_id``, ``unit``, ``grid``, ``supervision_grid``, ``region`` (ids, at most
    ``MAX_ID``), ``source``, ``overdue`` and ``recurring`` (true/false, yes/no, 1/0, 是/否),
    ``date_from``/``date_to`` (``YYYY-MM-DD``, also ``YYYY/MM/DD``, within
    ``MIN_DATE``..``MAX_DATE``), ``sort`` (a key of :data:`SORTS`, default
    ``-reported_at``). Other names (``limit``, ``cursor`` of the list page) are ignored. Departures from the API, for
    links built from the ledger page's filter form: an empty value means "no filter", and a
    single-valued name given twice takes the last value (as ``QueryDict`` does).

    Raises ``ApplicationError`` (400) with a translated message naming the filter and
    ``detail={"field": name, "value": ...}``: ``invalid_choice`` (unknown status, source,
    overdue word, or a category code that is too long or has control characters),
    ``invalid_input`` (an id or date that is not one), ``invalid_range``
    (``date_from`` after ``date_to``), ``invalid_sort``.
    """

    def last(key: str) -> str | None:
        values = _param_values(params, key)
        return values[-1] if values else None

    statuses: list[str] = []
    for value in _param_values(params, "status"):
        if value not in Status.values:
            raise _unknown("status", value, Status.values)
        if value not in statuses:
            statuses.append(value)

    category = last("category")
    if category is not None and (
        len(category) > 32 or any(ord(ch) < 32 or ord(ch) == 127 for ch in category)
    ):
        raise _unknown("category", category)

    ids: dict[str, int | None] = {}
    for key in ("category_id", "unit", "grid", "supervision_grid", "region"):
        value = last(key)
        if value is not None and (not _ID_RE.fullmatch(value) or not 0 < int(value) <= MAX_ID):
            raise _filter_error(
                "invalid_input",
                _("%(field)s must be a positive whole number.") % {"field": _FILTER_LABELS[key]},
                key,
                value,
            )
        ids[key] = int(value) if value is not None else None

    source = last("source")
    if source is not None and source not in Source.values:
        raise _unknown("source", source, Source.values)

    overdue: bool | None = None
    word = last("overdue")
    if word is not None:
        if word.lower() in _TRUE:
            overdue = True
        elif word.lower() in _FALSE:
            overdue = False
        else:
            raise _filter_error(
                "invalid_choice",
                _("%(field)s must be yes or no.") % {"field": _FILTER_LABELS["overdue"]},
                "overdue",
                word,
            )

    recurring: bool | None = None
    word = last("recurring")
    if word is not None:
        if word.lower() in _TRUE:
            recurring = True
        elif word.lower() in _FALSE:
            recurring = False
        else:
            raise _filter_error(
                "invalid_choice",
                _("%(field)s must be yes or no.") % {"field": _FILTER_LABELS["recurring"]},
                "recurring",
                word,
            )

    dates: dict[str, date | None] = {}
    for key in ("date_from", "date_to"):
        value = last(key)
        parsed = None
        if value is not None:
            m = _DATE_RE.fullmatch(value)
            try:
                parsed = date(*(int(g) for g in m.groups())) if m else None
            except ValueError:
                parsed = None
            if parsed is None or not MIN_DATE <= parsed <= MAX_DATE:
                raise _filter_error(
                    "invalid_input",
                    _("%(field)s must be a date such as 2021-03-05.")
                    % {"field": _FILTER_LABELS[key]},
                    key,
                    value,
                )
        dates[key] = parsed
    if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
        raise _filter_error(
            "invalid_range", _("The start date is after the end date."), "date_from"
        )

    sort = last("sort") or "-reported_at"
    if sort not in SORTS:
        err = _filter_error("invalid_sort", _("Unknown sort order."), "sort", sort)
        err.detail["allowed"] = list(SORTS)
        raise err

    f = LedgerFilter(
        status=statuses or None,
        category=category,
        source=source,
        overdue=overdue,
        recurring=recurring,
        **ids,
        **dates,
    )
    return f, sort


class Earlier(NamedTuple):
    """A case the recurrence (顽疾) place rule may link to: its id, number and point
    (WGS-84 degrees)."""

    id: int
    number: str
    lat: float
    lon: float


_RECURRENCE_SQL: dict[str, str] = {}


def _recurrence_sql() -> str:
    """The candidates' statement for the current database, written once per process from
    the model's table and column names (quoted by the backend)."""
    sql = _RECURRENCE_SQL.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name

        def c(name: str) -> str:
            return q(Case._meta.get_field(name).column)

        # Names from the model, quoted by the backend; every value is a parameter.
        sql = (
            f"SELECT {c('id')}, {c('number')}, {c('lat')}, {c('lon')}"  # noqa: S608
            f" FROM {q(Case._meta.db_table)}"
            f" WHERE {c('category')} = %s AND {c('lat')} BETWEEN %s AND %s"
            f" AND {c('lon')} BETWEEN %s AND %s"
            f" AND {c('reported_at')} >= %s AND {c('reported_at')} <= %s"
            f" AND {c('status')} NOT IN (%s, %s)"
            f" ORDER BY {c('reported_at')} DESC, {c('id')} DESC LIMIT %s OFFSET %s"
        )
        _RECURRENCE_SQL[connection.vendor] = sql
    return sql


def recurrence_candidates(
    category_id: int,
    box: tuple[float, float, float, float],
    since: datetime,
    until: datetime,
    offset: int,
    limit: int,
) -> list[Earlier]:
    """Cases of ``category_id`` inside ``box`` = (south, north, west, east) in WGS-84
    degrees, reported from ``since`` to ``until`` (aware datetimes, both included), neither
    rejected nor merged: newest first (ties: the later id first), ``limit`` of them after
    ``offset``. Not scoped: the recurrence rule sees the whole ledger, and its result is
    only linked, never shown to the reporter.

    Every report runs this (the place rule of
    :func:`wenming.cases.services.case_report_prepare`), so it is one statement written
    out, not a queryset: building and compiling the queryset took 0.7 ms, the statement
    itself 0.06 ms (SQLite, index ``case_cat_place``); bench/open311.py. Datetimes go
    through the backend's own adapter, as the ORM's lookups do.

    Raises ValueError for a naive datetime (the ORM would read it in the current time zone,
    the adapter in UTC)."""
    if timezone.is_naive(since) or timezone.is_naive(until):
        raise ValueError("recurrence_candidates needs aware datetimes")
    adapt = connection.ops.adapt_datetimefield_value
    params = (
        category_id,
        *box,
        adapt(since),
        adapt(until),
        Status.REJECTED.value,
        Status.MERGED.value,
        limit,
        offset,
    )
    with connection.cursor() as cursor:
        cursor.execute(_recurrence_sql(), params)
        return [Earlier(*row) for row in cursor.fetchall()]
