"""Scoped reads of notifications: a user's inbox, the office's delivery log, escalations."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from wenming.cases.models import Escalation
from wenming.cases.selectors import cases_visible_to
from wenming.core.errors import NotFound
from wenming.org.scope import scope_for

from .models import Delivery, DeliveryAttempt, Notification


def inbox(user) -> QuerySet[Notification]:
    """The user's notifications, newest first, with their messages."""
    return (
        Notification.objects.filter(user_id=user.pk)
        .select_related("message")
        .order_by("-created_at", "-id")
    )


def unread_count(user) -> int:
    """How many of the user's notifications are unread."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def delivery_log(user, *, status: str | None = None) -> QuerySet[Delivery]:
    """Every delivery with its attempts (office only; others: 404)."""
    if not scope_for(user).is_office:
        raise NotFound("delivery")
    qs = Delivery.objects.select_related("message", "user", "unit_channel__unit").prefetch_related(
        Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number"))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def escalation_for(user, escalation_id) -> Escalation:
    """One escalation whose case the user can see (else 404), with what the 督办单 needs."""
    try:
        return (
            Escalation.objects.filter(case__in=cases_visible_to(user))
            .select_related(
                "case",
                "case__category",
                "case__unit",
                "case__county",
                "case__subdistrict",
                "case__community",
                "case__supervision_grid",
                "unit",
            )
            .get(pk=escalation_id)
        )
    except (Escalation.DoesNotExist, ValueError, TypeError):
        raise NotFound("escalation") from None
