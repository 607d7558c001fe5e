"""Pages of citizen reporting (随手拍, no login) and of the office's triage.

Views translate HTTP to :mod:`wenming.public.services` and :mod:`wenming.public.selectors`.
A refused submission re-renders the form with the message and everything typed (photos
must be chosen again: browsers never refill a file input), with the error's HTTP status
(400, 409, 429).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.cases.selectors import cases_visible_to
from wenming.core.datum import from_wgs84, normalize_datum, to_wgs84, transform_geometry_from_wgs84
from wenming.core.errors import ApplicationError
from wenming.geo.locate import validate_point
from wenming.geo.models import Region
from wenming.taxonomy.models import Category

from . import selectors, services
from .models import PublicReport, PublicReportPhoto
from .services import DESCRIPTION_MAX_WEB, PHOTO_MAX_WEB
from .statuses import TRIAGE_EVENT_WORDS
from .suggest import suggest_category


def client_ip(request) -> str:
    """The requester's address: ``REMOTE_ADDR``, or the header named by
    ``WENMING_PUBLIC_IP_HEADER`` (e.g. ``HTTP_X_REAL_IP``) when a trusted proxy sets it."""
    header = getattr(settings, "WENMING_PUBLIC_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _categories() -> list[dict]:
    """Active leaf categories grouped by parent name, for the citizen's select."""
    rows = (
        Category.objects.filter(is_active=True)
        .exclude(children__is_active=True)
        .distinct()
        .order_by("parent__code", "code")
        .values("id", "code", "name", "pinyin_initials", "parent__name")
    )
    groups: dict[str, list] = {}
    for r in rows:
        groups.setdefault(r["parent__name"] or "", []).append(r)
    return [{"name": name, "categories": cats} for name, cats in groups.items()]


def _map_data() -> dict:
    datum = settings.WENMING_MAP_TILE_DATUM
    city = Region.objects.filter(code=settings.WENMING_CITY_CODE).only("boundary").first()
    return {
        "tile_url": settings.WENMING_MAP_TILE_URL,
        "attribution": settings.WENMING_MAP_ATTRIBUTION,
        "datum": datum,
        "outline": transform_geometry_from_wgs84(city.boundary, datum)
        if city and city.boundary
        else None,
    }


def _form_context(values: dict, error: ApplicationError | None = None) -> dict:
    return {
        "values": values,
        "error": error,
        "error_field": (error.detail or {}).get("field", "") if error else "",
        "groups": _categories(),
        "map": _map_data(),
        "description_max": DESCRIPTION_MAX_WEB,
        "photo_max": PHOTO_MAX_WEB,
    }


@require_http_methods(["GET", "POST"])
def report_form(request):
    """The citizen's form (GET) and its submission (POST → the status page of the code)."""
    if request.method == "GET":
        values = {"idempotency_key": uuid.uuid4().hex, "coord_system": "wgs84"}
        return render(request, "public/report_form.html", _form_context(values))
    post = request.POST
    values = {
        k: post.get(k, "")
        for k in (
            "description",
            "lat",
            "lon",
            "coord_system",
            "category_id",
            "phone",
            "address",
            "idempotency_key",
        )
    }
    try:
        submitted = services.public_report_submit(
            description=values["description"],
            lat=values["lat"] or None,
            lon=values["lon"] or None,
            coord_system=values["coord_system"] or "wgs84",
            category_id=values["category_id"] or None,
            phone=values["phone"],
            address=values["address"],
            photos=request.FILES.getlist("photos"),
            idempotency_key=values["idempotency_key"],
            client_ip=client_ip(request),
        )
    except ApplicationError as exc:
        if exc.code == "idempotency_conflict":
            # Sending this page again would meet the same key: give the form a new one.
            values["idempotency_key"] = uuid.uuid4().hex
        values["description"] = values["description"].replace("\x00", "")
        values["had_photos"] = bool(request.FILES.getlist("photos"))
        return _retry_after(
            render(
                request, "public/report_form.html", _form_context(values, exc), status=exc.status
            ),
            exc,
        )
    return redirect(reverse("public:track", args=[submitted.report.code]) + "?new=1")


def _retry_after(response, exc: ApplicationError):
    """A 429 says when to come back in ``Retry-After`` (seconds, RFC 9110 §10.2.3) as well
    as in its text, for phones' HTTP stacks and proxies that honour it."""
    if response.status_code == 429 and "retry_after" in (exc.detail or {}):
        response["Retry-After"] = str(exc.detail["retry_after"])
    return response


@require_GET
def track_lookup(request):
    """The form to type a tracking code; a code in the query goes to its page."""
    code = selectors.normalize_code(request.GET.get("code", ""))
    error = ""
    if code:
        try:
            report = selectors.report_by_code(code)
            return redirect("public:track", code=report.code)
        except ApplicationError:
            error = _("No report has this tracking code. Check the code and try again.")
    return render(
        request,
        "public/track_lookup.html",
        {"code": request.GET.get("code", ""), "error": error},
        status=404 if error else 200,
    )


@require_GET
def track(request, code):
    """The status page of a report: its own content and the public timeline."""
    try:
        report = selectors.report_by_code(code)
    except ApplicationError:
        raise Http404 from None
    status = selectors.public_status(report)
    return render(
        request,
        "public/track.html",
        {
            "report": report,
            "status": status,
            "photos": list(report.photos.all()),
            "new": request.GET.get("new") == "1",
        },
    )


@require_GET
def photo(request, code, photo_id, size):
    """A photo of a report, for whoever holds its code (the office uses the same URL)."""
    try:
        report = selectors.report_by_code(code)
    except ApplicationError:
        raise Http404 from None
    row = PublicReportPhoto.objects.filter(report=report, pk=photo_id).first()
    if row is None:
        raise Http404
    field = row.thumbnail if size == "thumb" and row.thumbnail else row.image
    response = FileResponse(field.open("rb"), content_type=_content_type(field.name))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _content_type(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"


@require_GET
def suggest(request):
    """JSON ``{"id", "code", "name"}`` of the category suggested for ``text`` (or ``{}``)."""
    text = request.GET.get("text", "")[:DESCRIPTION_MAX_WEB].replace("\x00", "")
    s = suggest_category(text)
    return JsonResponse({"id": s.category_id, "code": s.code, "name": s.name} if s else {})


@require_GET
def nearby(request):
    """HTML fragment: open cases of the category within 50 m, reported in the last 7 days."""
    cases: list = []
    try:
        lat, lon = validate_point(request.GET.get("lat"), request.GET.get("lon"))
        datum = normalize_datum(request.GET.get("coord_system") or "wgs84")
        w_lon, w_lat = to_wgs84(lon, lat, datum)
        cat = request.GET.get("category_id", "")
        if cat.isdigit():
            cases = selectors.nearby_open_cases(w_lat, w_lon, int(cat))
    except (ApplicationError, ValueError):
        cases = []
    return render(
        request,
        "public/_nearby.html",
        {"cases": cases, "radius_m": int(selectors.NEARBY_RADIUS_M), "days": selectors.NEARBY_DAYS},
    )


@require_POST
def support(request, case_id):
    """Add "+1" to a case; htmx gets the item's new text, a plain post a small page."""
    try:
        result = services.public_support_add(
            case_id, phone=request.POST.get("phone", ""), client_ip=client_ip(request)
        )
    except ApplicationError as exc:
        return _retry_after(
            render(
                request,
                "public/_supported.html",
                {"error": exc.message},
                status=exc.status if not _is_htmx(request) else 200,
            ),
            exc,
        )
    return render(request, "public/_supported.html", {"result": result})


# --- the office's triage --------------------------------------------------------------------


@login_required
@require_GET
def triage_list(request):
    """The office's queue of citizen reports (pending first-come, or decided ones)."""
    status = request.GET.get("status", "pending")
    try:
        reports = list(selectors.reports_for_triage(request.user, status)[:200])
    except ApplicationError as exc:
        return render(request, "public/forbidden.html", {"message": exc.message}, status=exc.status)
    return render(
        request,
        "public/triage_list.html",
        {"reports": reports, "status": status, "statuses": PublicReport.Status.choices},
    )


def _triage_context(request, report: PublicReport, error=None, form=None) -> dict:
    candidates = []
    if report.lat is not None:
        for cat_id in {report.category_id, report.suggested_category_id} - {None}:
            candidates += selectors.nearby_open_cases(report.lat, report.lon, cat_id, limit=10)
    datum = settings.WENMING_MAP_TILE_DATUM
    point = None
    if report.lat is not None:
        p_lon, p_lat = from_wgs84(report.lon, report.lat, datum)
        point = [p_lat, p_lon]
    return {
        "report": report,
        "photos": list(report.photos.all()),
        "groups": _categories(),
        "candidates": candidates,
        "error": error,
        "form": form or {},
        "map": {**_map_data(), "point": point, "shapes": []},
        "events": _labelled(report.events.select_related("actor")),
        "proposed_unit": (
            selectors.proposed_unit(report)
            if report.status == PublicReport.Status.PENDING
            else None
        ),
        # Before accepting, the office sees where the point falls, as the case page shows it.
        "place": selectors.place(report),
        # Kept once this report is accepted: the office then opens the others and merges them
        # into the case it became.
        "pending_nearby": (
            selectors.nearby_pending_reports(report)
            if report.status in (PublicReport.Status.PENDING, PublicReport.Status.ACCEPTED)
            else []
        ),
    }


def _labelled(events) -> list:
    """The report's triage events, each with ``action_label``: the office's words for its
    action (statuses.TRIAGE_EVENT_WORDS), never the raw English action name."""
    rows = list(events)
    for e in rows:
        e.action_label = TRIAGE_EVENT_WORDS.get(e.action, e.action)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def triage_detail(request, pk):
    """One report for the office: accept (optionally dispatch), reject with a reason, or
    merge into an open case (chosen from nearby ones or by case number)."""
    try:
        selectors.reports_for_triage(request.user, "pending")  # the office check (403)
    except ApplicationError as exc:
        return render(request, "public/forbidden.html", {"message": exc.message}, status=exc.status)
    report = (
        PublicReport.objects.select_related("category", "suggested_category", "case")
        .prefetch_related(Prefetch("photos"))
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    if request.method == "GET":
        return render(request, "public/triage_detail.html", _triage_context(request, report))
    action = request.POST.get("action")
    form = request.POST.dict()
    try:
        if action == "accept":
            services.public_report_accept(
                request.user,
                report.pk,
                category_id=request.POST.get("category_id") or None,
                title=request.POST.get("title", ""),
                lat=request.POST.get("lat") or None,
                lon=request.POST.get("lon") or None,
                coord_system=request.POST.get("coord_system") or "wgs84",
                dispatch=request.POST.get("dispatch") == "1",
                note=request.POST.get("note", ""),
            )
        elif action == "reject":
            services.public_report_reject(
                request.user, report.pk, reason=request.POST.get("reason", "")
            )
        elif action == "merge":
            case_id = request.POST.get("case_id", "")
            number = request.POST.get("case_number", "").strip()
            if not (case_id or number):
                raise ApplicationError(
                    "required",
                    _("Choose a case to merge into, or enter its number."),
                    detail={"field": "case_id"},
                )
            if number and not case_id:
                case_id = (
                    cases_visible_to(request.user)
                    .filter(number=number)
                    .values_list("id", flat=True)
                    .first()
                    or ""
                )
            services.public_report_merge(
                request.user, report.pk, case_id=case_id, note=request.POST.get("note", "")
            )
        else:
            raise ApplicationError("invalid_action", _("Unknown action."))
    except ApplicationError as exc:
        report.refresh_from_db()
        return render(
            request,
            "public/triage_detail.html",
            _triage_context(request, report, error=exc, form=form),
            status=exc.status,
        )
    return redirect("public:triage_detail", pk=report.pk)
