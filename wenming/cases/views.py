"""Pages of the ledger: to-do, ledger, case page with its actions, new case.

Views translate HTTP to the services and selectors and hold no business rules. Action forms
are small htmx forms: a refused action re-renders the form in place with the message and
the user's input kept (HTTP 422 for htmx, 400 for a plain form post).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.datum import from_wgs84, transform_geometry_from_wgs84
from wenming.core.errors import ApplicationError
from wenming.geo.models import Grid, Region, SupervisionGrid
from wenming.org.models import Unit
from wenming.org.scope import scope_for
from wenming.taxonomy.models import Category

from . import selectors, services
from .forms import ACTION_FORMS, DecisionForm, LedgerFilterForm, NewCaseForm
from .models import UNIT_HOLDS, Case, ExtensionRequest, Status

ACTION_LABELS = {
    "dispatch": gettext_lazy("Dispatch"),
    "reject": gettext_lazy("Reject"),
    "merge": gettext_lazy("Merge"),
    "accept": gettext_lazy("Accept"),
    "return": gettext_lazy("Return"),
    "submit": gettext_lazy("Submit the fix"),
    "verify": gettext_lazy("Verify and close"),
    "rework": gettext_lazy("Send back for rework"),
    "request_extension": gettext_lazy("Request an extension"),
}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def overdue_text(case: Case, now) -> str:
    """'超期 2天3小时' style text for an overdue case, '' otherwise."""
    if case.status not in UNIT_HOLDS or case.deadline is None or case.deadline >= now:
        return ""
    minutes = int((now - case.deadline).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("overdue %(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("overdue %(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("overdue %(m)d min") % {"m": mins}


def _decorate(cases, now):
    for c in cases:
        c.overdue_text = overdue_text(c, now)
    return cases


@login_required
def home(request):
    return redirect("cases:todo")


@login_required
@require_GET
def todo(request):
    lists = selectors.todo_for(request.user)
    now = timezone.now()
    labels = {
        "to_dispatch": _("Reported, to dispatch"),
        "returned": _("Returned by units, to re-dispatch"),
        "to_accept": _("Dispatched to my unit, to accept"),
        "to_rectify": _("Rectifying (incl. rework)"),
        "to_verify": _("Submitted, to verify"),
    }
    sections = [
        {
            "key": key,
            "label": labels[key],
            "cases": _decorate(list(qs[:100]), now),
            "count": qs.count(),
        }
        for key, qs in lists.items()
    ]
    extensions = list(selectors.pending_extensions(request.user)[:100])
    return render(
        request,
        "cases/todo.html",
        {"sections": sections, "extensions": extensions, "scope": scope_for(request.user)},
    )


@login_required
@require_GET
def ledger(request):
    form = LedgerFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "cases/ledger.html", _ledger_context(request, form), status=400)
    f = form.to_filter()
    sort = form.cleaned_data["sort"] or "-reported_at"
    try:
        rows, next_cursor = selectors.ledger_page(
            request.user, f, sort=sort, limit=50, cursor=form.cleaned_data["cursor"] or None
        )
    except ApplicationError as e:
        form.add_error(None, e.message)
        return render(request, "cases/ledger.html", _ledger_context(request, form), status=400)
    counts = selectors.status_counts(request.user, f)
    ctx = _ledger_context(request, form)
    query = request.GET.copy()
    query.pop("cursor", None)
    ctx.update(
        rows=_decorate(rows, timezone.now()),
        counts=[(s, label, counts.get(s, 0)) for s, label in Status.choices],
        total=sum(n for s, n in counts.items() if not f.status or s in f.status),
        sort=sort,
        next_url=f"?{urlencode({**_flat(query), 'cursor': next_cursor}, doseq=True)}"
        if next_cursor
        else None,
        query_no_sort=urlencode(_flat({k: v for k, v in query.lists() if k != "sort"}), doseq=True),
        export_query=query.urlencode(),
    )
    return render(request, "cases/ledger.html", ctx)


def _flat(query) -> dict:
    return {k: v for k, v in (query.lists() if hasattr(query, "lists") else query.items())}


def _ledger_context(request, form) -> dict:
    city = Region.objects.filter(code=settings.WENMING_CITY_CODE).first()
    subdistricts = Region.objects.filter(level="subdistrict", grids__isnull=True).none()
    if city:
        subdistricts = Region.objects.filter(
            level__in=["county", "subdistrict"], code__startswith=city.code[:4]
        ).order_by("code")
    return {
        "form": form,
        "rows": [],
        "counts": [],
        "total": 0,
        "categories": Category.objects.filter(is_active=True).only("id", "code", "name"),
        "units": Unit.objects.filter(is_active=True).only("id", "name"),
        "regions": subdistricts.only("id", "name", "level"),
        "grids": Grid.objects.only("id", "code", "name"),
        "supervision_grids": SupervisionGrid.objects.only("id", "name"),
        "sources": Case._meta.get_field("source").choices,
    }


def _map_context(case: Case) -> dict:
    """Map data in the tile datum: a WGS-84 point drawn on GCJ-02 tiles must be converted."""
    datum = settings.WENMING_MAP_TILE_DATUM
    lon, lat = from_wgs84(case.lon, case.lat, datum)
    shapes = []
    for obj, kind in ((case.grid, "grid"),):
        if obj is not None and obj.boundary:
            shapes.append(
                {"kind": kind, "name": obj.name, "geometry": _to_datum(obj.boundary, datum)}
            )
    return {
        "tile_url": settings.WENMING_MAP_TILE_URL,
        "attribution": settings.WENMING_MAP_ATTRIBUTION,
        "datum": datum,
        "point": [lat, lon],
        "shapes": shapes,
    }


def _to_datum(geometry: dict, datum: str) -> dict:
    return transform_geometry_from_wgs84(geometry, datum)


EVENT_LABELS = {
    "report": pgettext_lazy("case event", "report"),
    "dispatch": pgettext_lazy("case event", "dispatch"),
    "reject": pgettext_lazy("case event", "reject"),
    "merge": pgettext_lazy("case event", "merge"),
    "merged_in": pgettext_lazy("case event", "a duplicate case merged in"),
    "merge_report": pgettext_lazy("case event", "a citizen report merged in"),
    "accept": pgettext_lazy("case event", "accept"),
    "return": pgettext_lazy("case event", "return"),
    "submit": pgettext_lazy("case event", "submit the fix"),
    "verify": pgettext_lazy("case event", "verify and close"),
    "rework": pgettext_lazy("case event", "rework"),
    "request_extension": pgettext_lazy("case event", "request an extension"),
    "approve_extension": pgettext_lazy("case event", "approve the extension"),
    "deny_extension": pgettext_lazy("case event", "deny the extension"),
    "escalate": pgettext_lazy("case event", "escalate"),
}


def _timeline(case: Case) -> list:
    events = list(selectors.case_timeline(case))
    for e in events:
        e.action_label = EVENT_LABELS.get(e.action, e.action)
        e.to_label = Status(e.to_status).label if e.to_status in Status.values else e.to_status
    return events


def _event_links(scope, timeline: list) -> None:
    """Name the other side of merge events (``link_text``) and link it (``link_url``) where
    the reader may open it: a merged case the case it joined, a surviving case each
    duplicate merged into it (by number), and, for the office only (triage pages are the
    office's), each citizen report merged into it. Cases outside the reader's scope are
    named, not linked (one query for all of them)."""
    wanted = {
        (e.data or {}).get("into_id" if e.action == "merge" else "case_id")
        for e in timeline
        if e.action in ("merge", "merged_in")
    } - {None}
    visible = (
        set(selectors.cases_visible_to(scope).filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted
        else set()
    )
    for e in timeline:
        data = e.data or {}
        if e.action == "merge" and data.get("into_id"):
            e.link_text = _("the case it joined")
            if data["into_id"] in visible:
                e.link_url = reverse("cases:case", args=[data["into_id"]])
        elif e.action == "merged_in" and data.get("case_id"):
            e.link_text = data.get("number", "")
            if data["case_id"] in visible:
                e.link_url = reverse("cases:case", args=[data["case_id"]])
        elif e.action == "merge_report" and data.get("public_report_id") and scope.is_office:
            e.link_text = _("open the report")
            e.link_url = reverse("public:triage_detail", args=[data["public_report_id"]])


def _origin_links(scope, timeline: list) -> dict:
    """Links from a case to what opened it, read from its report event's data (no query):
    ``checklist_url`` for a failed inspection criterion (the checklist page shows round,
    point and criterion; it checks who may read it), ``report_url`` of the citizen report
    for the office (triage pages are the office's)."""
    first = next((e for e in timeline if e.action == "report"), None)
    data = (first.data or {}) if first is not None else {}
    links = {}
    if data.get("inspection_round_id") and first.case_id:
        links["checklist_url"] = reverse("inspections:case_checklist", args=[first.case_id])
    if data.get("public_report_id") and scope.is_office:
        links["report_url"] = reverse("public:triage_detail", args=[data["public_report_id"]])
    return links


def _supports(case) -> dict:
    """``supports`` (the number of citizens' "+1" on ``case``) and ``last_support`` (the
    latest one's time, None without any), in one query."""
    got = case.supports.aggregate(n=Count("id"), last=Max("created_at"))
    return {"supports": got["n"], "last_support": got["last"]}


def _case_context(request, case: Case, forms: dict | None = None) -> dict:
    actions = services.allowed_actions(request.user, case)
    forms = forms or {}
    action_forms = [
        {
            "name": a,
            "label": ACTION_LABELS[a],
            "form": forms.get(a) or ACTION_FORMS[a](initial=_initial(a, case)),
            "error": None,
        }
        for a in actions
    ]
    scope = scope_for(request.user)
    extensions = list(case.extension_requests.select_related("requested_by", "decided_by"))
    case.overdue_text = overdue_text(case, timezone.now())
    timeline = _timeline(case)
    _event_links(scope, timeline)
    return {
        "case": case,
        "timeline": timeline,
        "origin": _origin_links(scope, timeline),
        "photos": list(case.photos.all()),
        "actions": action_forms,
        "extensions": extensions,
        "escalations": list(case.escalations.order_by("level")),
        # Citizens' "+1" (我也遇到了, wenming.public): how many people it troubles, for triage.
        **_supports(case),
        "can_decide": scope.is_office,
        "decision_form": DecisionForm(),
        "map": _map_context(case),
        "units": Unit.objects.filter(is_active=True).only("id", "name"),
    }


def _initial(action: str, case: Case) -> dict:
    initial = {"expected_version": case.version}
    if action == "dispatch":
        initial["unit_id"] = case.proposed_unit_id
    return initial


@login_required
@require_GET
def case_page(request, pk: int):
    try:
        case = selectors.case_detail(request.user, pk)
    except ApplicationError:
        raise Http404 from None
    return render(request, "cases/detail.html", _case_context(request, case))


def _service_args(action: str, data: dict, request) -> dict:
    data = dict(data)
    if action == "merge":
        number = data.pop("into").strip()
        data["into_id"] = (
            Case.objects.filter(number=number).values_list("pk", flat=True).first() or -1
        )
    if action == "submit":
        data["photos"] = request.FILES.getlist("photos")
    return data


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    try:
        case = selectors.case_detail(request.user, pk)
    except ApplicationError:
        raise Http404 from None
    if action not in ACTION_FORMS:
        raise Http404
    form = ACTION_FORMS[action](request.POST, request.FILES)
    error = None
    if form.is_valid():
        func = getattr(
            services,
            "case_request_extension" if action == "request_extension" else f"case_{action}",
        )
        try:
            func(request.user, case.pk, **_service_args(action, form.cleaned_data, request))
        except ApplicationError as e:
            error = e.message
        else:
            return _done(request, case)
    return _form_error(request, case, action, form, error)


def _done(request, case: Case):
    url = reverse("cases:case", args=[case.pk])
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _form_error(request, case, action, form, error):
    status = 422 if _is_htmx(request) else 400
    if _is_htmx(request):
        item = {
            "name": action,
            "label": ACTION_LABELS.get(action, action),
            "form": form,
            "error": error,
        }
        return render(
            request,
            "cases/_action_form.html",
            {"a": item, "case": case, "units": Unit.objects.filter(is_active=True)},
            status=status,
        )
    ctx = _case_context(request, case, {action: form})
    shown = False
    for a in ctx["actions"]:
        if a["name"] == action:
            a["error"] = error
            shown = True
    if not shown:
        # The action is no longer offered (state changed, or not this user's): say why on top.
        ctx["page_error"] = error or _("This action is not possible now.")
    return render(request, "cases/detail.html", ctx, status=status)


@login_required
@require_POST
def extension_decide(request, pk: int, request_id: int):
    try:
        case = selectors.case_detail(request.user, pk)
    except ApplicationError:
        raise Http404 from None
    if not ExtensionRequest.objects.filter(pk=request_id, case=case).exists():
        raise Http404
    form = DecisionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.case_decide_extension(request.user, request_id, **form.cleaned_data)
        except ApplicationError as e:
            error = e.message
        else:
            return _done(request, case)
    else:
        error = _("Choose approve or deny.")
    ctx = _case_context(request, case)
    ctx["decision_form"] = form
    ctx["decision_error"] = error
    ctx["page_error"] = error
    return render(request, "cases/detail.html", ctx, status=422 if _is_htmx(request) else 400)


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    scope = scope_for(request.user)
    if not (scope.is_office or scope.roles & {"inspector", "leader", "area_staff"}):
        # The page exists for every account, so a 403 reveals nothing; it tells a unit's
        # clerk why, as the citizen-report triage pages do, instead of "not found".
        raise PermissionDenied
    error = None
    if request.method == "POST":
        form = NewCaseForm(request.POST, request.FILES)
        if form.is_valid():
            lat, lon = form.wgs84()
            d = form.cleaned_data
            try:
                case = services.case_report(
                    request.user,
                    title=d["title"],
                    category_id=d["category_id"],
                    description=d["description"],
                    address=d["address"],
                    lat=lat,
                    lon=lon,
                    source=d["source"] or None,
                    photos=request.FILES.getlist("photos"),
                )
            except ApplicationError as e:
                error = e.message
            else:
                return redirect("cases:case", pk=case.pk)
    else:
        form = NewCaseForm(initial={"datum": settings.WENMING_MAP_TILE_DATUM})
    categories = list(
        Category.objects.filter(is_active=True, children__isnull=True).values(
            "id", "code", "name", "pinyin_initials", "parent__name"
        )
    )
    city = Region.objects.filter(code=settings.WENMING_CITY_CODE).first()
    outline = (
        _to_datum(city.boundary, settings.WENMING_MAP_TILE_DATUM)
        if city and city.boundary
        else None
    )
    return render(
        request,
        "cases/new.html",
        {
            "form": form,
            "error": error,
            "categories": categories,
            "sources": Case._meta.get_field("source").choices if scope.is_office else [],
            "map": {
                "tile_url": settings.WENMING_MAP_TILE_URL,
                "attribution": settings.WENMING_MAP_ATTRIBUTION,
                "datum": settings.WENMING_MAP_TILE_DATUM,
                "outline": outline,
            },
        },
        status=400 if request.method == "POST" else 200,
    )
