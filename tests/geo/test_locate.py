"""wenming.geo.locate: the areas of a point, from the process's index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.core.errors import ApplicationError
from wenming.geo.locate import locate, region_chain
from wenming.geo.models import Region

from ..conftest import TIETA

GUCHENG = (36.455, 115.995)  # the middle of 古城社区's unit grid
CHIPING = (36.45, 116.3)  # inside 茌平区, outside every unit grid


def test_a_point_gets_its_grid_and_every_area_above_it(world):
    where = locate(*TIETA)
    assert (where.lat, where.lon) == TIETA
    assert where.grid == world.grid_tieta
    assert (where.community, where.subdistrict, where.county) == (
        world.tieta,
        world.gulou,
        world.dongchangfu,
    )
    assert where.supervision_grid_id == world.ninth.pk
    assert where.near_boundary == ()


def test_after_the_index_is_built_a_lookup_reads_only_the_stamps(world):
    """The grids' and regions' rows are read with the index, not one query per grid on its
    first use: every unit grid of the city is then located without a query of its own."""
    locate(*TIETA)  # builds the index
    with CaptureQueriesContext(connection) as ctx:
        tieta, gucheng, chiping = locate(*TIETA), locate(*GUCHENG), locate(*CHIPING)
        # The whole chain up to the city and the supervision grid come without a query.
        chain = [
            gucheng.grid.community.name,
            gucheng.grid.community.parent.name,
            gucheng.grid.community.parent.parent.name,
            gucheng.grid.community.parent.parent.parent.name,
            gucheng.grid.supervision_grid.name,
        ]
    assert len(ctx.captured_queries) == 3  # one read of the reference stamps per lookup
    assert all("core_referencestamp" in q["sql"] for q in ctx.captured_queries)
    assert chain == ["古城社区居委会", "古楼街道", "东昌府区", "聊城市", "第九网格"]
    assert (tieta.grid, tieta.community) == (world.grid_tieta, world.tieta)
    assert (gucheng.grid, gucheng.community) == (world.grid_gucheng, world.gucheng)
    assert (chiping.grid, chiping.community, chiping.county) == (None, None, world.chiping)


def test_rows_share_their_parents(world):
    tieta, gucheng = locate(*TIETA), locate(*GUCHENG)
    assert tieta.subdistrict is gucheng.subdistrict
    assert tieta.grid.supervision_grid is gucheng.grid.supervision_grid


@pytest.mark.django_db(transaction=True)
def test_a_renamed_community_is_read_again(world):
    """A change to an area moves the ``geo`` stamp: the next lookup builds a new index and
    reads the rows again (a trigger moves the stamp, so this needs real commits)."""
    assert locate(*TIETA).community.name == "铁塔社区居委会"
    world.tieta.name = "铁塔社区"
    world.tieta.save()
    assert locate(*TIETA).community.name == "铁塔社区"


def test_region_chain_goes_up_to_the_city_and_stops_at_a_cycle(world):
    w = world
    assert region_chain(w.tieta.pk) == [w.tieta.pk, w.gulou.pk, w.dongchangfu.pk, w.city.pk]
    assert region_chain(w.chiping.pk) == [w.chiping.pk, w.city.pk]
    assert region_chain(999_999) == [999_999]  # not in the index: the chain ends there
    Region.objects.filter(pk=w.city.pk).update(parent=w.gulou)
    assert region_chain(w.tieta.pk) == [w.tieta.pk, w.gulou.pk, w.dongchangfu.pk, w.city.pk]


@pytest.mark.parametrize(
    "lat, lon, message",
    [
        (115.985, 36.455, "纬度应在 -90 到 90 之间：纬度和经度似乎填反了。"),
        (95.0, 200.0, "位置超出有效坐标范围。"),
        (36.455, 181.0, "位置超出有效坐标范围。"),
    ],
)
def test_coordinates_out_of_range_say_why(world, lat, lon, message):
    with pytest.raises(ApplicationError) as exc:
        locate(lat, lon)
    assert (exc.value.code, str(exc.value.message)) == ("invalid_location", message)
