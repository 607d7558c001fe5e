"""Routing: propose the responsible unit for a case from its category and area."""

from __future__ import annotations

from django.db.models import Q

from wenming.geo.models import Region
from wenming.taxonomy.models import Category

from .models import RoutingRule, Unit


def _ancestors(obj) -> list:
    chain = []
    while obj is not None:
        chain.append(obj)
        obj = obj.parent
    return chain


def propose_unit(
    category: Category, region: Region | None
) -> tuple[Unit | None, RoutingRule | None]:
    """Return the proposed unit and the rule that chose it, or (None, None).

    Search order (most specific wins): for each region from the case's own region up the
    region tree to the city and then "anywhere" (NULL), try the category and then each of
    its ancestors, then "any category" (NULL). Region before category: a local unit that
    handles everything in its community outranks a city-wide department for one category,
    which is how 属地管理 (territorial responsibility) works in 创城 practice.
    """
    regions = [*_ancestors(region), None]
    categories = [*_ancestors(category), None]
    region_q = Q(region__isnull=True) | Q(region_id__in=[r.id for r in regions if r])
    category_q = Q(category__isnull=True) | Q(category_id__in=[c.id for c in categories if c])
    rules = {
        (r.region_id, r.category_id): r
        for r in RoutingRule.objects.select_related("unit").filter(
            region_q, category_q, unit__is_active=True
        )
    }
    for reg in regions:
        for cat in categories:
            rule = rules.get((reg.id if reg else None, cat.id if cat else None))
            if rule is not None:
                return rule.unit, rule
    return None, None
