"""Point location: which county, subdistrict, community, unit grid and supervision grid a
WGS-84 point falls in, using shapely STRtree indexes over the stored polygons.

Geometries are projected once into a local metric plane (equirectangular around the city's
centre latitude) so that the boundary margin is measured in metres; over a city (~1°) the
scale error of this projection is below 1 %, far less than a GPS fix's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from shapely import STRtree, points, prepare
from shapely import transform as shapely_transform
from shapely.geometry import shape

from wenming.core import reference
from wenming.core.errors import ApplicationError

from .models import Grid, Region, SupervisionGrid

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), metres


@dataclass(frozen=True)
class Location:
    """The areas containing a point. Any field may be None where no polygon covers it
    (real community boundaries are rarely published; a point outside every unit grid still
    gets its county). ``near_boundary`` lists the areas whose boundary is closer than the
    margin (metres) to the point."""

    lat: float
    lon: float
    county: Region | None = None
    subdistrict: Region | None = None
    community: Region | None = None
    grid: Grid | None = None
    supervision_grid_id: int | None = None
    near_boundary: tuple[str, ...] = field(default_factory=tuple)


class _Layer:
    """One STRtree over projected polygons, with the model ids behind them."""

    def __init__(self, ids: list[int], geoms: list) -> None:
        self.ids = ids
        self.geoms = geoms
        self.tree = STRtree(geoms) if geoms else None

    def containing(self, pt) -> list[int]:
        if self.tree is None:
            return []
        return [self.ids[i] for i in self.tree.query(pt, predicate="intersects")]

    def near_edge(self, pt, margin_m: float) -> list[int]:
        """Ids of polygons whose boundary lies within ``margin_m`` of the point."""
        if self.tree is None:
            return []
        hits = self.tree.query(pt, predicate="dwithin", distance=margin_m)
        return [self.ids[i] for i in hits if self.geoms[i].boundary.distance(pt) <= margin_m]


class _Index:
    def __init__(self) -> None:
        city = Region.objects.filter(code=settings.WENMING_CITY_CODE).only("boundary").first()
        # Projection centre: the city's middle latitude (any stored polygon if none).
        sample = city.boundary if city and city.boundary else None
        if sample is None:
            any_grid = Grid.objects.only("boundary").first()
            sample = any_grid.boundary if any_grid else None
        lat0 = shape(sample).centroid.y if sample else 0.0
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self.ky = math.radians(1) * EARTH_RADIUS_M
        self.city = self._project(city.boundary) if city and city.boundary else None
        if self.city is not None:
            prepare(self.city)  # many point-in-polygon tests against one polygon
        counties = list(
            Region.objects.filter(level=Region.Level.COUNTY, boundary__isnull=False).only(
                "id", "boundary"
            )
        )
        self.counties = _Layer(
            [r.id for r in counties], [self._project(r.boundary) for r in counties]
        )
        grids = list(Grid.objects.only("id", "boundary"))
        self.grids = _Layer([g.id for g in grids], [self._project(g.boundary) for g in grids])
        self._rows = self._read_rows()

    @staticmethod
    def _read_rows() -> dict[tuple[str, int], object]:
        """Every grid (its community, subdistrict, county and city, and its supervision
        grid, reachable without a query) and every region, without boundaries, keyed
        ``("grid", id)`` / ``("region", id)``.

        Read with the index, not row by row on first use: a process would otherwise run one
        five-table query per unit grid the first time a report falls in it, for as long as
        it lives (the index holds every boundary anyway; these rows are far smaller). Rows
        share their parents: one Region object per region."""
        regions = {r.id: r for r in Region.objects.defer("boundary")}
        parent = Region._meta.get_field("parent")
        for region in regions.values():
            if region.parent_id in regions:
                parent.set_cached_value(region, regions[region.parent_id])
        supervision = {s.id: s for s in SupervisionGrid.objects.defer("boundary")}
        community = Grid._meta.get_field("community")
        supervision_grid = Grid._meta.get_field("supervision_grid")
        rows: dict[tuple[str, int], object] = {("region", pk): r for pk, r in regions.items()}
        for grid in Grid.objects.defer("boundary"):
            if grid.community_id in regions:
                community.set_cached_value(grid, regions[grid.community_id])
            if grid.supervision_grid_id in supervision:
                supervision_grid.set_cached_value(grid, supervision[grid.supervision_grid_id])
            rows[("grid", grid.id)] = grid
        return rows

    def row(self, kind: str, pk: int):
        """The grid ``pk`` (``kind`` "grid", with its community, subdistrict, county, city and
        supervision grid) or the region ``pk`` (``kind`` "region"), without boundaries, as
        read when the index was built (:meth:`_read_rows`); None for an id it does not hold.

        Every intake locates a point; these rows are reference data that change far less
        often than cases are filed. A change to any area moves the ``geo`` stamp
        (:mod:`wenming.core.reference`) and the next lookup builds a new index."""
        return self._rows.get((kind, pk))

    def _project(self, geojson: dict):
        kx, ky = self.kx, self.ky
        scale = np.array([kx, ky])
        return shapely_transform(shape(geojson), lambda coords: coords * scale)

    def point(self, lon: float, lat: float):
        return points(lon * self.kx, lat * self.ky)


# The index of this process, rebuilt when the areas' stamp moves (any change to a region,
# grid or supervision grid; wenming.core.reference): one small read per lookup, none inside
# reference.pinned().
_indexes = reference.Cache("geo")


def invalidate() -> None:
    """Drop this process's cached index (tests that swap whole databases)."""
    _indexes.clear()


def _get_index() -> _Index:
    return _indexes.get("index", _Index)


def region_chain(region_id: int) -> list[int]:
    """Ids of the region ``region_id`` and its ancestors up to the city, nearest first, as the
    areas stand (the index of the current stamps; no query of its own inside
    :func:`wenming.core.reference.pinned`). A region the index does not hold ends the chain;
    so does one seen twice: a region made its own ancestor by a wrong parent in the admin
    or an import must not hang the request."""
    rows = _get_index()._rows
    ids: list[int] = []
    current = region_id
    while current is not None and current not in ids:
        ids.append(current)
        row = rows.get(("region", current))
        current = row.parent_id if row is not None else None
    return ids


def validate_point(lat, lon) -> tuple[float, float]:
    """Check that ``lat``/``lon`` are finite WGS-84 degrees and not the (0, 0) "null island"
    that a GPS failure produces. Returns them as floats; raises ApplicationError (400)."""
    if lat is None or lon is None:
        raise ApplicationError(
            "location_required", _("A location (latitude and longitude) is required.")
        )
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ApplicationError("invalid_location", _("The location is not a number.")) from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise ApplicationError("invalid_location", _("The location is not a number."))
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        if -90 <= lon_f <= 90 and -180 <= lat_f <= 180:
            # e.g. (116.0, 36.4) for a point in 聊城: the two numbers typed the wrong way round.
            raise ApplicationError(
                "invalid_location",
                _(
                    "The latitude must be between -90 and 90: latitude and longitude seem to "
                    "be the wrong way round."
                ),
            )
        raise ApplicationError("invalid_location", _("The location is outside valid coordinates."))
    if lat_f == 0 and lon_f == 0:
        raise ApplicationError(
            "invalid_location",
            _("The location (0, 0) is not a real position; the device has no GPS fix."),
        )
    return lat_f, lon_f


def locate(lat, lon) -> Location:
    """Locate a WGS-84 point (degrees) in the city's areas.

    Raises ApplicationError (400) for a missing or invalid coordinate, (0, 0), or a point
    outside the city boundary (when the city's boundary is loaded). A point within
    ``settings.WENMING_BOUNDARY_MARGIN_M`` metres of a county or unit-grid boundary is listed
    in ``near_boundary`` so the office can check the routing.
    """
    lat_f, lon_f = validate_point(lat, lon)
    idx = _get_index()
    pt = idx.point(lon_f, lat_f)
    margin = settings.WENMING_BOUNDARY_MARGIN_M
    if idx.city is not None and not idx.city.intersects(pt):
        raise ApplicationError(
            "outside_city",
            _("The location is outside the city boundary."),
            detail={"lat": lat_f, "lon": lon_f},
        )
    near: list[str] = []
    grid = None
    grid_ids = idx.grids.containing(pt)
    if grid_ids:
        # Overlapping grids (bad data) resolve to the lowest id, deterministically.
        # Boundaries are not needed here: the county's is large and would be decoded per call.
        grid = idx.row("grid", min(grid_ids))
    near_grids = idx.grids.near_edge(pt, margin)
    if len(set(near_grids) | set(grid_ids)) > 1 or (near_grids and not grid_ids):
        near.append("grid")
    county_ids = idx.counties.containing(pt)
    county = idx.row("region", min(county_ids)) if county_ids else None
    near_counties = idx.counties.near_edge(pt, margin)
    if len(set(near_counties) | set(county_ids)) > 1:
        near.append("county")
    community = grid.community if grid else None
    subdistrict = community.parent if community else None
    if subdistrict is not None and subdistrict.parent_id and county is None:
        county = subdistrict.parent
    return Location(
        lat=lat_f,
        lon=lon_f,
        county=county,
        subdistrict=subdistrict,
        community=community,
        grid=grid,
        supervision_grid_id=grid.supervision_grid_id if grid else None,
        near_boundary=tuple(near),
    )
