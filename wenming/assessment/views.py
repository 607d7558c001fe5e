"""Pages of the assessment app: rankings and 红黑榜, indicators, the cases behind a figure,
publications, export, trend chart, schemes and adjustments.

Views parse input, call selectors/services and render; refusals re-render with the message
and the user's input (400/403/404/409 from :class:`ApplicationError`).
"""

from __future__ import annotations

import tempfile
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.errors import ApplicationError
from wenming.core.ids import parse_id
from wenming.core.xlsx import XLSX_CONTENT_TYPE
from wenming.org.models import Unit
from wenming.org.scope import scope_for

from . import selectors, services
from .export import write_published_xlsx, write_ranking_xlsx
from .indicators import (
    COUNTS,
    DENOMINATOR_LABELS,
    FORMULAS,
    NORMALISED,
    RATES,
    Denominators,
    compute_indicators,
    describe,
    monthly_indicators,
    rate_parts,
)
from .models import Adjustment, PublishedRow, Scheme
from .periods import Period, period_of
from .ranking import compute_ranking, schemes_in_force
from .scoring import COMPONENTS, DEFAULT_CONFIG, PENALTY_MEASURES

GROUP_LABELS = {
    "unit": gettext_lazy("Unit"),
    "grid": gettext_lazy("Supervision grid"),
    "subdistrict": gettext_lazy("Subdistrict"),
    "city": gettext_lazy("Whole city"),
}


def default_period() -> Period:
    """The previous calendar month (local time): what the office usually ranks."""
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    return period_of(f"{last.year}-{last.month:02d}")


def _period(request) -> Period:
    text = request.GET.get("period") or request.POST.get("period")
    return period_of(text) if text else default_period()


def _error_page(request, exc: ApplicationError, template="assessment/error.html", **ctx):
    ctx.update(error=exc.message, period_text=request.GET.get("period", ""))
    return render(request, template, ctx, status=exc.status)


def _kind_label(kind: str) -> str:
    try:
        return Unit.Kind(kind).label
    except ValueError:
        return kind


def _not_found():
    raise Http404


@login_required
@require_GET
def index(request):
    """``/assessment/?period=2021-03``: the ranking (live for office and leaders, published
    for everyone), the 红黑榜, and the user's own units' scores."""
    scope = scope_for(request.user)
    everything = selectors.sees_everything(scope)
    try:
        if request.GET.get("period") or everything:
            period = _period(request)
        else:
            # Units see published rankings only: land on the newest one, not on a month
            # the office has not published yet.
            newest = selectors.newest_published_period_key()
            period = period_of(newest) if newest else default_period()
    except ApplicationError as exc:
        return _error_page(request, exc)
    ranking = own = None
    if everything or scope.unit_ids:
        try:
            ranking = compute_ranking(period)
        except ApplicationError as exc:
            return _error_page(request, exc)
        if not everything:
            own = [u for u in ranking.units() if u.unit_id in scope.unit_ids]
            ranking = None
    pub = selectors.latest_publication(period.key)
    ctx = {
        "period": period,
        "previous": period.previous(),
        "ranking": ranking,
        # Units without any data are listed by name under their table, not as empty rows.
        "tables": [
            (
                k,
                _kind_label(k),
                [u for u in rows if u.score.score is not None],
                [u.name for u in rows if u.score.score is None],
            )
            for k, rows in ranking.tables.items()
        ]
        if ranking
        else [],
        "red": [(_kind_label(k), rows) for k, rows in ranking.board("red").items()]
        if ranking
        else [],
        "black": [(_kind_label(k), rows) for k, rows in ranking.board("black").items()]
        if ranking
        else [],
        # The red-list floor and black-list ceiling, once per distinct pair.
        "limits": sorted(set(ranking.limits.values())) if ranking else [],
        "own": own,
        "publication": pub,
        "everything": everything,
        "is_office": scope.is_office,
        "help": describe(),
        "denominators_in_force": denominators_in_force(),
        "components": {k: v[2] for k, v in COMPONENTS.items()},
    }
    return render(request, "assessment/index.html", ctx)


def _page_denominators() -> Denominators:
    """The denominators of the scheme in force for departments (as the city row of a
    ranking uses), or the defaults when no scheme is in force."""
    try:
        config = schemes_in_force()[Unit.Kind.DEPARTMENT].config
    except ApplicationError:
        return Denominators()
    return Denominators.from_dict(config.get("denominators"))


@login_required
@require_GET
def indicators(request):
    """``/assessment/indicators/?period=&group=unit|grid|subdistrict|city``: every
    indicator of every group, with the formula help (office and leaders)."""
    if not selectors.sees_everything(request.user):
        raise Http404
    group = request.GET.get("group", "unit")
    try:
        period = _period(request)
        denominators = _page_denominators()
        rows = compute_indicators(
            period.start, period.end, group_by=group, denominators=denominators
        )
    except ApplicationError as exc:
        return _error_page(request, exc)
    # Each rate's header names its denominator, as the rates on this page were computed.
    parts = rate_parts(denominators)
    rates = [
        (k, _("%(rate)s (÷ %(base)s)") % {"rate": v, "base": COUNTS[parts[k][1]]})
        for k, v in RATES.items()
    ] + list(NORMALISED.items())  # their names already state the base
    return render(
        request,
        "assessment/indicators.html",
        {
            "period": period,
            "group": group,
            "groups": GROUP_LABELS.items(),
            "rows": rows,
            "counts": list(COUNTS.items()),
            "rates": rates,
            "rate_parts": parts,
            "help": describe(),
            "denominators_in_force": denominators_in_force(),
        },
    )


EXPLAIN_LIMIT = 2000  # cases listed on one explain page


def _int_or_none(value):
    if value in (None, ""):
        return None
    number = parse_id(value)
    if number is None:
        raise Http404  # no such row (and no OverflowError from the database)
    return number


@login_required
@require_GET
def explain(request):
    """``/assessment/explain/?period=&indicator=&group=unit&key=<id>&part=numerator``: the
    live cases behind one figure. Another unit's cases are a 404 for a unit handler."""
    indicator = request.GET.get("indicator", "")
    group = request.GET.get("group", "unit")
    # Only a rate has a denominator; for a count the part is ignored (and not shown).
    rate = indicator in RATES or indicator in NORMALISED
    part = "denominator" if rate and request.GET.get("part") == "denominator" else "numerator"
    key = _int_or_none(request.GET.get("key"))
    try:
        period = _period(request)
        denominators = None
        if group == "unit" and key is not None:
            unit = Unit.objects.filter(pk=key).first()
            if unit is None:
                raise Http404
            denominators = schemes_in_force()[unit.kind].config.get("denominators")
        else:
            # As the indicators page computes grids, subdistricts and the city.
            denominators = _page_denominators().as_dict()
        qs = selectors.explain_cases(
            request.user,
            period.start,
            period.end,
            indicator,
            group_by=group,
            key=key,
            part=part,
            denominators=denominators,
        )
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from None
        return _error_page(request, exc)
    cases = list(
        qs.select_related("unit", "category").order_by("reported_at", "id")[: EXPLAIN_LIMIT + 1]
    )
    truncated = len(cases) > EXPLAIN_LIMIT
    # The count shown is always the figure's, also when only the first cases are listed.
    total = qs.count() if truncated else len(cases)
    cases = cases[:EXPLAIN_LIMIT]
    name = (COUNTS | RATES | NORMALISED).get(indicator, indicator)
    return render(
        request,
        "assessment/explain.html",
        {
            "period": period,
            "indicator": indicator,
            "indicator_name": name,
            "formula": FORMULAS.get(indicator, ""),
            "part": part,
            "group": group,
            "key": key,
            "subject": _subject(group, key),
            "cases": cases,
            "total": total,
            "limit": EXPLAIN_LIMIT,
            "truncated": truncated,
            "frozen": False,
        },
    )


def _subject(group: str, key) -> str:
    from wenming.geo.models import Region, SupervisionGrid

    if group == "city":
        return str(GROUP_LABELS["city"])
    if key is None:
        return _("(none)")
    model = {"unit": Unit, "grid": SupervisionGrid, "subdistrict": Region}.get(group)
    obj = model.objects.filter(pk=key).first() if model else None
    if obj is None:
        raise Http404
    return obj.name


@login_required
@require_POST
def publish(request):
    """``POST /assessment/publish/`` (period, note): freeze the ranking (office only)."""
    try:
        pub = services.assessment_publish(
            request.user, request.POST.get("period", ""), note=request.POST.get("note", "")
        )
    except ApplicationError as exc:
        return render(
            request,
            "assessment/error.html",
            {
                "error": exc.message,
                "period_text": request.POST.get("period", ""),
                "note": request.POST.get("note", ""),
                "retry_publish": exc.status == 400,
            },
            status=exc.status,
        )
    return redirect("assessment:publication", pk=pub.pk)


@login_required
@require_GET
def publications(request):
    """``/assessment/published/``: every publication, newest first."""
    return render(
        request,
        "assessment/publications.html",
        {"publications": selectors.publications(request.user)[:200]},
    )


@login_required
@require_GET
def publication(request, pk):
    """``/assessment/published/<id>/``: a frozen ranking with its 红黑榜 (public)."""
    try:
        pub = selectors.publication(request.user, pk)
    except ApplicationError:
        raise Http404 from None
    rows = list(selectors.published_rows(pub))
    scope = scope_for(request.user)
    everything = selectors.sees_everything(scope)
    tables: dict[str, list] = {}
    for r in rows:
        r.details = everything or r.unit_id in scope.unit_ids
        tables.setdefault(r.unit_kind, []).append(r)
    red = [(_kind_label(k), [r for r in rs if r.board == "red"]) for k, rs in tables.items()]
    black = [
        (_kind_label(k), sorted((r for r in rs if r.board == "black"), key=lambda r: r.score))
        for k, rs in tables.items()
    ]
    return render(
        request,
        "assessment/publication.html",
        {
            "pub": pub,
            "tables": [
                (
                    k,
                    _kind_label(k),
                    [r for r in rs if r.score is not None],
                    [r.unit_name for r in rs if r.score is None],
                )
                for k, rs in tables.items()
            ],
            "red": [x for x in red if x[1]],
            "black": [x for x in black if x[1]],
            "newer": pub.superseded_by if hasattr(pub, "superseded_by") else None,
            "is_office": scope.is_office,
        },
    )


@login_required
@require_GET
def published_unit(request, pk, unit_id):
    """``/assessment/published/<id>/unit/<unit>/?indicator=``: a unit's frozen row, its score
    parts, and the cases each count held at publication (own unit, office, leaders)."""
    try:
        pub = selectors.publication(request.user, pk)
        row = selectors.published_row_details(request.user, pub, unit_id)
    except ApplicationError:
        raise Http404 from None
    indicator = request.GET.get("indicator", "")
    cases = None
    if indicator:
        try:
            cases = list(
                selectors.frozen_cases(request.user, row, indicator)
                .select_related("unit", "category")
                .order_by("reported_at", "id")
            )
        except ApplicationError:
            raise Http404 from None
    counts = [
        (k, v, row.indicators.get(k), len(row.case_ids.get(k, []))) for k, v in COUNTS.items()
    ]
    parts = rate_parts(Denominators.from_dict(row.indicators.get("denominators")))
    rates = [
        (k, v, row.indicators.get(k), [(c, COUNTS[c]) for c in parts[k]])
        for k, v in (RATES | NORMALISED).items()
    ]
    return render(
        request,
        "assessment/published_unit.html",
        {
            "pub": pub,
            "row": row,
            "counts": counts,
            "rates": rates,
            "indicator": indicator,
            "indicator_name": COUNTS.get(indicator, indicator),
            "cases": cases,
            "components": [
                (COMPONENTS[k][2], v) for k, v in row.parts.get("components", {}).items()
            ],
            "penalties": [
                (PENALTY_MEASURES[k][1], v) for k, v in row.parts.get("penalties", {}).items()
            ],
        },
    )


@login_required
@require_GET
def unit_live(request, unit_id):
    """``/assessment/unit/<id>/?period=``: a unit's live score, its parts and every indicator
    linked to its cases (own unit, office, leaders; otherwise 404)."""
    try:
        selectors.check_unit_details(request.user, unit_id)
        period = _period(request)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from None
        return _error_page(request, exc)
    try:
        ranking = compute_ranking(period)
    except ApplicationError as exc:
        return _error_page(request, exc)
    u = next((x for x in ranking.units() if x.unit_id == unit_id), None)
    if u is None:
        raise Http404
    ind = u.row.as_dict()
    parts = rate_parts(Denominators.from_dict(ind.get("denominators")))
    return render(
        request,
        "assessment/unit.html",
        {
            "period": period,
            "u": u,
            "counts": [(k, v, ind.get(k)) for k, v in COUNTS.items()],
            "rates": [
                (k, v, ind.get(k), [(c, COUNTS[c]) for c in parts[k]])
                for k, v in (RATES | NORMALISED).items()
            ],
            "components": [
                (COMPONENTS[k][2], v) for k, v in u.score.parts.get("components", {}).items()
            ],
            "penalties": [
                (PENALTY_MEASURES[k][1], v) for k, v in u.score.parts.get("penalties", {}).items()
            ],
        },
    )


def _xlsx_response(write, *args, filename: str):
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write(tmp, *args)
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    response = FileResponse(
        tmp, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export(request):
    """``/assessment/export.xlsx?period=``: the live ranking as .xlsx (office, leaders)."""
    if not selectors.sees_everything(request.user):
        raise Http404
    try:
        period = _period(request)
        ranking = compute_ranking(period)
    except ApplicationError as exc:
        return HttpResponse(
            exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
        )
    return _xlsx_response(write_ranking_xlsx, ranking, filename=f"assessment-{period.key}.xlsx")


@login_required
@require_GET
def export_published(request, pk):
    """``/assessment/published/<id>/export.xlsx``: a frozen ranking as .xlsx (public)."""
    try:
        pub = selectors.publication(request.user, pk)
    except ApplicationError:
        raise Http404 from None
    return _xlsx_response(
        write_published_xlsx,
        pub,
        list(selectors.published_rows(pub)),
        filename=f"assessment-{pub.period_key}-v{pub.number}.xlsx",
    )


@login_required
@require_GET
def trend(request):
    """``/assessment/trend/?unit=<id>&months=12``: monthly trend of closure rates and
    supervision (ECharts) for the city or a unit (own unit for a handler)."""
    key = _int_or_none(request.GET.get("unit"))
    own = sorted(selectors.own_unit_ids(request.user))
    if key is None and own and not selectors.sees_everything(request.user):
        key = own[0]  # a unit handler's trend is its own unit's
    try:
        selectors.check_unit_details(request.user, key) if key is not None else (
            None if selectors.sees_everything(request.user) else _not_found()
        )
    except ApplicationError:
        raise Http404 from None
    try:
        months = max(2, min(int(request.GET.get("months", 12)), 36))
    except ValueError:
        months = 12
    end = default_period()
    periods = [end]
    while len(periods) < months:
        periods.insert(0, periods[0].previous())
    series = {"archive_rate": [], "in_time_archive_rate": [], "dispose_rate": [], "escalation": []}
    # One query for all months, under the denominators the unit's ranking uses.
    unit = Unit.objects.filter(pk=key).first() if key is not None else None
    if key is not None and unit is None:
        raise Http404
    try:
        in_force = schemes_in_force()
    except ApplicationError:
        in_force = {}
    version = in_force.get(unit.kind if unit else Unit.Kind.DEPARTMENT)
    monthly = monthly_indicators(
        periods[0].start,
        periods[-1].end,
        unit_id=key,
        denominators=version.config.get("denominators") if version else None,
    )
    for p in periods:
        row = monthly.get((p.start.year, p.start.month))
        for name in series:
            value = getattr(row, name) if row else None
            if value is not None and name.endswith("_rate"):
                value = round(value * 100, 1)
            series[name].append(value)
    if key is not None:
        # The unit's published score per month (newest version of each period): one query.
        scores = {}
        for period_key, score in (
            PublishedRow.objects.filter(
                unit_id=key, publication__period_key__in=[p.key for p in periods]
            )
            .order_by("publication__period_key", "publication__number")
            .values_list("publication__period_key", "score")
        ):
            scores[period_key] = score
        series["score"] = [scores.get(p.key) for p in periods]
    chart = {
        "labels": [p.label for p in periods],
        "series": [
            {"name": str(RATES["archive_rate"]), "data": series["archive_rate"], "type": "line"},
            {
                "name": str(RATES["in_time_archive_rate"]),
                "data": series["in_time_archive_rate"],
                "type": "line",
            },
            {"name": str(RATES["dispose_rate"]), "data": series["dispose_rate"], "type": "line"},
            {
                "name": str(COUNTS["escalation"]),
                "data": series["escalation"],
                "type": "bar",
                "yAxisIndex": 1,
            },
        ],
    }
    if "score" in series:
        chart["series"].append(
            {"name": _("Published score"), "data": series["score"], "type": "line"}
        )
    units = (
        Unit.objects.filter(is_active=True).order_by("kind", "code")
        if selectors.sees_everything(request.user)
        else Unit.objects.filter(pk__in=selectors.own_unit_ids(request.user))
    )
    return render(
        request,
        "assessment/trend.html",
        {
            "chart": chart,
            "unit_id": key,
            "units": units,
            "months": months,
            "everything": selectors.sees_everything(request.user),
        },
    )


def _config_from_post(post) -> dict:
    """A scheme config from the scheme form (weights.*, penalties.*, grades, options)."""
    config = {"weights": {}, "penalties": {}, "denominators": {}}
    for key in COMPONENTS:
        value = post.get(f"w_{key}", "").strip()
        if value:
            config["weights"][key] = value
    for key in PENALTY_MEASURES:
        value = post.get(f"p_{key}", "").strip()
        if value:
            config["penalties"][key] = value
    for name in Denominators.CHOICES:
        if post.get(f"d_{name}"):
            config["denominators"][name] = post.get(f"d_{name}")
    grades = []
    for part in post.get("grades", "").replace("，", ",").split(","):
        if ":" in part or "：" in part:
            name, _sep, lo = part.replace("：", ":").partition(":")
            grades.append([name.strip(), lo.strip()])
        elif part.strip():
            grades.append([part.strip(), "x"])
    config["grades"] = grades
    for name in ("penalty_cap", "min_dispatched", "board_size"):
        config[name] = post.get(name, "")
    for name in ("red_min_score", "black_max_score"):
        if post.get(name, "").strip():  # blank: the default
            config[name] = post.get(name)
    config["no_data"] = post.get("no_data", "")
    return config


CHOICE_LABELS = {
    "dispatch": COUNTS["dispatch"],
    "due": COUNTS["due"],
    "register": COUNTS["register"],
    "dispose": COUNTS["dispose"],
    "cases": gettext_lazy("cases reworked"),
    "times": gettext_lazy("number of reworks"),
}


def denominators_in_force() -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    """For the help: ``[(scheme version, [unit kind labels], [(denominator label, choice
    label)])]`` of the schemes in force, so that every rate's denominator is stated as it
    is used. Empty when no scheme is in force. One query."""
    try:
        versions = schemes_in_force()
    except ApplicationError:
        return []
    grouped: dict[int, tuple] = {}
    for kind, version in versions.items():
        grouped.setdefault(version.pk, (version, []))[1].append(str(_kind_label(kind)))
    out = []
    for version, kinds in grouped.values():
        d = Denominators.from_dict(version.config.get("denominators"))
        out.append(
            (
                str(version),
                kinds,
                [
                    (str(DENOMINATOR_LABELS[n]), str(CHOICE_LABELS[getattr(d, n)]))
                    for n in d.CHOICES
                ],
            )
        )
    return out


def _scheme_form_context(config: dict) -> dict:
    grades = config.get("grades") or DEFAULT_CONFIG["grades"]
    return {
        "component_fields": [
            (k, v[2], (config.get("weights") or {}).get(k, "")) for k, v in COMPONENTS.items()
        ],
        "penalty_fields": [
            (k, v[1], (config.get("penalties") or {}).get(k, ""))
            for k, v in PENALTY_MEASURES.items()
        ],
        "denominator_fields": [
            (
                name,
                DENOMINATOR_LABELS[name],
                [(c, CHOICE_LABELS[c]) for c in choices],
                (config.get("denominators") or {}).get(name, ""),
            )
            for name, choices in Denominators.CHOICES.items()
        ],
        "grades_text": ", ".join(
            f"{n}:{lo:g}" if isinstance(lo, (int, float)) else f"{n}:{lo}" for n, lo in grades
        ),
        # Versions saved before the list limits existed read as the defaults.
        "config": {
            "red_min_score": DEFAULT_CONFIG["red_min_score"],
            "black_max_score": DEFAULT_CONFIG["black_max_score"],
            **config,
        },
    }


@login_required
@require_http_methods(["GET", "POST"])
def schemes(request):
    """``/assessment/schemes/``: the schemes and their versions; the office saves a new
    version of one (``POST scheme=<id>``) or creates a scheme (``POST scheme=new``)."""
    scope = scope_for(request.user)
    if not (scope.is_office or scope.is_leader):
        raise Http404
    error = None
    selected = request.GET.get("scheme") or request.POST.get("scheme")
    all_schemes = list(Scheme.objects.prefetch_related("versions").order_by("unit_kind", "name"))
    current = next((s for s in all_schemes if str(s.pk) == selected), None)
    config = (
        current.versions.order_by("-number").first().config
        if current is not None
        else DEFAULT_CONFIG
    )
    status = 200
    if request.method == "POST" and request.POST.get("active") in ("0", "1") and current:
        try:
            services.scheme_set_active(
                request.user, current.pk, active=request.POST["active"] == "1"
            )
            return redirect(reverse("assessment:schemes") + f"?scheme={current.pk}")
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    elif request.method == "POST":
        config = _config_from_post(request.POST)
        try:
            if selected == "new":
                created = services.scheme_create(
                    request.user,
                    name=request.POST.get("name", ""),
                    unit_kind=request.POST.get("unit_kind", ""),
                    config=config,
                    note=request.POST.get("note", ""),
                )
                return redirect(reverse("assessment:schemes") + f"?scheme={created.pk}")
            if current is None:
                raise Http404
            services.scheme_version_create(
                request.user, current.pk, config=config, note=request.POST.get("note", "")
            )
            return redirect(reverse("assessment:schemes") + f"?scheme={current.pk}")
        except ApplicationError as exc:
            error = exc.message
            status = exc.status
    ctx = {
        "schemes": all_schemes,
        "current": current,
        "selected": selected,
        "error": error,
        "is_office": scope.is_office,
        "kinds": Unit.Kind.choices,
        "post": request.POST if request.method == "POST" else {},
    }
    ctx.update(_scheme_form_context(config))
    return render(request, "assessment/schemes.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def adjustments(request):
    """``/assessment/adjustments/?period=``: bonuses and penalties (加减分) of a period;
    the office adds or withdraws them."""
    scope = scope_for(request.user)
    if not (scope.is_office or scope.is_leader):
        raise Http404
    error = None
    status = 200
    try:
        period = _period(request)
    except ApplicationError as exc:
        return _error_page(request, exc)
    if request.method == "POST":
        try:
            if request.POST.get("withdraw"):
                services.adjustment_withdraw(
                    request.user,
                    request.POST.get("withdraw"),
                    reason=request.POST.get("reason", ""),
                )
            else:
                services.adjustment_create(
                    request.user,
                    unit_id=request.POST.get("unit_id"),
                    period_key=period.key,
                    points=request.POST.get("points", ""),
                    reason=request.POST.get("reason", ""),
                )
            return redirect(reverse("assessment:adjustments") + f"?period={period.key}")
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    rows = Adjustment.objects.filter(period_key=period.key).select_related("unit", "created_by")
    return render(
        request,
        "assessment/adjustments.html",
        {
            "period": period,
            "rows": rows,
            "units": Unit.objects.filter(is_active=True).order_by("kind", "code"),
            "error": error,
            "post": request.POST if request.method == "POST" else {},
            "is_office": scope.is_office,
        },
        status=status,
    )
