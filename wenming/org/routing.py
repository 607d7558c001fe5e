"""Routing: propose the responsible unit for a case from its category and area."""

from __future__ import annotations

from wenming.core import reference
from wenming.core.trees import ancestors
from wenming.geo.locate import region_chain
from wenming.geo.models import Region
from wenming.taxonomy.models import Category

from .models import RoutingRule, Unit


def propose_unit(
    category: Category, region: Region | None
) -> tuple[Unit | None, RoutingRule | None]:
    """Return the proposed unit and the rule that chose it, or (None, None).

    Search order (most specific wins): for each region from the case's own region up the
    region tree to the city and then "anywhere" (NULL), try the category and then each of
    its ancestors, then "any category" (NULL). Region before category: a local unit that
    handles everything in its community outranks a city-wide department for one category,
    which is how 属地管理 (territorial responsibility) works in 创城 practice.

    Cached per process for each (category, region) until the categories, areas, units or
    rules change (:mod:`wenming.core.reference`); the unit and rule returned are shared.
    """
    key = (category.pk, region.pk if region is not None else None)
    with reference.pinned():  # one read of the stamps for the pair and, if new, the rules
        return _proposals.get(key, lambda: _propose(category, region))


_proposals = reference.Cache("geo", "org", "taxonomy")


def _rules() -> dict[tuple[int | None, int | None], RoutingRule]:
    """Every rule of an active unit, keyed ``(region_id, category_id)``, read once per process
    until the stamps move: a few hundred rows in a city. Read per (category, region) pair
    instead, a new process ran one query for each community it first saw a report in."""
    return {
        (r.region_id, r.category_id): r
        for r in RoutingRule.objects.select_related("unit").filter(unit__is_active=True)
    }


def _propose(category: Category, region: Region | None) -> tuple:
    # The region's chain as the areas stand now (the location index of the current stamps),
    # not as the object passed in was read: a Location read before an area moved must not
    # leave its old chain's answer cached under the new stamps.
    regions = [*(region_chain(region.pk) if region is not None else []), None]
    categories = [*ancestors(category), None]
    rules = _proposals.get("rules", _rules)
    for reg in regions:
        for cat in categories:
            rule = rules.get((reg, cat.id if cat else None))
            if rule is not None:
                return rule.unit, rule
    return (None, None)  # a tuple, not None: "no rule" is cached too
