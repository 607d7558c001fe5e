"""wenming.org.routing.propose_unit: the unit proposed for a category at a place."""

from __future__ import annotations

import signal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.geo.locate import locate
from wenming.geo.models import Region
from wenming.org.models import RoutingRule, Unit
from wenming.org.routing import propose_unit

from ..conftest import TIETA

GUCHENG = (36.455, 115.995)  # the middle of 古城社区's unit grid
CHIPING = (36.45, 116.3)  # inside 茌平区, outside every unit grid


@pytest.fixture
def rules(world):
    """Besides the world's two rules (CC05 × 古楼街道 → sanitation, any × 古楼街道 → the
    subdistrict office): CC03 anywhere → traffic police, CC03 in 铁塔社区 → a retired unit."""
    retired = Unit.objects.create(
        code="U-OLD", name="已撤销单位", kind="department", is_active=False
    )
    RoutingRule.objects.create(category=world.category_days, region=None, unit=world.police)
    RoutingRule.objects.create(category=world.category_days, region=world.tieta, unit=retired)
    return world


def test_the_most_specific_rule_wins_region_before_category(rules):
    w = rules
    assert propose_unit(w.category, w.tieta)[0] == w.sanitation  # category × subdistrict
    # A rule of "any category" in the subdistrict outranks a city-wide rule for the category.
    assert propose_unit(w.category_days, w.gucheng)[0] == w.gulou_office
    # The retired unit's rule is skipped: the next one up applies.
    assert propose_unit(w.category_days, w.tieta)[0] == w.gulou_office
    assert propose_unit(w.category_days, w.chiping)[0] == w.police  # the city-wide rule
    assert propose_unit(w.category, w.chiping) == (None, None)  # no rule in 茌平区
    assert propose_unit(w.category_no_rule, None) == (None, None)


def test_rules_are_read_once_not_per_place(rules):
    """The rules are read once for the process: a new (category, place) pair, such as the
    first report from another community, costs no query beyond the stamps' read."""
    w = rules
    w.gucheng.parent  # noqa: B018 (the parents loaded, as locate() has them)
    w.tieta.parent  # noqa: B018
    w.gulou.parent  # noqa: B018
    propose_unit(w.category, w.tieta)
    with CaptureQueriesContext(connection) as ctx:
        unit, rule = propose_unit(w.category, w.gucheng)
        other = propose_unit(w.category_days, w.tieta)[0]
    assert all("core_referencestamp" in q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) == 2
    assert (unit, rule.region, rule.category) == (w.sanitation, w.gulou, w.category)
    assert other == w.gulou_office


@pytest.mark.django_db(transaction=True)
def test_a_new_rule_applies_at_once(rules):
    w = rules
    assert propose_unit(w.category, w.chiping) == (None, None)
    RoutingRule.objects.create(category=w.category, region=w.chiping, unit=w.police)
    unit, rule = propose_unit(w.category, w.chiping)
    assert (unit, rule.region) == (w.police, w.chiping)


@pytest.fixture
def alarm():
    """Fail instead of hanging: a loop that never ends is the failure these tests look for."""

    def expire(signum, frame):
        raise TimeoutError("propose_unit did not return within 5 s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_a_region_that_is_its_own_parent_does_not_hang_routing(world, alarm):
    """A wrong parent typed in the admin (a raw id) or given by an import."""
    Region.objects.filter(pk=world.chiping.pk).update(parent=world.chiping)
    where = locate(*CHIPING)
    assert where.county == world.chiping
    assert propose_unit(world.category, where.county) == (None, None)


def test_a_cycle_above_the_area_does_not_hang_routing(world, alarm):
    Region.objects.filter(pk=world.city.pk).update(parent=world.gulou)
    where = locate(*GUCHENG)
    assert propose_unit(world.category, where.community)[0] == world.sanitation


@pytest.mark.django_db(transaction=True)
def test_an_area_read_before_it_moved_does_not_leave_its_old_routing(world):
    """A report located before the office moved its community (the triage reads the place
    before its transaction) is routed by the areas as they stand: the old chain's answer
    must not be kept for the reports that follow."""
    before = locate(*TIETA)
    new = Region.objects.create(
        code="371502009", name="新区街道", level="subdistrict", parent=world.dongchangfu
    )
    Region.objects.filter(pk=world.tieta.pk).update(parent=new)
    assert propose_unit(world.category, before.community) == (None, None)
    after = locate(*TIETA)
    assert after.community.parent == new
    assert propose_unit(world.category, after.community) == (None, None)
