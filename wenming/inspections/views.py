"""Pages of the inspections app: rounds, planning, the mobile checklist, reports, the
standard, points and a unit's results. Views translate HTTP to services and selectors."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.errors import ApplicationError
from wenming.core.ids import parse_id
from wenming.geo.models import SupervisionGrid
from wenming.org.models import Membership
from wenming.org.scope import scope_for

from . import selectors, services
from .forms import ImportForm, RoundPlanForm
from .models import (
    Criterion,
    InspectionRound,
    Point,
    PointType,
    StandardItem,
    StandardVersion,
    Submission,
)
from .tables import read_table


def _db_id(text: str) -> int | None:
    """A query-string id as an int a database column can hold (1 … 2**63-1), else None (an
    id beyond the column's range used to answer 500)."""
    return parse_id(text) if text.isascii() and text.isdigit() else None


def _not_found(exc: ApplicationError):
    if exc.status == 404:
        raise Http404(exc.message)


def _round(user, pk) -> InspectionRound:
    """The visible round or Http404."""
    try:
        return selectors.round_detail(user, pk)
    except ApplicationError as exc:
        raise Http404(exc.message) from None


@require_GET
def service_worker(request):
    """The checklist pages' service worker, served under /inspections/ so that its scope
    covers them (a static file's scope would be /static/)."""
    path = Path(__file__).resolve().parent / "static" / "inspections" / "sw.js"
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_GET
def index(request):
    """Rounds the user can see; links by role."""
    scope = scope_for(request.user)
    rounds = list(
        selectors.rounds_visible_to(scope)
        .select_related("standard_version", "leader")
        .order_by("-starts_on", "-id")[:100]
    )
    counts = selectors.round_progress([r.pk for r in rounds])
    for r in rounds:
        r.planned_count, r.done_count = counts.get(r.pk, (0, 0))
    return render(
        request,
        "inspections/index.html",
        {
            "rounds": rounds,
            "scope": scope,
            "can_plan": scope.is_office or scope.is_leader,
            "version": services.current_version(),
        },
    )


def _plan_form_kwargs(user) -> dict:
    User = get_user_model()
    people = (
        User.objects.filter(
            is_active=True,
            memberships__role__in=(Membership.Role.INSPECTOR, Membership.Role.LEADER),
        )
        .distinct()
        .order_by("username")
    )
    leaders = (
        User.objects.filter(is_active=True, memberships__role=Membership.Role.LEADER)
        .distinct()
        .order_by("username")
    )
    return {
        "grids": SupervisionGrid.objects.order_by("code").only("id", "name"),
        "types": PointType.objects.all(),
        "people": people,
        "leaders": leaders,
    }


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    scope = scope_for(request.user)
    if not (scope.is_office or scope.is_leader):
        return render(request, "inspections/forbidden.html", status=403)
    kwargs = _plan_form_kwargs(request.user)
    if request.method == "GET":
        initial = {"kind": InspectionRound.Kind.PLANNED}
        if not scope.is_office:
            initial = {"kind": InspectionRound.Kind.SUPERVISION, "leader_id": request.user.pk}
        form = RoundPlanForm(initial=initial, **kwargs)
        return render(request, "inspections/round_new.html", {"form": form})
    form = RoundPlanForm(request.POST, **kwargs)
    error = None
    if form.is_valid():
        d = form.cleaned_data
        codes = form.point_codes_list()
        found = dict(Point.objects.filter(code__in=codes).values_list("code", "id"))
        unknown = [c for c in codes if c not in found]
        if unknown:
            form.add_error(
                "point_codes",
                _("Unknown point codes: %(codes)s") % {"codes": "、".join(unknown[:10])},
            )
        else:
            try:
                rnd = services.round_plan(
                    request.user,
                    name=d["name"],
                    kind=d["kind"],
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    supervision_grid_ids=d["supervision_grid_ids"],
                    point_type_ids=d["point_type_ids"],
                    point_ids=list(found.values()),
                    inspector_ids=d["inspector_ids"],
                    leader_id=d["leader_id"],
                    note=d["note"],
                )
                return redirect("inspections:round", rnd.pk)
            except ApplicationError as exc:
                error = exc.message
    sel = {
        k: request.POST.getlist(k)
        for k in ("supervision_grid_ids", "point_type_ids", "inspector_ids")
    }
    return render(
        request,
        "inspections/round_new.html",
        {"form": form, "error": error, "sel": sel},
        status=400,
    )


@login_required
@require_GET
def round_page(request, pk):
    rnd = _round(request.user, pk)
    rows = selectors.round_points(rnd)
    return render(
        request,
        "inspections/round.html",
        {
            "round": rnd,
            "rows": rows,
            "done": sum(1 for r in rows if r["submission"]),
            "may_inspect": services.may_inspect(request.user, rnd)
            and rnd.status == InspectionRound.Status.PLANNED,
            "inspectors": list(rnd.inspectors.order_by("username")),
            "is_office": scope_for(request.user).is_office,
        },
    )


@login_required
@require_POST
def round_close(request, pk):
    _round(request.user, pk)
    try:
        services.round_close(request.user, pk)
    except ApplicationError as exc:
        _not_found(exc)
        return render(
            request, "inspections/forbidden.html", {"error": exc.message}, status=exc.status
        )
    return redirect("inspections:round", pk)


def _checklist_point(request, pk, point_id):
    rnd = _round(request.user, pk)
    point = (
        Point.objects.filter(pk=point_id, round_points__round=rnd)
        .select_related("point_type", "community", "supervision_grid")
        .first()
    )
    if point is None:
        raise Http404
    return rnd, point


def _checklist_texts() -> dict:
    """Messages of checklist.js (%(m)s and %(max)s are filled in by the script)."""
    return {
        "locating": _("Locating…"),
        "noGps": _("No GPS fix: the checklist is sent without the inspector’s position."),
        "distance": _("You are %(m)s m from the point."),
        "far": _("More than %(max)s m from the point: the checklist will be flagged."),
        "saved": _("Draft saved on this device."),
        "incomplete": _("Answer every criterion; describe each failure."),
        "sending": _("Sending…"),
        "offline": _(
            "No connection: the checklist is saved on this device and will be sent when "
            "the network is back."
        ),
        "sent": _("Checklist sent."),
        "cases": _("Cases opened:"),
        "confirmDiscard": _("Discard the answers on this device?"),
        "view": _("View the checklist"),
        "photos": _("Photos: %(n)s"),
        "storageFull": _(
            "This device has no room left for more photos: the answers and notes are kept, "
            "but send the checklist before reloading the page or the newest photos are lost."
        ),
        "loginAgain": _(
            "Your login has expired. The checklist is kept on this device and will be sent "
            "after you log in again."
        ),
        "login": _("Log in"),
        "refused": _("The checklist was not accepted."),
        "back": _("Back to the round's points"),
    }


@login_required
@require_GET
def checklist(request, pk, point_id):
    """The mobile checklist of one point (saved in the browser until sent)."""
    rnd, point = _checklist_point(request, pk, point_id)
    submission = Submission.objects.filter(round=rnd, point=point).first()
    criteria = list(services.checklist_criteria(rnd, point))
    groups: list[dict] = []
    for c in criteria:
        if not groups or groups[-1]["item"].pk != c.item_id:
            groups.append({"item": c.item, "criteria": []})
        groups[-1]["criteria"].append(c)
    return render(
        request,
        "inspections/checklist.html",
        {
            "round": rnd,
            "point": point,
            "groups": groups,
            "count": len(criteria),
            "submission": submission,
            "closed": rnd.status == InspectionRound.Status.CLOSED,
            "may_inspect": services.may_inspect(request.user, rnd)
            and rnd.status == InspectionRound.Status.PLANNED,
            "max_distance": int(services.max_distance_m()),
            "submit_url": reverse("inspections:submit", args=[rnd.pk, point.pk]),
            "texts": _checklist_texts(),
        },
    )


@login_required
@require_POST
def checklist_send(request, pk, point_id):
    """Receive a checklist from the page's script (multipart: ``payload`` JSON and files
    ``photo-<criterion id>``). JSON answer; the same uuid again answers 200 with the stored
    checklist."""
    try:
        payload = json.loads(request.POST.get("payload") or "{}")
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return JsonResponse(
            {"code": "invalid_input", "message": _("The input is invalid."), "detail": {}},
            status=400,
        )
    answers = payload.get("answers")
    if isinstance(answers, list):
        for a in answers:
            if isinstance(a, dict):
                a["photos"] = request.FILES.getlist(f"photo-{a.get('criterion_id')}")
    try:
        sub, created = services.checklist_submit(
            request.user,
            round_id=pk,
            point_id=point_id,
            uuid=payload.get("uuid"),
            answers=answers,
            lat=payload.get("lat"),
            lon=payload.get("lon"),
            accuracy_m=payload.get("accuracy"),
            note=payload.get("note") or "",
        )
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    findings = sub.results.filter(finding__isnull=False).select_related(
        "finding__case__unit", "criterion"
    )
    return JsonResponse(
        {
            "submission_id": sub.pk,
            "created": created,
            "url": reverse("inspections:submission", args=[sub.pk]),
            "far_from_point": sub.far_from_point,
            "distance_m": sub.distance_m,
            "cases": [
                {
                    "number": r.finding.case.number,
                    "url": reverse("cases:case", args=[r.finding.case.pk]),
                    "unit": r.finding.case.unit.name if r.finding.case.unit_id else None,
                    "criterion": r.criterion.code,
                }
                for r in findings
            ],
        },
        status=201 if created else 200,
    )


@login_required
@require_GET
def submission_page(request, pk):
    try:
        sub = selectors.submission_detail(request.user, pk)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    scope = scope_for(request.user)
    results = selectors.submission_results(sub)
    if not (
        scope.is_office
        or scope.is_leader
        or selectors.rounds_visible_to(scope).filter(pk=sub.round_id).exists()
    ):
        results = [r for r in results if r.unit_id in scope.unit_ids]
    return render(request, "inspections/submission.html", {"sub": sub, "results": results})


@login_required
@require_GET
def case_checklist(request, case_id):
    """From a case opened by an inspection to its checklist, at the failed criterion's row
    (the case page links here); 404 when the case has no finding or the checklist is not
    the user's to read."""
    try:
        finding = selectors.case_finding(request.user, case_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    url = reverse("inspections:submission", args=[finding.result.submission_id])
    return redirect(f"{url}#result-{finding.result_id}")


@login_required
@require_GET
def round_report(request, pk):
    rnd = _round(request.user, pk)
    return render(
        request,
        "inspections/report.html",
        {"round": rnd, "report": selectors.round_report(rnd)},
    )


@login_required
@require_GET
def standard(request):
    versions = list(StandardVersion.objects.all())
    chosen = request.GET.get("version")
    version = None
    if chosen and chosen.isdigit():
        version = next((v for v in versions if v.pk == int(chosen)), None)
    version = version or services.current_version()
    items, criteria = [], {}
    if version is not None:
        items = list(StandardItem.objects.filter(version=version).order_by("level", "seq"))
        for c in (
            Criterion.objects.filter(version=version)
            .select_related("category")
            .prefetch_related("point_types")
            .order_by("seq")
        ):
            criteria.setdefault(c.item_id, []).append(c)
    projects = [i for i in items if i.level == StandardItem.Level.PROJECT]
    contents = [i for i in items if i.level == StandardItem.Level.CONTENT]
    tree = [
        {
            "project": p,
            "contents": [
                {"content": c, "criteria": criteria.get(c.pk, [])}
                for c in contents
                if c.parent_id == p.pk
            ],
        }
        for p in projects
    ]
    return render(
        request,
        "inspections/standard.html",
        {
            "versions": versions,
            "version": version,
            "tree": tree,
            "is_office": scope_for(request.user).is_office,
        },
    )


@login_required
@require_GET
def points(request):
    qs = (
        selectors.points_visible_to(request.user)
        .select_related("point_type", "supervision_grid", "community")
        .prefetch_related("point_units__unit", "point_units__category")
        .order_by("code")
    )
    grid = request.GET.get("supervision_grid") or ""
    ptype = request.GET.get("point_type") or ""
    if _db_id(grid):
        qs = qs.filter(supervision_grid_id=_db_id(grid))
    if _db_id(ptype):
        qs = qs.filter(point_type_id=_db_id(ptype))
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/points.html",
        {
            "page": page,
            "grids": SupervisionGrid.objects.order_by("code").only("id", "name"),
            "types": PointType.objects.all(),
            "grid": grid,
            "ptype": ptype,
            "is_office": scope_for(request.user).is_office,
        },
    )


@login_required
@require_GET
def my_results(request):
    return render(
        request, "inspections/my_results.html", {"results": selectors.unit_results(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_file(request, what):
    """Office upload of a standard (``what="standard"``) or point file; the validation
    report lists every problem and nothing is imported when there is one."""
    if what not in ("standard", "points"):
        raise Http404
    if not scope_for(request.user).is_office:
        return render(request, "inspections/forbidden.html", status=403)
    form = ImportForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "what": what}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{suffix if suffix in ('.csv', '.xlsx') else '.bin'}"
                with open(path, "wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                table = read_table(path)
                if what == "standard":
                    services.point_types_load(request.user)
                    version = services.standard_import(
                        request.user,
                        table,
                        code=form.cleaned_data["code"],
                        name=form.cleaned_data["name"],
                        imported_from=upload.name,
                    )
                    return redirect(f"{reverse('inspections:standard')}?version={version.pk}")
                counts = services.points_import(request.user, table, source_name=upload.name)
                ctx["done"] = counts
        except ApplicationError as exc:
            ctx["error"] = exc.message
            ctx["problems"] = exc.detail.get("problems", [])
            return render(request, "inspections/import.html", ctx, status=400)
    if request.method == "POST":  # the form is invalid (no file, an empty file ...)
        return render(request, "inspections/import.html", ctx, status=400)
    return render(request, "inspections/import.html", ctx)
