"""manage.py load_reference: the shipped divisions, boundaries and categories."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from wenming.core.datum import gcj02_to_wgs84
from wenming.geo.management.commands.load_reference import DATA_DIR
from wenming.geo.models import Region
from wenming.taxonomy.models import Category

pytestmark = pytest.mark.django_db

FIRST_RUN = """\
regions/city: 1 created, 0 updated, 0 unchanged
regions/county: 8 created, 0 updated, 0 unchanged
regions/subdistrict: 136 created, 0 updated, 0 unchanged
regions/community: 2408 created, 0 updated, 0 unchanged
boundaries/city: 1 updated, 0 unchanged
boundaries/county: 8 updated, 0 unchanged
categories: 161 created, 0 updated, 0 unchanged
2723 rows changed
"""

SECOND_RUN = """\
regions/city: 0 created, 0 updated, 1 unchanged
regions/county: 0 created, 0 updated, 8 unchanged
regions/subdistrict: 0 created, 0 updated, 136 unchanged
regions/community: 0 created, 0 updated, 2408 unchanged
boundaries/city: 0 updated, 1 unchanged
boundaries/county: 0 updated, 8 unchanged
categories: 0 created, 0 updated, 161 unchanged
nothing changed
"""


def load() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_reference", stdout=out)
    return out.getvalue()


def level_counts() -> dict[str, int]:
    return {level: Region.objects.filter(level=level).count() for level in Region.Level.values}


def test_loads_everything_once_and_second_run_changes_nothing():
    assert load() == FIRST_RUN
    counts = level_counts()
    assert counts == {"city": 1, "county": 8, "subdistrict": 136, "community": 2408}
    assert Category.objects.count() == 161
    snapshot = list(Region.objects.values_list("id", "code", "name", "level", "parent_id"))

    assert load() == SECOND_RUN
    assert level_counts() == counts
    assert Category.objects.count() == 161
    assert list(Region.objects.values_list("id", "code", "name", "level", "parent_id")) == snapshot


def test_parent_links():
    load()
    community = Region.objects.get(code="371502001004")
    assert community.name == "铁塔社区居委会"
    assert community.level == Region.Level.COMMUNITY
    street = community.parent
    assert (street.code, street.name, street.level) == ("371502001", "古楼街道", "subdistrict")
    county = street.parent
    assert (county.code, county.name, county.level) == ("371502", "东昌府区", "county")
    assert county.parent.code == "371500"
    assert county.parent.level == Region.Level.CITY
    assert county.parent.parent is None
    # Every region but the city has a parent one level up.
    assert not Region.objects.exclude(level="city").filter(parent=None).exists()
    assert (
        not Region.objects.filter(level="community").exclude(parent__level="subdistrict").exists()
    )
    assert not Region.objects.filter(level="subdistrict").exclude(parent__level="county").exists()


def test_boundaries_are_stored_in_wgs84():
    load()
    published = json.loads((DATA_DIR / "371500_full.json").read_text(encoding="utf-8"))
    feature = next(f for f in published["features"] if f["properties"]["adcode"] == 371502)
    gcj_vertex = feature["geometry"]["coordinates"][0][0][0]

    county = Region.objects.get(code="371502")
    assert county.boundary["type"] == "MultiPolygon"
    assert "GCJ-02 converted to WGS-84" in county.boundary_source
    stored = county.boundary["coordinates"][0][0][0]
    # Moved west by the GCJ-02 offset (about 0.0057 degrees, ~510 m, around 聊城) ...
    assert 0.004 < gcj_vertex[0] - stored[0] < 0.007
    assert abs(gcj_vertex[1] - stored[1]) < 0.001
    # ... exactly as the datum module converts it, to 7 decimals.
    expected = gcj02_to_wgs84(*gcj_vertex)
    assert stored == pytest.approx(list(expected), abs=1e-7)
    # Same number of vertices as published.
    assert len(county.boundary["coordinates"][0][0]) == len(
        feature["geometry"]["coordinates"][0][0]
    )

    assert Region.objects.get(code="371500").boundary["type"] == "MultiPolygon"
    assert Region.objects.filter(level="county", boundary__isnull=True).count() == 0


def test_reload_repairs_edited_rows_only():
    load()
    Region.objects.filter(code="371502001004").update(name="edited")
    Category.objects.filter(code="CC01").update(deadline_amount=99)
    out = load()
    assert "regions/community: 0 created, 1 updated, 2407 unchanged" in out
    assert "categories: 0 created, 1 updated, 160 unchanged" in out
    assert out.endswith("2 rows changed\n")
    assert Region.objects.get(code="371502001004").name == "铁塔社区居委会"
    assert Category.objects.get(code="CC01").deadline_amount == 2


def test_unknown_city_code_is_refused(settings):
    settings.WENMING_CITY_CODE = "999900"
    with pytest.raises(CommandError, match="999900"), translation.override("en"):
        call_command("load_reference", stdout=StringIO())
    assert not Region.objects.exists()
