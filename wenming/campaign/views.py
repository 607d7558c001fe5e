"""Pages of the campaign app: overview, plans and tasks, occurrences with evidence and review,
the per-criterion evidence folder, units' own plans, pairing and activities.

Views translate HTTP to the services and selectors and hold no business rules. A refused
form re-renders the page with the message and the user's input (HTTP 400, or the service's
403/404/409).
"""

from __future__ import annotations

import tempfile
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.errors import ApplicationError
from wenming.geo.models import Region
from wenming.org.models import Unit
from wenming.org.scope import scope_for

from . import selectors, services
from .evidence import CONTENT_TYPES, EXTENSIONS
from .export import write_criterion_zip
from .models import Activity, CampaignEvent, EvidenceKind, Frequency, Occurrence, Registration

PAGE = 200


EVENT_LABELS = {
    "occurrence_submit": gettext_lazy("reported progress for review"),
    "occurrence_accept": pgettext_lazy("review event", "accepted"),
    "occurrence_return": pgettext_lazy("review event", "returned"),
    "evidence_delete": gettext_lazy("removed a file"),
}


def _scope_or_404(request):
    scope = scope_for(request.user)
    if not selectors.can_see_campaign(scope):
        raise Http404
    return scope


def _status(e: ApplicationError) -> int:
    return e.status if e.status in (403, 404, 409) else 400


def _int(value) -> int | None:
    """``value`` as an id or number in 0 … 2**63 − 1 (what the database can hold), else None."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= services.MAX_PK else None


def _decorate(occurrences, today):
    for o in occurrences:
        o.overdue = selectors.is_overdue(o, today)
        o.overdue_days = (today - o.due).days if o.overdue else 0
    return occurrences


# --- overview and plans -----------------------------------------------------------------------


@login_required
@require_GET
def overview(request):
    scope = _scope_or_404(request)
    if not selectors.sees_all(scope):
        return redirect("campaign:occurrences")
    today = timezone.localdate()
    return render(
        request,
        "campaign/overview.html",
        {
            "rows": selectors.overview(scope, today),
            "plans": selectors.plans_visible_to(scope),
            "scope": scope,
            "today": today,
        },
    )


def _plan_form_values(post) -> dict:
    return {k: post.get(k, "") for k in ("title", "start_year", "end_year", "note")}


@login_required
@require_POST
def plan_create(request):
    scope = _scope_or_404(request)
    values = _plan_form_values(request.POST)
    try:
        plan = services.plan_create(request.user, **values)
    except ApplicationError as e:
        ctx = {
            "rows": selectors.overview(scope),
            "plans": selectors.plans_visible_to(scope),
            "scope": scope,
            "plan_error": e.message,
            "plan_values": values,
        }
        return render(request, "campaign/overview.html", ctx, status=_status(e))
    return redirect("campaign:plan", plan.pk)


@login_required
@require_POST
def plan_import(request):
    scope = _scope_or_404(request)
    file = request.FILES.get("file")
    try:
        if file is None:
            raise ApplicationError("required", _("Choose a file."), detail={"field": "file"})
        result = services.plan_import(request.user, file)
    except ApplicationError as e:
        ctx = {
            "rows": selectors.overview(scope),
            "plans": selectors.plans_visible_to(scope),
            "scope": scope,
            "import_error": e.message,
            "import_problems": e.detail.get("errors", []),
        }
        return render(request, "campaign/overview.html", ctx, status=_status(e))
    return redirect(reverse("campaign:plan", args=[result.plan.pk]) + "?imported=1")


def _task_choices():
    return {
        "units": Unit.objects.filter(is_active=True).only("pk", "name", "code"),
        "frequencies": Frequency.choices,
        "evidence_kinds": EvidenceKind.choices,
        "criteria": _criteria_choices(),
    }


def _criteria_choices():
    from wenming.inspections.models import Criterion

    return Criterion.objects.filter(version__is_current=True).only("pk", "code", "text")


@login_required
@require_GET
def plan_detail(request, plan_id: int, *, error=None, values=None, status=200):
    scope = _scope_or_404(request)
    plan = selectors.plans_visible_to(scope).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    tasks = (
        selectors.tasks_visible_to(scope)
        .filter(plan=plan)
        .select_related("lead_unit")
        .prefetch_related("cooperating_units", "criteria")
    )
    ctx = {
        "plan": plan,
        "tasks": tasks,
        "evaluations": plan.evaluations.all(),
        "scope": scope,
        "error": error,
        "values": values or {},
        "v": _task_values(post=values)
        if values is not None and values.get("action") == "task"
        else _task_values(),
        "imported": request.GET.get("imported"),
    }
    if scope.is_office:
        ctx.update(_task_choices())
    return render(request, "campaign/plan.html", ctx, status=status)


def _task_values(task=None, post=None) -> dict:
    """The task form's values: from a POST being re-shown, from a task, or empty."""
    if post is not None:
        return {
            "code": post.get("code", ""),
            "title": post.get("title", ""),
            "description": post.get("description", ""),
            "lead_unit": post.get("lead_unit", ""),
            "cooperating": post.getlist("cooperating_units"),
            "frequency": post.get("frequency", ""),
            "deadline": post.get("deadline", ""),
            "due_day": post.get("due_day", ""),
            "criteria": post.getlist("criteria"),
            "kinds": post.getlist("evidence_kinds"),
            "evidence_note": post.get("evidence_note", ""),
        }
    if task is None:
        return {"frequency": "once", "kinds": ["documents"], "cooperating": [], "criteria": []}
    return {
        "code": task.code,
        "title": task.title,
        "description": task.description,
        "lead_unit": str(task.lead_unit_id),
        "cooperating": [str(u.pk) for u in task.cooperating_units.all()],
        "frequency": task.frequency,
        "deadline": task.deadline.isoformat() if task.deadline else "",
        "due_day": "" if task.due_day is None else task.due_day,
        "criteria": [str(c.pk) for c in task.criteria.all()],
        "kinds": task.evidence_kinds,
        "evidence_note": task.evidence_note,
    }


def _task_fields(post) -> dict:
    return {
        "code": post.get("code", ""),
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "lead_unit_id": post.get("lead_unit", ""),
        "cooperating_unit_ids": post.getlist("cooperating_units"),
        "frequency": post.get("frequency", ""),
        "deadline": post.get("deadline", ""),
        "due_day": post.get("due_day", ""),
        "criterion_ids": post.getlist("criteria"),
        "evidence_kinds": post.getlist("evidence_kinds"),
        "evidence_note": post.get("evidence_note", ""),
    }


@login_required
@require_POST
def plan_action(request, plan_id: int):
    """One POST endpoint per plan for the office's forms: ``action`` = ``task``,
    ``evaluation``, ``generate``."""
    _scope_or_404(request)
    action = request.POST.get("action")
    try:
        if action == "task":
            task = services.task_create(request.user, plan_id, **_task_fields(request.POST))
            return redirect("campaign:task", task.pk)
        if action == "evaluation":
            services.evaluation_add(
                request.user,
                plan_id,
                name=request.POST.get("name", ""),
                date_value=request.POST.get("date", ""),
            )
        elif action == "remove_evaluation":
            services.evaluation_remove(request.user, request.POST.get("evaluation"))
        elif action == "update":
            services.plan_update(request.user, plan_id, **_plan_form_values(request.POST))
        elif action == "generate":
            services.occurrences_generate(request.user, plan_id)
        else:
            raise ApplicationError("invalid_action", _("Unknown action."))
    except ApplicationError as e:
        if e.status == 404:
            raise Http404 from None
        request.method = "GET"
        return plan_detail(
            request, plan_id, error=e.message, values=request.POST, status=_status(e)
        )
    return redirect("campaign:plan", plan_id)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, task_id: int):
    scope = _scope_or_404(request)
    task = (
        selectors.tasks_visible_to(scope)
        .select_related("plan", "lead_unit")
        .prefetch_related("cooperating_units", "criteria")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    error, values, status = None, None, 200
    if request.method == "POST":
        try:
            services.task_update(request.user, task.pk, **_task_fields(request.POST))
            return redirect("campaign:task", task.pk)
        except ApplicationError as e:
            error, values, status = e.message, request.POST, _status(e)
    today = timezone.localdate()
    occurrences = _decorate(list(task.occurrences.all()), today)
    ctx = {
        "task": task,
        "occurrences": occurrences,
        "scope": scope,
        "error": error,
        "v": _task_values(post=values) if values is not None else _task_values(task),
    }
    if scope.is_office:
        ctx.update(_task_choices())
    return render(request, "campaign/task.html", ctx, status=status)


# --- occurrences ------------------------------------------------------------------------------


@login_required
@require_GET
def occurrences(request):
    scope = _scope_or_404(request)
    today = timezone.localdate()
    qs = selectors.occurrences_visible_to(scope).select_related("task", "task__lead_unit")
    unit_id = _int(request.GET.get("unit"))
    if unit_id:
        qs = qs.filter(task__lead_unit_id=unit_id)
    show = request.GET.get("show", "todo")
    if show == "overdue":
        qs = qs.filter(status__in=selectors.UNFINISHED, due__lt=today)
    elif show == "waiting":
        qs = qs.filter(status=Occurrence.Status.SUBMITTED)
    elif show == "todo":
        qs = qs.filter(
            status__in=[*selectors.UNFINISHED, Occurrence.Status.SUBMITTED],
            due__lte=today + timedelta(days=60),
        )
    elif show != "all":
        show = "todo"
    total = qs.count()
    rows = _decorate(list(qs.order_by("due", "pk")[:PAGE]), today)
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    return render(
        request,
        "campaign/occurrences.html",
        {"rows": rows, "total": total, "show": show, "unit": unit, "scope": scope, "page": PAGE},
    )


def _occurrence_context(request, scope, occ_id):
    occ = (
        selectors.occurrences_visible_to(scope)
        .select_related("task", "task__lead_unit", "task__plan", "submitted_by", "reviewed_by")
        .filter(pk=occ_id)
        .first()
    )
    if occ is None:
        raise Http404
    today = timezone.localdate()
    _decorate([occ], today)
    return {
        "occ": occ,
        "evidence": list(occ.evidence.all()),
        "scope": scope,
        "can_submit": occ.task.lead_unit_id in scope.unit_ids
        and occ.status in selectors.UNFINISHED,
        "can_review": scope.is_office and occ.status == Occurrence.Status.SUBMITTED,
        "events": [
            (e, EVENT_LABELS.get(e.action, e.action))
            for e in CampaignEvent.objects.filter(
                object_type="occurrence", object_id=occ.pk
            ).select_related("actor")
        ],
    }


@login_required
@require_GET
def occurrence_detail(request, occurrence_id: int):
    scope = _scope_or_404(request)
    return render(
        request, "campaign/occurrence.html", _occurrence_context(request, scope, occurrence_id)
    )


def _on_occurrence(request, occurrence_id: int, error_key: str, action, *, keep_values=True):
    """Run ``action`` (a service call on the occurrence) and go back to the occurrence's page;
    a refusal re-renders that page with the message under ``error_key`` and, with
    ``keep_values``, what was typed (404 stays a 404)."""
    scope = _scope_or_404(request)
    try:
        action()
    except ApplicationError as e:
        if e.status == 404:
            raise Http404 from None
        ctx = _occurrence_context(request, scope, occurrence_id)
        ctx[error_key] = e.message
        if keep_values:
            ctx["values"] = request.POST
        return render(request, "campaign/occurrence.html", ctx, status=_status(e))
    return redirect("campaign:occurrence", occurrence_id)


@login_required
@require_POST
def occurrence_submit(request, occurrence_id: int):
    return _on_occurrence(
        request,
        occurrence_id,
        "submit_error",
        lambda: services.occurrence_submit(
            request.user,
            occurrence_id,
            progress=request.POST.get("progress", ""),
            figures=request.POST.get("figures", ""),
            files=request.FILES.getlist("files"),
            expected_version=request.POST.get("version"),
        ),
    )


@login_required
@require_POST
def evidence_delete(request, evidence_id: int):
    scope = _scope_or_404(request)
    ev = selectors.evidence_visible_to(scope).filter(pk=evidence_id).only("occurrence_id").first()
    if ev is None:
        raise Http404
    return _on_occurrence(
        request,
        ev.occurrence_id,
        "submit_error",
        lambda: services.evidence_delete(request.user, evidence_id),
        keep_values=False,
    )


@login_required
@require_POST
def occurrence_review(request, occurrence_id: int):
    return _on_occurrence(
        request,
        occurrence_id,
        "review_error",
        lambda: services.occurrence_review(
            request.user,
            occurrence_id,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
            expected_version=request.POST.get("version"),
        ),
    )


@login_required
@require_GET
def evidence_file(request, evidence_id: int):
    scope = _scope_or_404(request)
    ev = selectors.evidence_visible_to(scope).filter(pk=evidence_id).first()
    if ev is None:
        raise Http404
    thumb = request.GET.get("thumb") and ev.thumbnail
    field = ev.thumbnail if thumb else ev.file
    name = ev.original_name or f"evidence-{ev.pk}.{EXTENSIONS[ev.format]}"
    response = FileResponse(
        field.open("rb"),
        content_type="image/jpeg" if thumb else CONTENT_TYPES[ev.format],
        as_attachment=not thumb and ev.format not in ("pdf", "jpeg", "png"),
        filename=name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


# --- per-criterion evidence folder ------------------------------------------------------------


def _criterion(criterion_id):
    from wenming.inspections.models import Criterion

    criterion = Criterion.objects.filter(pk=criterion_id).select_related("item").first()
    if criterion is None:
        raise Http404
    return criterion


@login_required
@require_GET
def criteria(request):
    scope = _scope_or_404(request)
    from django.db.models import Count, Q

    from wenming.inspections.models import Criterion

    rows = (
        Criterion.objects.filter(campaign_tasks__in=selectors.tasks_visible_to(scope))
        .annotate(
            accepted=Count(
                "campaign_tasks__occurrences__evidence",
                filter=Q(campaign_tasks__occurrences__evidence__status="accepted"),
                distinct=True,
            ),
            tasks=Count("campaign_tasks", distinct=True),
        )
        .order_by("version", "seq", "pk")
    )
    return render(request, "campaign/criteria.html", {"rows": rows, "scope": scope})


@login_required
@require_GET
def criterion_folder(request, criterion_id: int):
    scope = _scope_or_404(request)
    criterion = _criterion(criterion_id)
    rows = list(selectors.criterion_evidence(scope, criterion.pk))
    return render(
        request,
        "campaign/criterion.html",
        {"criterion": criterion, "rows": rows, "scope": scope},
    )


@login_required
@require_GET
def criterion_zip(request, criterion_id: int):
    scope = _scope_or_404(request)
    criterion = _criterion(criterion_id)
    # Spooled to a temporary file: a folder can hold hundreds of megabytes of evidence.
    buffer = tempfile.TemporaryFile()
    try:
        write_criterion_zip(buffer, criterion, selectors.criterion_evidence(scope, criterion.pk))
    except BaseException:
        buffer.close()
        raise
    buffer.seek(0)
    return FileResponse(
        buffer,
        content_type="application/zip",
        as_attachment=True,
        filename=f"criterion-{criterion.code}.zip",
    )


# --- units' own plans -------------------------------------------------------------------------


@login_required
@require_GET
def unit_plans(request):
    scope = _scope_or_404(request)
    rows = selectors.unit_plans_visible_to(scope).select_related("unit").prefetch_related("members")
    units = (
        Unit.objects.filter(is_active=True)
        if scope.is_office
        else Unit.objects.filter(pk__in=scope.unit_ids)
    )
    return render(
        request,
        "campaign/unit_plans.html",
        {"rows": rows, "units": units, "scope": scope, "year": timezone.localdate().year},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_plan_edit(request):
    scope = _scope_or_404(request)
    source = request.POST if request.method == "POST" else request.GET
    unit_id, year = _int(source.get("unit")), _int(source.get("year")) or timezone.localdate().year
    if unit_id is None or not (scope.is_office or unit_id in scope.unit_ids):
        raise Http404
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    error, status = None, 200
    existing = selectors.unit_plans_visible_to(scope).filter(unit=unit, year=year).first()
    if request.method == "POST":
        members = [
            {"name": n, "position": p, "role": r}
            for n, p, r in zip(
                request.POST.getlist("member_name"),
                request.POST.getlist("member_position"),
                request.POST.getlist("member_role"),
                strict=False,
            )
        ]
        try:
            services.unit_plan_save(
                request.user,
                unit_id=unit_id,
                year=request.POST.get("year"),
                title=request.POST.get("title", ""),
                division_of_work=request.POST.get("division_of_work", ""),
                contact_name=request.POST.get("contact_name", ""),
                contact_phone=request.POST.get("contact_phone", ""),
                members=members,
            )
            return redirect("campaign:unit_plans")
        except ApplicationError as e:
            error, status = e.message, _status(e)
        values = request.POST
        member_rows = members
    else:
        values = {
            "year": year,
            "title": existing.title if existing else f"{unit.name}{year}年度文明创建工作计划",
            "division_of_work": existing.division_of_work if existing else "",
            "contact_name": existing.contact_name if existing else "",
            "contact_phone": existing.contact_phone if existing else "",
        }
        member_rows = (
            [
                {"name": m.name, "position": m.position, "role": m.role}
                for m in existing.members.all()
            ]
            if existing
            else []
        )
    member_rows = list(member_rows) + [{"name": "", "position": "", "role": ""}] * 3
    return render(
        request,
        "campaign/unit_plan_edit.html",
        {"unit": unit, "values": values, "members": member_rows, "error": error, "scope": scope},
        status=status,
    )


# --- pairing ----------------------------------------------------------------------------------


def _pairings_context(scope, **extra):
    pairings = (
        selectors.pairings_visible_to(scope)
        .select_related("unit", "community")
        .order_by("unit__code", "community__code")
    )
    from django.db.models import Count, Sum

    pairings = pairings.annotate(
        n_activities=Count("activities", distinct=True),
        n_participants=Sum("activities__participants"),
    )
    registrations = Registration.objects.select_related("unit", "community")
    if not selectors.sees_all(scope):
        registrations = registrations.filter(unit_id__in=scope.unit_ids)
    ctx = {"pairings": pairings, "registrations": registrations, "scope": scope}
    if scope.is_office:
        ctx["units"] = Unit.objects.filter(is_active=True)
        ctx["communities"] = Region.objects.filter(level=Region.Level.COMMUNITY)
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def pairings(request):
    scope = _scope_or_404(request)
    return render(request, "campaign/pairings.html", _pairings_context(scope))


@login_required
@require_POST
def pairing_create(request):
    scope = _scope_or_404(request)
    try:
        services.pairing_create(
            request.user,
            unit_id=request.POST.get("unit"),
            community_id=request.POST.get("community"),
            since=request.POST.get("since") or None,
        )
    except ApplicationError as e:
        ctx = _pairings_context(scope, pairing_error=e.message, values=request.POST)
        return render(request, "campaign/pairings.html", ctx, status=_status(e))
    return redirect("campaign:pairings")


@login_required
@require_POST
def registrations_import(request):
    scope = _scope_or_404(request)
    try:
        file = request.FILES.get("file")
        if file is None:
            raise ApplicationError("required", _("Choose a file."), detail={"field": "file"})
        services.registrations_import(request.user, file)
    except ApplicationError as e:
        ctx = _pairings_context(
            scope, import_error=e.message, import_problems=e.detail.get("errors", [])
        )
        return render(request, "campaign/pairings.html", ctx, status=_status(e))
    return redirect("campaign:pairings")


def _pairing_context(scope, pairing_id, **extra):
    pairing = (
        selectors.pairings_visible_to(scope)
        .select_related("unit", "community")
        .filter(pk=pairing_id)
        .first()
    )
    if pairing is None:
        raise Http404
    activities = pairing.activities.prefetch_related("photos")
    ctx = {
        "pairing": pairing,
        "activities": activities,
        "scope": scope,
        "kinds": Activity.Kind.choices,
        "can_record": pairing.is_active and (scope.is_office or pairing.unit_id in scope.unit_ids),
        "today": timezone.localdate(),
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def pairing_detail(request, pairing_id: int):
    scope = _scope_or_404(request)
    return render(request, "campaign/pairing.html", _pairing_context(scope, pairing_id))


@login_required
@require_POST
def pairing_action(request, pairing_id: int):
    scope = _scope_or_404(request)
    action = request.POST.get("action")
    try:
        if action == "activity":
            services.activity_record(
                request.user,
                pairing_id,
                kind=request.POST.get("kind", ""),
                date_value=request.POST.get("date", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                participants=request.POST.get("participants", ""),
                hours=request.POST.get("hours", ""),
                photos=request.FILES.getlist("photos"),
            )
        elif action == "end":
            services.pairing_end(request.user, pairing_id)
        else:
            raise ApplicationError("invalid_action", _("Unknown action."))
    except ApplicationError as e:
        if e.status == 404:
            raise Http404 from None
        ctx = _pairing_context(scope, pairing_id, error=e.message, values=request.POST)
        return render(request, "campaign/pairing.html", ctx, status=_status(e))
    return redirect("campaign:pairing", pairing_id)


@login_required
@require_POST
def activity_offer(request, activity_id: int):
    scope = _scope_or_404(request)
    activity = Activity.objects.filter(pk=activity_id).only("pairing_id", "title").first()
    headline = request.POST.get("headline")
    try:
        item_id = services.activity_offer(request.user, activity_id, headline=headline)
    except ApplicationError as e:
        if e.status == 404 or activity is None:
            raise Http404 from None
        # The headline field is shown for this activity with what was typed (or the title),
        # so a title too long for a headline can be shortened and offered again.
        ctx = _pairing_context(
            scope,
            activity.pairing_id,
            error=e.message,
            offer_id=activity.pk,
            offer_headline=headline if headline is not None else activity.title,
        )
        return render(request, "campaign/pairing.html", ctx, status=_status(e))
    messages.success(
        request, _("A draft of work information was made: check it and submit it to the office.")
    )
    return redirect("briefings:item", pk=item_id)
