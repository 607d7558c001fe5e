"""Reference-data stamps (triggers) and the process caches that trust them
(wenming.core.reference), on whichever database the suite runs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from wenming.core import reference
from wenming.geo.models import Grid, Region, SupervisionGrid
from wenming.org.models import Membership, RoutingRule, Unit
from wenming.public import services as public_services
from wenming.public.models import Open311Client, ServiceAttribute
from wenming.taxonomy.models import Category


def stamp(part: str):
    return reference._read().get(part)


def moves(part: str, change) -> bool:
    before = stamp(part)
    change()
    return stamp(part) != before


@pytest.fixture
def rows(world, cast):
    client, _key = public_services.open311_client_create(
        cast.office, name="热线", user_id=cast.office.pk, trusted=True
    )
    attribute = ServiceAttribute.objects.create(
        category=world.category, code="floor", datatype="string", description="楼层"
    )
    world.sanitation.supervision_grids.add(world.ninth)
    world.ninth.regions.add(world.tieta)
    return client, attribute


def test_a_change_to_any_reference_table_moves_its_part_s_stamp(world, cast, rows):
    client, attribute = rows
    membership = Membership.objects.get(user=cast.handler)
    rule = RoutingRule.objects.first()
    changes = {
        "geo": [
            lambda: Region.objects.filter(pk=world.tieta.pk).update(name="铁塔社区"),
            lambda: Grid.objects.filter(pk=world.grid_tieta.pk).update(name="一号网格"),
            lambda: SupervisionGrid.objects.filter(pk=world.ninth.pk).update(leader_name="李"),
            lambda: world.ninth.regions.remove(world.tieta),
        ],
        "org": [
            lambda: Unit.objects.filter(pk=world.police.pk).update(is_active=False),
            lambda: world.sanitation.supervision_grids.clear(),
            lambda: Membership.objects.filter(pk=membership.pk).update(role="inspector"),
            lambda: RoutingRule.objects.filter(pk=rule.pk).update(unit=world.police),
            lambda: RoutingRule.objects.create(category=None, region=None, unit=world.police),
            lambda: get_user_model().objects.filter(pk=cast.leader.pk).update(is_active=False),
            lambda: Open311Client.objects.filter(pk=client.pk).update(trusted=False),
        ],
        "taxonomy": [
            lambda: Category.objects.filter(pk=world.category.pk).update(name="垃圾满溢"),
            lambda: Category.objects.create(code="CC99", name="新类", kind="campaign"),
            lambda: ServiceAttribute.objects.filter(pk=attribute.pk).update(required=True),
            lambda: ServiceAttribute.objects.filter(pk=attribute.pk).delete(),
        ],
    }
    for part, part_changes in changes.items():
        for i, change in enumerate(part_changes):
            others = {p: stamp(p) for p in reference.PARTS if p != part}
            assert moves(part, change), (part, i)
            assert {p: stamp(p) for p in others} == others, (part, i)
    # A delete also moves the parts of the tables the ORM's cascade visits (PostgreSQL's
    # statement triggers fire even when the cascade finds no row): a spare reload, no harm.
    assert moves("geo", lambda: Region.objects.filter(pk=world.chiping.pk).delete())


def test_use_stamps_of_clients_and_users_do_not_move(world, cast, rows):
    client, _attribute = rows
    assert not moves(
        "org",
        lambda: Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now()),
    )
    assert not moves(
        "org",
        lambda: (
            get_user_model().objects.filter(pk=cast.office.pk).update(last_login=timezone.now())
        ),
    )


def test_a_rolled_back_change_leaves_the_stamp(world):
    before = stamp("taxonomy")
    with pytest.raises(RuntimeError), transaction.atomic():
        Category.objects.filter(pk=world.category.pk).update(name="改名")
        assert stamp("taxonomy") != before  # seen inside the writing transaction
        raise RuntimeError
    assert stamp("taxonomy") == before


def test_a_new_stamp_is_never_an_old_one(world):
    seen = {stamp("taxonomy")}
    for i in range(20):
        Category.objects.filter(pk=world.category.pk).update(name=f"名{i}")
        seen.add(stamp("taxonomy"))
    assert len(seen) == 21


def test_cache_loads_once_per_stamp_and_keeps_no_misses(world):
    cache = reference.Cache("taxonomy")
    loads = []

    def load(value):
        loads.append(value)
        return value

    assert cache.get("a", lambda: load(1)) == 1
    assert cache.get("a", lambda: load(2)) == 1
    assert cache.get("none", lambda: load(None)) is None
    assert cache.get("none", lambda: load(None)) is None
    assert loads == [1, None, None]
    Unit.objects.filter(pk=world.police.pk).update(name="交警")  # another part
    assert cache.get("a", lambda: load(3)) == 1
    Category.objects.filter(pk=world.category.pk).update(name="垃圾满溢")
    assert cache.get("a", lambda: load(4)) == 4
    cache.clear()
    assert cache.get("a", lambda: load(5)) == 5
    assert loads == [1, None, None, 4, 5]


def test_unknown_parts_are_refused():
    with pytest.raises(ValueError):
        reference.Cache("geo", "weather")


def test_pinned_reads_the_stamps_once(world, django_assert_num_queries):
    cache = reference.Cache("geo", "org", "taxonomy")
    cache.get("warm", lambda: 1)
    with django_assert_num_queries(1), reference.pinned():
        for _ in range(5):
            assert cache.get("warm", lambda: 2) == 1
        with reference.pinned():  # nested: still the outer read
            assert reference.stamps() is reference.stamps()
    with django_assert_num_queries(2):  # outside: one read per lookup
        cache.get("warm", lambda: 3)
        cache.get("warm", lambda: 3)


def test_install_is_idempotent_and_puts_a_lost_trigger_back(world):
    reference.install_triggers()
    reference.install_triggers()
    table = "taxonomy_category"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # What a migration that rebuilds the table does on SQLite.
            cursor.execute(f"DROP TRIGGER wenming_reference_{table}_upd")
        else:
            cursor.execute(f"DROP TRIGGER wenming_reference ON {table}")
    assert not moves("taxonomy", lambda: Category.objects.update(name="x"))
    reference.install_triggers()
    assert moves("taxonomy", lambda: Category.objects.update(name="y"))


def test_statements_for_an_unknown_database_are_refused():
    with pytest.raises(ValueError):
        reference.trigger_statements("oracle")


def trigger_count() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'wenming_reference_%'"
            )
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'wenming_reference'")
        return cursor.fetchone()[0]


def test_install_gives_every_part_a_new_stamp(world):
    before = reference._read()
    reference.install_triggers()
    after = reference._read()
    assert set(after) == set(reference.PARTS)
    assert all(after[p] != before.get(p) for p in reference.PARTS)


def test_install_follows_the_parts_as_they_are_now(world, cast, monkeypatch):
    per_table = 3 if connection.vendor == "sqlite" else 1
    tables = sum(len(t) for t in reference.PARTS.values())
    assert trigger_count() == tables * per_table
    User = get_user_model()
    rename = lambda: User.objects.filter(pk=cast.leader.pk).update(first_name="明")  # noqa: E731
    assert not moves("org", rename)
    parts = {
        **reference.PARTS,
        "org": {
            **{t: c for t, c in reference.PARTS["org"].items() if t != "org_unit"},
            "auth_user": ("is_active", "is_superuser", "is_staff", "first_name"),
        },
    }
    monkeypatch.setattr(reference, "PARTS", parts)
    reference.install_triggers()
    assert moves("org", rename)  # a changed column list reaches the database
    police = Unit.objects.filter(pk=world.police.pk)
    assert not moves("org", lambda: police.update(name="单位"))  # a table no longer listed
    assert trigger_count() == (tables - 1) * per_table


def test_migrating_core_back_drops_the_triggers(world):
    migration = __import__(
        "wenming.core.migrations.0002_reference_stamp", fromlist=["Migration"]
    ).Migration
    assert migration.operations[-1].reverse_code is reference.uninstall_triggers
    # What the migration's backwards step gets (the function uses only its connection).
    reference.uninstall_triggers(None, SimpleNamespace(connection=connection))
    assert trigger_count() == 0
    assert not moves("taxonomy", lambda: Category.objects.update(name="x"))
    reference.install_triggers()
    assert moves("taxonomy", lambda: Category.objects.update(name="y"))
