"""Shared fixtures: a fixed cast of users and a small, real-shaped world.

The world: 聊城市 (a box), two counties side by side (东昌府区 west of lon 116.2, 茌平区 east),
古楼街道 with 铁塔社区 and 古城社区, one unit grid in each community, one supervision grid
(第九网格) over both; a 4-working-hour category under a parent with no rule; units; a routing
rule (category × 古楼街道 → sanitation).

The cast (healthchecks style): ``office`` (创城办), ``inspector`` (city-wide), ``handler``
(sanitation unit), ``other_handler`` (traffic police), ``leader``, ``area_staff`` (古楼街道),
``outsider`` (an account with no role).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from wenming.geo import locate as locate_module
from wenming.geo.models import Grid, Region, SupervisionGrid
from wenming.org.models import Membership, RoutingRule, Unit
from wenming.taxonomy.models import Category

Role = Membership.Role

# A point in the middle of 铁塔社区's unit grid, WGS-84.
TIETA = (36.455, 115.985)


def box(x0, y0, x1, y1) -> dict:
    """A GeoJSON Polygon for the lon/lat box (x0, y0)–(x1, y1)."""
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


@dataclass
class World:
    city: Region
    dongchangfu: Region
    chiping: Region
    gulou: Region
    tieta: Region
    gucheng: Region
    grid_tieta: Grid
    grid_gucheng: Grid
    ninth: SupervisionGrid
    parent_category: Category
    category: Category
    category_days: Category
    category_no_rule: Category
    sanitation: Unit
    police: Unit
    gulou_office: Unit


@pytest.fixture
def world(db) -> World:
    locate_module.invalidate()
    city = Region.objects.create(
        code="371500", name="聊城市", level="city", boundary=box(115.0, 35.8, 117.0, 37.0)
    )
    dcf = Region.objects.create(
        code="371502",
        name="东昌府区",
        level="county",
        parent=city,
        boundary=box(115.8, 36.3, 116.2, 36.6),
    )
    chiping = Region.objects.create(
        code="371503",
        name="茌平区",
        level="county",
        parent=city,
        boundary=box(116.2, 36.3, 116.4, 36.6),
    )
    gulou = Region.objects.create(
        code="371502001", name="古楼街道", level="subdistrict", parent=dcf
    )
    tieta = Region.objects.create(
        code="371502001004", name="铁塔社区居委会", level="community", parent=gulou
    )
    gucheng = Region.objects.create(
        code="371502001001", name="古城社区居委会", level="community", parent=gulou
    )
    ninth = SupervisionGrid.objects.create(code="G09", name="第九网格", leader_name="王建鹏")
    g1 = Grid.objects.create(
        code="371502001004-01",
        name="铁塔社区1号网格",
        community=tieta,
        supervision_grid=ninth,
        boundary=box(115.98, 36.45, 115.99, 36.46),
    )
    g2 = Grid.objects.create(
        code="371502001001-01",
        name="古城社区1号网格",
        community=gucheng,
        supervision_grid=ninth,
        boundary=box(115.99, 36.45, 116.00, 36.46),
    )
    parent = Category.objects.create(code="CC", name="创城问题", kind="campaign")
    cat = Category.objects.create(
        code="CC05",
        name="垃圾清运不及时",
        kind="campaign",
        parent=parent,
        deadline_amount=4,
        deadline_unit="working_hours",
        legal_basis="《聊城市文明行为促进条例》",
    )
    cat_days = Category.objects.create(
        code="CC03",
        name="线路杂乱",
        kind="campaign",
        parent=parent,
        deadline_amount=5,
        deadline_unit="working_days",
    )
    no_rule = Category.objects.create(code="ZZ", name="无时限", kind="event")
    sanitation = Unit.objects.create(code="U-SAN", name="市环卫处", kind="department")
    police = Unit.objects.create(code="U-TP", name="市公安局交警支队", kind="department")
    gulou_office = Unit.objects.create(
        code="U-GL", name="古楼街道办事处", kind="subdistrict_office", region=gulou
    )
    RoutingRule.objects.create(category=cat, region=gulou, unit=sanitation)
    RoutingRule.objects.create(category=None, region=gulou, unit=gulou_office)
    return World(
        city,
        dcf,
        chiping,
        gulou,
        tieta,
        gucheng,
        g1,
        g2,
        ninth,
        parent,
        cat,
        cat_days,
        no_rule,
        sanitation,
        police,
        gulou_office,
    )


@dataclass
class Cast:
    office: object
    inspector: object
    handler: object
    other_handler: object
    leader: object
    area_staff: object
    outsider: object


@pytest.fixture
def cast(world) -> Cast:
    User = get_user_model()

    def user(name, role=None, **kw):
        u = User.objects.create_user(name, password="x-test-pass-1")
        if role:
            Membership.objects.create(user=u, role=role, **kw)
        return u

    return Cast(
        office=user("office", Role.OFFICE),
        inspector=user("inspector", Role.INSPECTOR),
        handler=user("handler", Role.UNIT_HANDLER, unit=world.sanitation),
        other_handler=user("other_handler", Role.UNIT_HANDLER, unit=world.police),
        leader=user("leader", Role.LEADER),
        area_staff=user("area_staff", Role.AREA_STAFF, region=world.gulou),
        outsider=user("outsider"),
    )


@pytest.fixture
def clock(monkeypatch):
    """A settable clock: ``clock.set(aware_datetime)`` fixes ``timezone.now()``."""
    from django.utils import timezone

    class Clock:
        now = None

        def set(self, dt):
            self.now = dt

    c = Clock()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: c.now or real_now())
    return c


def at(text: str):
    """An aware Asia/Shanghai datetime from 'YYYY-MM-DD HH:MM'."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded photos and generated files go to a per-test folder, not var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")
