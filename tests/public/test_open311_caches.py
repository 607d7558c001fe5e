"""An Open311 POST reads its client, category, attributes, areas and routing from process
caches (wenming.core.reference): a change made after the caches were filled applies to the
very next request."""

from __future__ import annotations

import pytest

from tests.conftest import TIETA
from wenming.cases.models import Case
from wenming.geo.models import Grid
from wenming.org.models import Membership, RoutingRule
from wenming.public.models import PublicReport, ServiceAttribute
from wenming.taxonomy.models import Category

URL = "/open311/v2/requests.json"
SERVICES = "/open311/v2/services.json"


@pytest.fixture
def send(client, world, hotline):
    """POST a request at 铁塔社区 (after one that fills the caches); returns the response."""
    form = {"api_key": hotline[1], "service_code": "CC05", "lat": TIETA[0], "long": TIETA[1]}
    assert client.post(URL, form).status_code == 200

    def send(**extra):
        return client.post(URL, {**form, **extra})

    return send


def counts():
    return PublicReport.objects.count(), Case.objects.count()


def test_a_deactivated_client_is_refused_at_once(send, hotline):
    hotline[0].is_active = False
    hotline[0].save()
    r = send()
    assert (r.status_code, r.json()[0]["description"]) == (403, "api_key 无效。")
    assert counts() == (1, 1)


def test_a_client_whose_user_lost_the_office_role_is_refused_at_once(send, cast):
    Membership.objects.filter(user=cast.office).delete()
    r = send()
    assert r.status_code == 403
    assert counts() == (1, 1)


def test_a_deactivated_category_is_unknown_at_once(send, world):
    Category.objects.filter(pk=world.category.pk).update(is_active=False)
    r = send()
    assert (r.status_code, r.json()[0]["description"]) == (404, "服务代码 CC05 不存在。")
    assert counts() == (1, 1)


def test_a_new_required_attribute_applies_at_once(send, world):
    ServiceAttribute.objects.create(
        category=world.category, code="floor", datatype="string", description="楼层", required=True
    )
    r = send()
    assert r.status_code == 400
    assert counts() == (1, 1)
    assert send(**{"attribute[floor]": "3"}).status_code == 200
    assert PublicReport.objects.latest("pk").attributes == {"floor": "3"}


def test_a_new_routing_rule_applies_at_once(send, world):
    assert Case.objects.get().proposed_unit == world.sanitation
    RoutingRule.objects.create(category=world.category, region=world.tieta, unit=world.police)
    assert send().status_code == 200
    assert Case.objects.latest("pk").proposed_unit == world.police


def test_a_grid_moved_to_another_community_applies_at_once(send, world):
    assert Case.objects.get().community == world.tieta
    Grid.objects.filter(pk=world.grid_tieta.pk).update(community=world.gucheng)
    assert send().status_code == 200
    case = Case.objects.latest("pk")
    assert (case.community, case.grid) == (world.gucheng, world.grid_tieta)


def test_the_service_list_follows_category_and_attribute_changes(client, world):
    def listed():
        return {s["service_code"]: s["metadata"] for s in client.get(SERVICES).json()}

    first = listed()
    assert first["CC05"] is False
    assert listed() == first  # served again (from the cache)
    Category.objects.filter(pk=world.category.pk).update(is_active=False)
    assert "CC05" not in listed()
    Category.objects.filter(pk=world.category.pk).update(is_active=True)
    ServiceAttribute.objects.create(
        category=world.category, code="floor", datatype="string", description="楼层"
    )
    assert listed() == {**first, "CC05": True}
