"""Scoped reads of the briefings app.

Who sees what: the office sees everything; leaders see all work information and published
issues; a unit handler sees its units' work information and published issues; any other
account with a role sees published issues. Drafts of issues are the office's only.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from wenming.core.ids import parse_id
from wenming.org.scope import Scope, scope_for

from .models import Article, Issue, RecipientList, Series, WorkItem

valid_id = parse_id  # an id from the user's input, or None (wenming.core.ids)


def _scope(user_or_scope) -> Scope:
    return user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)


def can_see_briefings(scope: Scope) -> bool:
    """Whether the briefings pages concern the user at all (menu, landing page): the office
    (and superusers) and any account with a role. An account without a role sees nothing."""
    return scope.is_office or bool(scope.roles)


def work_items_visible_to(user_or_scope) -> QuerySet[WorkItem]:
    """Work items the user may see: unit handlers their units' items; the office and leaders
    every submitted item, and the drafts they wrote themselves (a unit's unsent draft is the
    unit's own until it is submitted)."""
    scope = _scope(user_or_scope)
    qs = WorkItem.objects.select_related("unit")
    mine = Q(unit_id__in=scope.unit_ids) if scope.unit_ids else Q(pk__in=[])
    if scope.is_office or scope.is_leader:
        return qs.filter(~Q(status=WorkItem.Status.DRAFT) | Q(created_by_id=scope.user_id) | mine)
    if scope.unit_ids:
        return qs.filter(mine)
    return qs.none()


def issues_visible_to(user_or_scope) -> QuerySet[Issue]:
    """Issues the user may see: the office all, anyone with a role the published ones."""
    scope = _scope(user_or_scope)
    qs = Issue.objects.select_related("series")
    if scope.is_office:
        return qs
    if scope.roles:
        return qs.filter(status=Issue.Status.PUBLISHED)
    return qs.none()


def in_draft_issue() -> Exists:
    """Subquery: the work item is already an article of a draft issue."""
    return Exists(
        Article.objects.filter(work_item=OuterRef("pk"), issue__status=Issue.Status.DRAFT)
    )


def accepted_pool(user) -> QuerySet[WorkItem]:
    """Accepted work items waiting for an issue (not yet in a draft), oldest date first."""
    return (
        work_items_visible_to(user)
        .filter(status=WorkItem.Status.ACCEPTED)
        .exclude(in_draft_issue())
        .order_by("date", "id")
    )


def issue_detail(user, issue_id) -> Issue:
    """One visible issue with its articles (and their work items' photos). Raises
    Issue.DoesNotExist when unknown or out of scope."""
    return (
        issues_visible_to(user)
        .prefetch_related(
            Prefetch(
                "articles",
                queryset=Article.objects.select_related("work_item__unit").prefetch_related(
                    "work_item__photos"
                ),
            )
        )
        .get(pk=valid_id(issue_id) or 0)
    )


def series_list() -> QuerySet[Series]:
    return Series.objects.filter(is_active=True)


def recipient_lists(kind: str) -> QuerySet[RecipientList]:
    return RecipientList.objects.filter(kind=kind)
