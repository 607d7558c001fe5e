"""Pages: the inbox, preferences, the office's delivery log, the 督办单 download and the
office's manual escalation form. Views only parse input and call services/selectors."""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import select_template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.cases import services as case_services
from wenming.cases.selectors import case_detail
from wenming.core.errors import ApplicationError
from wenming.org.scope import scope_for

from . import documents, selectors, services
from .models import MANDATORY_KINDS, Delivery, Kind, UserPreference


def _base_template() -> str:
    """The site's base.html when it exists, else a minimal standalone layout."""
    return select_template(["base.html", "notifications/_standalone.html"]).template.name


def _page(request, template: str, context: dict, status: int = 200):
    context = {"base_template": _base_template(), **context}
    return render(request, template, context, status=status)


def _back(request, default: str):
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = default
    return HttpResponseRedirect(target)


def _not_found(e: ApplicationError):
    if e.status == 404:
        raise Http404(e.message)


@login_required
@require_GET
def inbox(request):
    """The user's notifications, newest first (30 a page), with the unread count."""
    page = Paginator(selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    return _page(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        notification = services.notification_mark_read(request.user, notification_id)
    except ApplicationError as e:
        _not_found(e)
        raise
    if request.POST.get("open") and notification.message.url:
        return HttpResponseRedirect(notification.message.url)
    return _back(request, reverse("notifications:inbox"))


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(request.user)
    return _back(request, reverse("notifications:inbox"))


class PreferenceForm(forms.Form):
    """Parses the preference form; the rules live in services.user_preference_update."""

    muted_kinds = forms.MultipleChoiceField(
        label=_("Mute these types"),
        required=False,
        choices=[(k.value, k.label) for k in Kind if k not in MANDATORY_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.BooleanField(label=_("E-mail"), required=False)
    sms = forms.BooleanField(label=_("SMS"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    digest = forms.BooleanField(
        label=_("Daily digest instead of immediate e-mail/SMS"), required=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    pref = UserPreference.objects.filter(user_id=request.user.pk).first() or UserPreference()
    error = None
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.user_preference_update(request.user, **form.cleaned_data)
                return HttpResponseRedirect(reverse("notifications:preferences") + "?saved=1")
            except ApplicationError as e:
                error, status = e, e.status
        else:
            status = 400
    else:
        form = PreferenceForm(
            initial={
                "muted_kinds": pref.muted_kinds,
                "email": pref.email,
                "sms": pref.sms,
                "phone": pref.phone,
                "digest": pref.digest,
            }
        )
    return _page(
        request,
        "notifications/preferences.html",
        {"form": form, "error": error, "saved": request.GET.get("saved") == "1"},
        status=status,
    )


@login_required
@require_GET
def deliveries(request):
    """The office's log of deliveries and attempts (others: 404)."""
    status = request.GET.get("status") or None
    if status not in (None, *Delivery.Status.values):
        status = None
    try:
        qs = selectors.delivery_log(request.user, status=status)
    except ApplicationError as e:
        _not_found(e)
        raise
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return _page(
        request,
        "notifications/deliveries.html",
        {"page": page, "status": status, "statuses": Delivery.Status.choices},
    )


@login_required
@require_POST
def delivery_retry(request, delivery_id: int):
    try:
        services.delivery_retry(request.user, delivery_id)
    except ApplicationError as e:
        _not_found(e)
        return _page(request, "notifications/error.html", {"error": e}, status=e.status)
    return _back(request, reverse("notifications:deliveries"))


@login_required
@require_GET
def escalation_docx(request, escalation_id: int):
    """Download the 督办单 (DOCX) of an escalation whose case the user can see (else 404)."""
    try:
        escalation = selectors.escalation_for(request.user, escalation_id)
    except ApplicationError as e:
        _not_found(e)
        raise
    return FileResponse(
        io.BytesIO(documents.escalation_docx(escalation)),
        as_attachment=True,
        filename=documents.escalation_filename(escalation),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


class EscalateForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        choices=[(1, _("supervision")), (2, _("listed supervision"))],
    )
    note = forms.CharField(label=_("Reason for supervision"), widget=forms.Textarea, required=False)
    requirements = forms.CharField(label=_("Requirements"), widget=forms.Textarea, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def escalate(request, case_id: int):
    """The office's manual escalation of a case (form; the service decides)."""
    try:
        case = case_detail(request.user, case_id)
    except ApplicationError as e:
        _not_found(e)
        raise
    if not scope_for(request.user).is_office:
        raise Http404
    error, status = None, 200
    if request.method == "POST":
        form = EscalateForm(request.POST)
        if form.is_valid():
            try:
                escalation = case_services.case_escalate(request.user, case.pk, **form.cleaned_data)
                return HttpResponseRedirect(
                    reverse("notifications:escalation_docx", args=[escalation.pk])
                )
            except ApplicationError as e:
                error, status = e, e.status
        else:
            status = 400
    else:
        form = EscalateForm()
    return _page(
        request,
        "notifications/escalate.html",
        {"form": form, "case": case, "error": error},
        status=status,
    )
