"""Datum conversion WGS-84 / GCJ-02 / BD-09 (wenming.core.datum)."""

import itertools
import math

import pytest

from wenming.core import datum

# A grid over mainland China (lon, lat), plus 聊城 and Beijing.
POINTS = [
    *itertools.product([75.5, 90.0, 105.0, 115.98, 121.47, 134.0], [18.3, 25.0, 36.45, 45.0, 53.0]),
    (116.397128, 39.916527),
]
DEG_PER_M = 1 / 111_320  # one metre of latitude in degrees


def close(a, b, tol):
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def test_known_point_beijing():
    lon, lat = datum.wgs84_to_gcj02(116.397128, 39.916527)
    assert lon == pytest.approx(116.403370, abs=5e-6)
    assert lat == pytest.approx(39.917930, abs=5e-6)


def test_known_point_bd09():
    # Tiananmen on Amap (GCJ-02) is (116.397428, 39.90923); Baidu shows it at ~(116.4038, 39.9156).
    lon, lat = datum.gcj02_to_bd09(116.397428, 39.90923)
    assert lon == pytest.approx(116.40380, abs=5e-5)
    assert lat == pytest.approx(39.91557, abs=5e-5)


def test_offset_size_in_liaocheng():
    lon, lat = datum.wgs84_to_gcj02(115.98, 36.45)
    assert 0.004 < lon - 115.98 < 0.007  # ~500 m east
    assert abs(lat - 36.45) < 0.001


@pytest.mark.parametrize("point", POINTS)
def test_round_trips(point):
    assert close(datum.gcj02_to_wgs84(*datum.wgs84_to_gcj02(*point)), point, 1e-6)
    assert close(datum.wgs84_to_gcj02(*datum.gcj02_to_wgs84(*point)), point, 1e-6)
    assert close(datum.bd09_to_gcj02(*datum.gcj02_to_bd09(*point)), point, 1e-6)
    assert close(datum.gcj02_to_bd09(*datum.bd09_to_gcj02(*point)), point, 1e-6)
    assert close(datum.bd09_to_wgs84(*datum.wgs84_to_bd09(*point)), point, 1e-6)


@pytest.mark.parametrize("point", POINTS)
def test_inverse_accurate_to_a_centimetre(point):
    gcj = datum.wgs84_to_gcj02(*point)
    back = datum.gcj02_to_wgs84(*gcj)
    assert math.hypot(back[0] - point[0], back[1] - point[1]) < 0.01 * DEG_PER_M
    bd = datum.wgs84_to_bd09(*point)
    back = datum.bd09_to_wgs84(*bd)
    assert math.hypot(back[0] - point[0], back[1] - point[1]) < 0.01 * DEG_PER_M


@pytest.mark.parametrize("point", [(2.35, 48.86), (-74.0, 40.7), (139.0, 35.0), (151.2, -33.9)])
def test_out_of_china_unchanged(point):
    assert datum.out_of_china(*point)
    assert datum.wgs84_to_gcj02(*point) == point
    assert datum.gcj02_to_wgs84(*point) == point
    assert datum.to_wgs84(*point, "gcj02") == point


def test_to_wgs84_per_datum():
    gcj = datum.wgs84_to_gcj02(115.98, 36.45)
    bd = datum.wgs84_to_bd09(115.98, 36.45)
    assert close(datum.to_wgs84(*gcj, "gcj02"), (115.98, 36.45), 1e-9)
    assert close(datum.to_wgs84(*bd, "bd09"), (115.98, 36.45), 1e-9)
    assert datum.to_wgs84(115.98, 36.45, "wgs84") == (115.98, 36.45)
    assert datum.to_wgs84(115.98, 36.45, "cgcs2000") == (115.98, 36.45)
    assert close(datum.from_wgs84(115.98, 36.45, "gcj02"), gcj, 0)


@pytest.mark.parametrize("bad", ["utm", "", "wgs85", "epsg:4326"])
def test_bad_datum_raises(bad):
    with pytest.raises(ValueError):
        datum.to_wgs84(115.98, 36.45, bad)
    with pytest.raises(ValueError):
        datum.transform_geometry({"type": "Point", "coordinates": [115.98, 36.45]}, bad)


def test_transform_point_and_polygons():
    point = {"type": "Point", "coordinates": [115.99, 36.46, 30.0]}
    out = datum.transform_geometry(point, "gcj02")
    assert out["coordinates"][:2] == list(datum.gcj02_to_wgs84(115.99, 36.46))
    assert out["coordinates"][2] == 30.0  # altitude kept
    assert point["coordinates"] == [115.99, 36.46, 30.0]  # input untouched

    ring = [[115.9, 36.4], [116.0, 36.4], [116.0, 36.5], [115.9, 36.4]]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    multi = {"type": "MultiPolygon", "coordinates": [[ring], [ring]]}
    out_polygon = datum.transform_geometry(polygon, "bd09", precision=7)
    out_multi = datum.transform_geometry(multi, "bd09", precision=7)
    expected = [[round(v, 7) for v in datum.bd09_to_wgs84(*p)] for p in ring]
    assert out_polygon == {"type": "Polygon", "coordinates": [expected]}
    assert out_multi["coordinates"] == [[expected], [expected]]
    assert datum.transform_geometry(polygon, "wgs84") == polygon


def test_transform_rejects_malformed_geometry():
    with pytest.raises(ValueError):
        datum.transform_geometry({"type": "Polygon", "coordinates": [[["a", "b"]]]}, "gcj02")
    with pytest.raises(ValueError):
        datum.transform_geometry({"type": "Circle", "coordinates": [1, 2]}, "gcj02")
