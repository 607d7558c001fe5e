"""manage.py import_boundaries: GeoJSON boundaries onto regions, converted to WGS-84."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from wenming.core.datum import bd09_to_wgs84, gcj02_to_wgs84
from wenming.geo.models import Region

pytestmark = pytest.mark.django_db

RING = [
    [115.901234567, 36.401234567],
    [116.0, 36.4],
    [116.0, 36.5],
    [115.9, 36.5],
    [115.901234567, 36.401234567],
]
OLD_BOUNDARY = {"type": "Polygon", "coordinates": [[[1, 1], [2, 1], [2, 2], [1, 1]]]}


@pytest.fixture
def regions():
    city = Region.objects.create(code="371500", name="City", level="city")
    county = Region.objects.create(
        code="371502",
        name="County",
        level="county",
        parent=city,
        boundary=OLD_BOUNDARY,
        boundary_source="old",
    )
    return city, county


def feature(code, geometry=None, **properties):
    return {
        "type": "Feature",
        "properties": {"adcode": code, **properties},
        "geometry": geometry or {"type": "MultiPolygon", "coordinates": [[RING]]},
    }


def write(tmp_path, data, name="b.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def run(*args, **options) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("import_boundaries", *args, stdout=out, **options)
    return out.getvalue()


def boundaries():
    return {r.code: (r.boundary, r.boundary_source) for r in Region.objects.all()}


def test_wgs84_is_stored_as_is(regions, tmp_path):
    path = write(tmp_path, collection(feature(371500), feature(371502)))
    assert run(path, "--datum", "wgs84") == "boundaries: 2 updated, 0 unchanged\n"
    county = Region.objects.get(code="371502")
    assert county.boundary == {"type": "MultiPolygon", "coordinates": [[RING]]}
    assert county.boundary_source == "b.json"


def test_gcj02_is_converted_and_second_run_is_unchanged(regions, tmp_path):
    path = write(tmp_path, collection(feature(371502)))
    out = run(path, "--datum", "gcj02", "--level", "county", "--source", "test file", verbosity=2)
    assert out == "371502 County: updated\nboundaries: 1 updated, 0 unchanged\n"
    county = Region.objects.get(code="371502")
    assert county.boundary_source == "test file"
    stored = county.boundary["coordinates"][0][0]
    for vertex, published in zip(stored, RING, strict=True):
        assert vertex == pytest.approx(list(gcj02_to_wgs84(*published)), abs=1e-7)
    assert 0.004 < RING[1][0] - stored[1][0] < 0.007

    assert run(path, "--datum", "gcj02", "--level", "county", "--source", "test file") == (
        "boundaries: 0 updated, 1 unchanged\n"
    )


def test_bd09_polygon_and_other_code_property(regions, tmp_path):
    geometry = {"type": "Polygon", "coordinates": [RING]}
    path = write(
        tmp_path,
        collection({"type": "Feature", "properties": {"code": "371502"}, "geometry": geometry}),
    )
    run(path, "--datum", "bd09", "--code-property", "code")
    stored = Region.objects.get(code="371502").boundary
    assert stored["type"] == "Polygon"
    assert stored["coordinates"][0][2] == pytest.approx(list(bd09_to_wgs84(116.0, 36.5)), abs=1e-7)


def test_single_feature_file(regions, tmp_path):
    path = write(tmp_path, feature(371500))
    assert (
        run(path, "--datum", "wgs84", "--level", "city") == "boundaries: 1 updated, 0 unchanged\n"
    )


BAD_FILES = {
    "not json": ("{not json", "is not valid JSON"),
    "not geojson": ({"type": "Polygon", "coordinates": []}, "not a GeoJSON FeatureCollection"),
    "no features": (collection(), "contains no features"),
    "unknown code": (collection(feature(371502), feature(999999)), "No region with code 999999"),
    "point": (
        collection(feature(371502), feature(371500, {"type": "Point", "coordinates": [116, 36]})),
        "must be a Polygon or MultiPolygon",
    ),
    "no geometry": (
        collection(
            feature(371502), {"type": "Feature", "properties": {"adcode": 371500}, "geometry": None}
        ),
        "must be a Polygon or MultiPolygon",
    ),
    "no code": (
        collection(feature(371502), {**feature(371500), "properties": {"name": "x"}}),
        'has no "adcode" property',
    ),
    "duplicate code": (collection(feature(371502), feature(371502)), "repeats code 371502"),
    "bad coordinates": (
        collection(
            feature(
                371502, {"type": "Polygon", "coordinates": [[[116, 95], [1, 1], [2, 2], [116, 95]]]}
            )
        ),
        "invalid Polygon coordinates",
    ),
    "open ring": (
        collection(feature(371502, {"type": "Polygon", "coordinates": [[[116, 36], [117, 36]]]})),
        "invalid Polygon coordinates",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_raise_and_write_nothing(regions, tmp_path, case):
    data, message = BAD_FILES[case]
    path = write(tmp_path, data)
    before = boundaries()
    with pytest.raises(CommandError, match=message):
        run(path, "--datum", "gcj02")
    assert boundaries() == before


def test_missing_file(regions, tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        run(str(tmp_path / "missing.json"), "--datum", "gcj02")


def test_level_mismatch_writes_nothing(regions, tmp_path):
    path = write(tmp_path, collection(feature(371502), feature(371500)))
    before = boundaries()
    with pytest.raises(CommandError, match="371500 is not at level county"):
        run(path, "--datum", "wgs84", "--level", "county")
    assert boundaries() == before


def test_bad_datum_is_refused(regions, tmp_path):
    path = write(tmp_path, collection(feature(371502)))
    with pytest.raises(CommandError, match="invalid choice"):
        run(path, "--datum", "utm")
    with pytest.raises(CommandError):
        run(path)
    assert Region.objects.get(code="371502").boundary == OLD_BOUNDARY
