"""A parent must not close a loop in the region or category tree (the admin's forms)."""

from __future__ import annotations

import pytest
from django.test import Client

from wenming.geo.models import Region
from wenming.taxonomy.models import Category


@pytest.fixture
def root(db, django_user_model):
    c = Client()
    c.force_login(django_user_model.objects.create_superuser("root", password="x-test-pass-1"))
    return c


def region_form(region: Region, parent: Region | None) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent": parent.pk if parent else "",
        "boundary": "null",
        "boundary_source": "",
    }


@pytest.mark.parametrize("parent", ["itself", "child", "grandchild"])
def test_a_region_cannot_be_put_under_itself_or_below_it(world, root, parent):
    below = {"itself": world.dongchangfu, "child": world.gulou, "grandchild": world.tieta}
    r = root.post(
        f"/admin/geo/region/{world.dongchangfu.pk}/change/",
        region_form(world.dongchangfu, below[parent]),
    )
    assert r.status_code == 200  # the form again, with the error
    assert "上级不能是本条记录自身或其下级。" in r.content.decode()
    world.dongchangfu.refresh_from_db()
    assert world.dongchangfu.parent_id == world.city.pk  # nothing changed


def test_a_region_can_move_to_another_parent(world, root):
    r = root.post(
        f"/admin/geo/region/{world.gucheng.pk}/change/", region_form(world.gucheng, world.chiping)
    )
    assert r.status_code == 302
    world.gucheng.refresh_from_db()
    assert world.gucheng.parent_id == world.chiping.pk


def test_a_category_cannot_be_put_under_its_own_child(world, root):
    parent = world.parent_category
    r = root.post(
        f"/admin/taxonomy/category/{parent.pk}/change/",
        {
            "code": parent.code,
            "name": parent.name,
            "kind": parent.kind,
            "parent": world.category.pk,
            "deadline_unit": "",
            "is_active": "on",
        },
    )
    assert r.status_code == 200
    assert "上级不能是本条记录自身或其下级。" in r.content.decode()
    assert Category.objects.get(pk=parent.pk).parent_id is None
