"""Coordinate datum conversion between WGS-84, GCJ-02 and BD-09.

All coordinates are geographic **degrees** in **longitude, latitude** order (GeoJSON order),
both in the arguments and in the results.

- WGS-84: GPS, OpenStreetMap, the storage datum of Wenming. CGCS2000 (the national geodetic
  system, used by 天地图) differs from WGS-84 by centimetres and is treated as WGS-84.
- GCJ-02 ("Mars coordinates", 国测局坐标): the obfuscated datum required for published maps in
  mainland China (高德/Amap, Tencent, DataV boundaries). The offset is some hundreds of metres
  and varies smoothly with position; outside China the coordinates are left unchanged.
- BD-09: Baidu's datum, a further polar-coordinate shift applied on top of GCJ-02.

Sources of the formulas: the GCJ-02 forward transformation is the published (leaked and
widely reproduced) algorithm of the national survey bureau's obfuscation, evaluated on the
Krasovsky 1940 ellipsoid (semi-major axis ``a = 6378245.0`` m, squared eccentricity
``ee = 0.00669342162296594323``). GCJ-02 has no closed-form inverse; :func:`gcj02_to_wgs84`
inverts it by fixed-point iteration to better than 1e-9 degrees (about 0.1 mm). The BD-09
shift is Baidu's published ``x_pi = pi * 3000 / 180`` polar formula; its inverse is likewise
refined by iteration so that round trips are exact to the same tolerance.

The "in China" test is the customary rectangle (longitude 72.004–137.8347, latitude
0.8293–55.8271); GCJ-02 offsets are applied only inside it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "DATUMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "normalize_datum",
    "out_of_china",
    "to_wgs84",
    "transform_geometry",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 algorithm.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323

# Baidu's BD-09 constant.
X_PI = math.pi * 3000.0 / 180.0

# Iterative inverses stop when the residual is below this (degrees; ~0.1 mm).
_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 50

#: Accepted datum names. ``cgcs2000`` is treated as ``wgs84``.
DATUMS = ("wgs84", "gcj02", "bd09", "cgcs2000")

Point = tuple[float, float]


def out_of_china(lon: float, lat: float) -> bool:
    """Return True when (lon, lat) in degrees lies outside the rectangle where GCJ-02 applies."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset_lat(x: float, y: float) -> float:
    """Latitude distortion term of GCJ-02; x, y are degrees relative to (105, 35)."""
    result = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * math.pi * x) + 20.0 * math.sin(2.0 * math.pi * x)) * 2.0 / 3.0
    result += (20.0 * math.sin(math.pi * y) + 40.0 * math.sin(math.pi * y / 3.0)) * 2.0 / 3.0
    result += (
        (160.0 * math.sin(math.pi * y / 12.0) + 320.0 * math.sin(math.pi * y / 30.0)) * 2.0 / 3.0
    )
    return result


def _offset_lon(x: float, y: float) -> float:
    """Longitude distortion term of GCJ-02; x, y are degrees relative to (105, 35)."""
    result = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * math.pi * x) + 20.0 * math.sin(2.0 * math.pi * x)) * 2.0 / 3.0
    result += (20.0 * math.sin(math.pi * x) + 40.0 * math.sin(math.pi * x / 3.0)) * 2.0 / 3.0
    result += (
        (150.0 * math.sin(math.pi * x / 12.0) + 300.0 * math.sin(math.pi * x / 30.0)) * 2.0 / 3.0
    )
    return result


def _gcj02_delta(lon: float, lat: float) -> Point:
    """The (dlon, dlat) in degrees that GCJ-02 adds to a WGS-84 point inside China.

    The distortion terms are metres on the Krasovsky ellipsoid; they are turned into degrees
    with the meridional and prime-vertical radii of curvature at the latitude.
    """
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    w = 1.0 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_w = math.sqrt(w)
    meridional_radius = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * sqrt_w)
    prime_vertical_radius = KRASOVSKY_A / sqrt_w
    d_lat = d_lat * 180.0 / (meridional_radius * math.pi)
    d_lon = d_lon * 180.0 / (prime_vertical_radius * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> Point:
    """Convert WGS-84 (lon, lat) degrees to GCJ-02 (lon, lat) degrees.

    Points outside China are returned unchanged.
    """
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _gcj02_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def _invert(
    forward: Callable[[float, float], Point], lon: float, lat: float, start: Point
) -> Point:
    """Solve ``forward(p) == (lon, lat)`` for p by fixed-point iteration from ``start``.

    The datum shifts are small, smooth perturbations of the identity, so the correction
    ``p += target - forward(p)`` converges quickly (a handful of steps to 1e-10 degrees).
    """
    p_lon, p_lat = start
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = forward(p_lon, p_lat)
        e_lon, e_lat = lon - f_lon, lat - f_lat
        p_lon += e_lon
        p_lat += e_lat
        if abs(e_lon) < _TOLERANCE_DEG and abs(e_lat) < _TOLERANCE_DEG:
            break
    return p_lon, p_lat


def gcj02_to_wgs84(lon: float, lat: float) -> Point:
    """Convert GCJ-02 (lon, lat) degrees to WGS-84 (lon, lat) degrees.

    Iterative inverse of :func:`wgs84_to_gcj02`, accurate to better than 1e-9 degrees
    (well under 0.01 m). Points outside China are returned unchanged.
    """
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _gcj02_delta(lon, lat)
    return _invert(wgs84_to_gcj02, lon, lat, (lon - d_lon, lat - d_lat))


def gcj02_to_bd09(lon: float, lat: float) -> Point:
    """Convert GCJ-02 (lon, lat) degrees to BD-09 (lon, lat) degrees (Baidu's formula)."""
    radius = math.hypot(lon, lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * X_PI)
    return radius * math.cos(theta) + 0.0065, radius * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> Point:
    """Convert BD-09 (lon, lat) degrees to GCJ-02 (lon, lat) degrees.

    Starts from Baidu's approximate closed-form inverse and refines it by iteration, so that
    ``gcj02_to_bd09(*bd09_to_gcj02(p)) == p`` to better than 1e-9 degrees.
    """
    x, y = lon - 0.0065, lat - 0.006
    radius = math.hypot(x, y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    start = (radius * math.cos(theta), radius * math.sin(theta))
    return _invert(gcj02_to_bd09, lon, lat, start)


def wgs84_to_bd09(lon: float, lat: float) -> Point:
    """Convert WGS-84 (lon, lat) degrees to BD-09 (lon, lat) degrees (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> Point:
    """Convert BD-09 (lon, lat) degrees to WGS-84 (lon, lat) degrees (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def normalize_datum(datum: str) -> str:
    """Return the canonical datum name (``cgcs2000`` → ``wgs84``); ValueError if unknown."""
    name = str(datum).strip().lower().replace("-", "").replace("_", "")
    if name not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(DATUMS)}")
    return "wgs84" if name == "cgcs2000" else name


def _identity(lon: float, lat: float) -> Point:
    return lon, lat


_TO_WGS84: dict[str, Callable[[float, float], Point]] = {
    "wgs84": _identity,
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}
_FROM_WGS84: dict[str, Callable[[float, float], Point]] = {
    "wgs84": _identity,
    "gcj02": wgs84_to_gcj02,
    "bd09": wgs84_to_bd09,
}


def to_wgs84(lon: float, lat: float, datum: str) -> Point:
    """Convert (lon, lat) degrees in ``datum`` to WGS-84 (lon, lat) degrees.

    ``datum`` is one of ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000`` (treated as WGS-84);
    anything else raises ValueError.
    """
    return _TO_WGS84[normalize_datum(datum)](float(lon), float(lat))


def from_wgs84(lon: float, lat: float, datum: str) -> Point:
    """Convert WGS-84 (lon, lat) degrees to ``datum`` (e.g. for GCJ-02 map tiles)."""
    return _FROM_WGS84[normalize_datum(datum)](float(lon), float(lat))


# GeoJSON geometry type -> nesting depth of its positions inside "coordinates".
_POSITION_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


def transform_geometry(
    geometry: dict[str, Any], datum: str, *, precision: int | None = None
) -> dict[str, Any]:
    """Return a copy of a GeoJSON geometry with its coordinates converted to WGS-84.

    ``geometry`` is a GeoJSON geometry object (Point, MultiPoint, LineString,
    MultiLineString, Polygon, MultiPolygon or GeometryCollection) whose positions are
    [lon, lat(, alt)] degrees in ``datum``. Extra members and altitudes are kept. With a
    WGS-84 (or CGCS2000) datum the copy is returned unchanged. ``precision`` rounds converted
    coordinates to that many decimal places (7 decimals is about 1 cm).
    The input is never modified. Raises ValueError for an unknown datum or a malformed
    geometry.
    """
    return _transform(geometry, _TO_WGS84[normalize_datum(datum)], precision)


def transform_geometry_from_wgs84(
    geometry: dict[str, Any], datum: str, *, precision: int | None = None
) -> dict[str, Any]:
    """The inverse of :func:`transform_geometry`: a WGS-84 GeoJSON geometry converted to
    ``datum`` (e.g. to draw stored boundaries on GCJ-02 map tiles). Same errors."""
    return _transform(geometry, _FROM_WGS84[normalize_datum(datum)], precision)


def _transform(geometry: dict[str, Any], convert, precision: int | None) -> dict[str, Any]:
    if not isinstance(geometry, dict):
        raise ValueError("geometry must be a GeoJSON object")
    result = copy.deepcopy(geometry)
    if convert is _identity:
        return result

    def position(pos: Any) -> list[Any]:
        if (
            not isinstance(pos, Sequence)
            or isinstance(pos, str)
            or len(pos) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])
        ):
            raise ValueError(f"invalid GeoJSON position: {pos!r}")
        lon, lat = convert(float(pos[0]), float(pos[1]))
        if precision is not None:
            lon, lat = round(lon, precision), round(lat, precision)
        return [lon, lat, *pos[2:]]

    def walk(node: Any, depth: int) -> list[Any]:
        if depth == 0:
            return position(node)
        if not isinstance(node, list):
            raise ValueError("invalid GeoJSON coordinates: expected an array")
        return [walk(child, depth - 1) for child in node]

    def transform(geom: dict[str, Any]) -> None:
        kind = geom.get("type")
        if kind == "GeometryCollection":
            geometries = geom.get("geometries")
            if not isinstance(geometries, list):
                raise ValueError("GeometryCollection without a geometries array")
            for child in geometries:
                if not isinstance(child, dict):
                    raise ValueError("geometry must be a GeoJSON object")
                transform(child)
            return
        if kind not in _POSITION_DEPTH:
            raise ValueError(f"unsupported GeoJSON geometry type: {kind!r}")
        if "coordinates" not in geom:
            raise ValueError(f"{kind} without coordinates")
        geom["coordinates"] = walk(geom["coordinates"], _POSITION_DEPTH[kind])

    transform(result)
    return result
