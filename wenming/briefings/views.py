"""Pages of work information (信息报送) and briefings (工作简报).

Views translate HTTP to the services and selectors and hold no business rules. A refused
action re-renders its page with the message and everything typed (HTTP 400; 403/404/409 keep
their status).
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.errors import ApplicationError
from wenming.core.photos import accepted_formats, max_photo_count
from wenming.org.models import Unit
from wenming.org.scope import scope_for

from . import documents, selectors, services
from .forms import (
    AcceptForm,
    DataForm,
    ImportForm,
    IssueForm,
    NewIssueForm,
    ReturnForm,
    SeriesForm,
    WorkItemForm,
)
from .models import Issue, RecipientList, WorkItem
from .parse import parse_file

S = WorkItem.Status

EVENT_LABELS = {
    "create": pgettext_lazy("work item event", "created"),
    "update": pgettext_lazy("work item event", "edited"),
    "submit": pgettext_lazy("work item event", "submitted to the office"),
    "accept": pgettext_lazy("work item event", "accepted"),
    "return": pgettext_lazy("work item event", "returned"),
    "publish": pgettext_lazy("work item event", "published in a briefing"),
}


def _status_for(e: ApplicationError) -> int:
    return e.status if e.status in (403, 404, 409) else 400


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for e in errors:
            parts.append(f"{label}：{e}" if label else str(e))
    return "；".join(parts)


# --- overview -----------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    """Work information of my units (unit handlers), the review queue and the waiting pool
    (office), and the issues."""
    scope = scope_for(request.user)
    if not selectors.can_see_briefings(scope):
        raise Http404
    items = selectors.work_items_visible_to(scope)
    ctx = {"scope": scope, "today": timezone.localdate()}
    if scope.is_office:
        ctx["to_review"] = list(items.filter(status=S.SUBMITTED).order_by("submitted_at", "id"))
        ctx["pool"] = list(selectors.accepted_pool(request.user).select_related("unit"))
        ctx["series"] = list(selectors.series_list())
        ctx["drafts"] = list(
            selectors.issues_visible_to(scope)
            .filter(status=Issue.Status.DRAFT)
            .annotate(n=Count("articles"))
            .order_by("-id")
        )
    if scope.unit_ids:
        ctx["mine"] = list(items.filter(unit_id__in=scope.unit_ids).order_by("-id")[:100])
        ctx["my_units"] = list(Unit.objects.filter(pk__in=scope.unit_ids))
    published = selectors.issues_visible_to(scope).filter(status=Issue.Status.PUBLISHED)
    # The latest 50, or every issue of one year (?year=2021): older issues stay reachable.
    ctx["years"] = list(published.order_by("-year").values_list("year", flat=True).distinct())
    year = _int(request.GET.get("year"))
    ctx["year"] = year if year in ctx["years"] else None
    if ctx["year"] is not None:
        published = published.filter(year=ctx["year"])
    ctx["published"] = list(
        published.order_by("-year", "-number", "-id")[: None if ctx["year"] else 50]
    )
    return render(request, "briefings/index.html", ctx)


# --- work information -----------------------------------------------------------------------


def _item_or_404(request, pk) -> WorkItem:
    try:
        return (
            selectors.work_items_visible_to(request.user)
            .prefetch_related("photos")
            .get(pk=selectors.valid_id(pk) or 0)
        )
    except WorkItem.DoesNotExist:
        raise Http404 from None


def _item_form_context(request, form, *, item=None, error=None, units=None):
    return {
        "form": form,
        "item": item,
        "error": error,
        "units": units,
        "photo_formats": "、".join(accepted_formats()),
        "photo_max": max_photo_count(),
        "today": timezone.localdate(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request):
    scope = scope_for(request.user)
    units = list(Unit.objects.filter(pk__in=scope.unit_ids, is_active=True))
    if scope.is_office:
        units = list(Unit.objects.filter(is_active=True).only("id", "name"))
    if not units:
        raise Http404
    if request.method == "GET":
        form = WorkItemForm(initial={"date": timezone.localdate()})
        ctx = _item_form_context(request, form, units=units)
        ctx["unit_id"] = units[0].pk if len(units) == 1 else None
        return render(request, "briefings/item_form.html", ctx)
    form = WorkItemForm(request.POST)
    error = None
    unit_id = request.POST.get("unit") or (units[0].pk if len(units) == 1 else None)
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():  # created and submitted together, or neither
                item = services.work_item_create(
                    request.user,
                    unit=int(unit_id) if str(unit_id).isdigit() else -1,
                    headline=d["headline"],
                    date=d["date"],
                    paragraphs=services.paragraphs_from_text(d["body"]),
                    photos=request.FILES.getlist("photos"),
                )
                if request.POST.get("op") == "submit":
                    services.work_item_submit(request.user, item.pk)
        except ApplicationError as e:
            error = e.message
        else:
            return redirect("briefings:item", pk=item.pk)
    else:
        error = _form_errors(form)
    ctx = _item_form_context(request, form, units=units, error=error)
    ctx["unit_id"] = int(unit_id) if str(unit_id or "").isdigit() else None
    return render(request, "briefings/item_form.html", ctx, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = _item_or_404(request, pk)
    if request.method == "GET":
        scope = scope_for(request.user)
        if not (scope.is_office or item.unit_id in scope.unit_ids):
            # Leaders see the item but may not change it: no form they cannot send.
            raise PermissionDenied
        if item.status not in (S.DRAFT, S.RETURNED):
            messages.error(request, services.wrong_state_message(item))
            return redirect("briefings:item", pk=item.pk)
        form = WorkItemForm(
            initial={
                "headline": item.headline,
                "date": item.date,
                "body": "\n".join(item.paragraphs),
                "expected_version": item.version,
            }
        )
        return render(
            request, "briefings/item_form.html", _item_form_context(request, form, item=item)
        )
    form = WorkItemForm(request.POST)
    error, status = None, 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():  # saved and submitted together, or neither
                services.work_item_update(
                    request.user,
                    item.pk,
                    headline=d["headline"],
                    date=d["date"],
                    paragraphs=services.paragraphs_from_text(d["body"]),
                    photos=request.FILES.getlist("photos"),
                    expected_version=d["expected_version"],
                )
                if request.POST.get("op") == "submit":
                    services.work_item_submit(request.user, item.pk)
        except ApplicationError as e:
            error, status = e.message, _status_for(e)
        else:
            return redirect("briefings:item", pk=item.pk)
    else:
        error = _form_errors(form)
    return render(
        request,
        "briefings/item_form.html",
        _item_form_context(request, form, item=item, error=error),
        status=status,
    )


def _item_context(request, item, *, accept_form=None, return_form=None, error=None):
    scope = scope_for(request.user)
    unit_side = scope.is_office or item.unit_id in scope.unit_ids
    return {
        "item": item,
        "events": [
            (e, EVENT_LABELS.get(e.action, e.action)) for e in item.events.select_related("actor")
        ],
        "can_edit": unit_side and item.status in (S.DRAFT, S.RETURNED),
        "can_review": scope.is_office and item.status == S.SUBMITTED,
        "can_return_accepted": scope.is_office and item.status == S.ACCEPTED,
        "accept_form": accept_form
        or AcceptForm(
            initial={
                "headline": item.headline,
                "body": "\n".join(item.paragraphs),
                "expected_version": item.version,
            }
        ),
        "return_form": return_form or ReturnForm(initial={"expected_version": item.version}),
        "error": error,
    }


@login_required
@require_GET
def item_detail(request, pk: int):
    item = _item_or_404(request, pk)
    return render(request, "briefings/item.html", _item_context(request, item))


@login_required
@require_POST
def item_action(request, pk: int, action: str):
    item = _item_or_404(request, pk)
    accept_form = return_form = None
    error, status = None, 400
    try:
        if action == "submit":
            services.work_item_submit(
                request.user, item.pk, expected_version=_int(request.POST.get("expected_version"))
            )
        elif action == "accept":
            accept_form = AcceptForm(request.POST)
            if not accept_form.is_valid():
                raise ApplicationError("invalid_input", _form_errors(accept_form))
            d = accept_form.cleaned_data
            services.work_item_accept(
                request.user,
                item.pk,
                headline=d["headline"],
                paragraphs=services.paragraphs_from_text(d["body"]),
                expected_version=d["expected_version"],
            )
        elif action == "return":
            return_form = ReturnForm(request.POST)
            if not return_form.is_valid():
                raise ApplicationError("invalid_input", _form_errors(return_form))
            d = return_form.cleaned_data
            services.work_item_return(
                request.user, item.pk, reason=d["reason"], expected_version=d["expected_version"]
            )
        else:
            raise Http404
    except ApplicationError as e:
        error, status = e.message, _status_for(e)
    else:
        return redirect("briefings:item", pk=item.pk)
    item = _item_or_404(request, pk)
    ctx = _item_context(
        request, item, accept_form=accept_form, return_form=return_form, error=error
    )
    return render(request, "briefings/item.html", ctx, status=status)


def _int(value):
    return selectors.valid_id(value)


# --- series, import -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def series_page(request):
    if not scope_for(request.user).is_office:
        raise Http404
    form = SeriesForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.series_create(request.user, **form.cleaned_data)
            except ApplicationError as e:
                error, status = e.message, _status_for(e)
            else:
                return redirect("briefings:series")
        else:
            error, status = _form_errors(form), 400
    return render(
        request,
        "briefings/series.html",
        {
            "form": form,
            "error": error,
            "series": list(selectors.series_list().annotate(n=Count("issues"))),
            "lists": list(RecipientList.objects.all()),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    if not scope_for(request.user).is_office:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                parsed = parse_file(upload.name, upload.read())
                issue = services.issue_import(request.user, parsed, source_name=upload.name)
            except ApplicationError as e:
                error, status = e.message, _status_for(e)
            else:
                return redirect("briefings:issue", pk=issue.pk)
        else:
            error, status = _form_errors(form), 400
    return render(request, "briefings/import.html", {"form": form, "error": error}, status=status)


# --- issues -------------------------------------------------------------------------------


@login_required
@require_POST
def issue_new(request):
    form = NewIssueForm(request.POST)
    if not scope_for(request.user).is_office:
        raise Http404
    if form.is_valid():
        try:
            issue = services.issue_create(
                request.user, series_id=form.cleaned_data["series"], date=form.cleaned_data["date"]
            )
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            return redirect("briefings:issue", pk=issue.pk)
    else:
        messages.error(request, _form_errors(form))
    return redirect("briefings:index")


def _issue_or_404(request, pk) -> Issue:
    try:
        return selectors.issue_detail(request.user, pk)
    except Issue.DoesNotExist:
        raise Http404 from None


def _compose_context(request, issue, *, form=None, data_form=None, posted=None, error=None):
    articles = list(issue.articles.all())
    if posted is not None:
        for a in articles:
            if f"headline_{a.pk}" in posted:
                a.headline = posted.get(f"headline_{a.pk}", "")
                a.body = posted.get(f"body_{a.pk}", "")
    for a in articles:
        if not hasattr(a, "body"):
            a.body = "\n".join(a.paragraphs)
    start = issue.data_section.get("start") if issue.data_section else None
    return {
        "issue": issue,
        "articles": articles,
        "form": form
        or IssueForm(
            initial={
                "date": issue.date,
                "toc": "\n".join(issue.toc),
                "report_to": issue.report_to,
                "send_to": issue.send_to,
                "copies": issue.copies,
                "expected_version": issue.version,
            }
        ),
        "data_form": data_form
        or DataForm(
            initial={
                "data_start": start or issue.date.replace(day=1),
                "data_end": issue.data_section.get("end") if issue.data_section else issue.date,
            }
        ),
        "pool": list(selectors.accepted_pool(request.user).select_related("unit")),
        "report_lists": list(selectors.recipient_lists("report")),
        "send_lists": list(selectors.recipient_lists("send")),
        "new_headline": (posted or {}).get("new_headline", ""),
        "new_body": (posted or {}).get("new_body", ""),
        "error": error,
        "pdf_available": documents.soffice_path() is not None,
        # A table of contents written before articles were added or removed: warn, since
        # publishing keeps it as it is (only an empty one is generated).
        "toc_mismatch": bool(issue.toc) and len(issue.toc) != len(articles),
    }


@login_required
@require_http_methods(["GET", "POST"])
def issue_page(request, pk: int):
    issue = _issue_or_404(request, pk)
    if issue.status == Issue.Status.PUBLISHED:
        if request.method == "POST":
            return HttpResponse(status=405)
        return render(
            request,
            "briefings/issue.html",
            {
                "issue": issue,
                "doc": documents.document_of(issue),
                "events": list(issue.events.select_related("actor")),
                "corrections": list(issue.corrections.all()),
                "can_correct": scope_for(request.user).is_office,
                "pdf_available": documents.soffice_path() is not None,
            },
        )
    if request.method == "GET":
        return render(request, "briefings/compose.html", _compose_context(request, issue))
    return _compose_post(request, issue)


def _compose_post(request, issue):
    post = request.POST
    op = post.get("op", "save")
    form = IssueForm(post)
    data_form = DataForm(post) if op == "data" else None
    if not form.is_valid():
        ctx = _compose_context(
            request, issue, form=form, data_form=data_form, posted=post, error=_form_errors(form)
        )
        return render(request, "briefings/compose.html", ctx, status=400)
    d = form.cleaned_data
    report_to, send_to = d["report_to"], d["send_to"]
    if op.startswith("apply_report:") or op.startswith("apply_send:"):
        kind, _sep, list_id = op.partition(":")
        tpl = RecipientList.objects.filter(pk=_int(list_id)).first()
        if tpl is not None and kind == "apply_report":
            report_to = tpl.text
        elif tpl is not None:
            send_to = tpl.text
    articles = [
        {
            "id": a_id,
            "headline": post.get(f"headline_{a_id}", ""),
            "paragraphs": services.paragraphs_from_text(post.get(f"body_{a_id}", "")),
        }
        for a_id in post.getlist("article_ids")
    ]
    try:
        # Saving the fields and the chosen operation succeed or fail together: a refused
        # operation must not leave the fields saved under a newer version, or the re-rendered
        # form (which keeps what was typed) would be refused as stale when sent again.
        with transaction.atomic():
            services.issue_update(
                request.user,
                issue.pk,
                date=d["date"],
                toc=[line for line in (d["toc"] or "").splitlines()],
                report_to=report_to,
                send_to=send_to,
                copies=d["copies"],
                articles=articles,
                expected_version=d["expected_version"],
            )
            _compose_op(request, issue, op, post, data_form)
    except ApplicationError as e:
        issue = _issue_or_404(request, issue.pk)
        ctx = _compose_context(
            request, issue, form=form, data_form=data_form, posted=post, error=e.message
        )
        return render(request, "briefings/compose.html", ctx, status=_status_for(e))
    if op == "publish":
        messages.success(request, _("The issue is published."))
    return redirect("briefings:issue", pk=issue.pk)


def _compose_op(request, issue, op: str, post, data_form) -> None:
    user = request.user
    name, _sep, arg = op.partition(":")
    if name in ("up", "down"):
        services.issue_move_article(user, issue.pk, _int(arg), -1 if name == "up" else 1)
    elif name == "remove":
        services.issue_remove_article(user, issue.pk, _int(arg))
    elif name == "add_items":
        services.issue_add_items(user, issue.pk, post.getlist("items"))
    elif name == "add_article":
        services.issue_add_article(
            user,
            issue.pk,
            headline=post.get("new_headline", ""),
            paragraphs=services.paragraphs_from_text(post.get("new_body", "")),
        )
    elif name == "toc":
        services.issue_generate_toc(user, issue.pk)
    elif name == "data":
        if not data_form.is_valid():
            raise ApplicationError("invalid_input", _form_errors(data_form))
        services.issue_fill_data(
            user,
            issue.pk,
            start=data_form.cleaned_data["data_start"],
            end=data_form.cleaned_data["data_end"],
        )
    elif name == "clear_data":
        services.issue_clear_data(user, issue.pk)
    elif name in ("save_report", "save_send"):
        kind = "report" if name == "save_report" else "send"
        services.recipient_list_save(
            user,
            kind=kind,
            name=post.get(f"{kind}_list_name", ""),
            text=post.get("report_to" if kind == "report" else "send_to", ""),
        )
    elif name == "publish":
        services.issue_publish(user, issue.pk)


@login_required
@require_POST
def issue_correct(request, pk: int):
    issue = _issue_or_404(request, pk)
    try:
        new = services.issue_correct(request.user, issue.pk, note=request.POST.get("note", ""))
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("briefings:issue", pk=issue.pk)
    return redirect("briefings:issue", pk=new.pk)


@login_required
@require_GET
def issue_preview(request, pk: int):
    issue = _issue_or_404(request, pk)
    return render(
        request, "briefings/preview.html", {"issue": issue, "doc": documents.document_of(issue)}
    )


@login_required
@require_GET
def issue_docx(request, pk: int):
    issue = _issue_or_404(request, pk)
    return FileResponse(
        io.BytesIO(documents.issue_docx(issue)),
        as_attachment=True,
        filename=documents.filename(issue, "docx"),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@login_required
@require_GET
def issue_pdf(request, pk: int):
    issue = _issue_or_404(request, pk)
    try:
        pdf = documents.docx_to_pdf(documents.issue_docx(issue))
    except ApplicationError as e:
        return render(
            request, "briefings/pdf_unavailable.html", {"issue": issue, "error": e.message},
            status=e.status,
        )  # fmt: skip
    return FileResponse(
        io.BytesIO(pdf),
        as_attachment=True,
        filename=documents.filename(issue, "pdf"),
        content_type="application/pdf",
    )
