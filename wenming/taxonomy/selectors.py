"""Reads of the category tree shared by the apps that file cases."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .models import Category


def reportable_categories() -> QuerySet[Category]:
    """Active categories with their parent loaded and ``broad`` annotated: True when the
    category has active children (a class of problems; a case needs a specific category).

    One statement for what a case report needs to know of its category, so that an intake
    path can read it once and hand the instance on
    (:func:`wenming.cases.services.case_report` accepts it).
    """
    children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .annotate(broad=Exists(children))
    )
