"""``manage.py import_boundaries FILE --datum gcj02``: store region boundaries from GeoJSON.

Each feature names its region by a code property (DataV files: ``adcode``, e.g. 371502; the
city is 371500), which must match an existing :class:`~wenming.geo.models.Region` code. The
polygon is converted from the file's datum to WGS-84 and stored in ``Region.boundary``.
Running it again with the same file reports every region as unchanged.

The whole file is checked before anything is written, and the writes happen in one
transaction: a file with any bad feature changes nothing. :func:`import_boundary_file` is the
code path shared with ``load_reference``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.core.datum import normalize_datum, transform_geometry
from wenming.core.errors import ApplicationError
from wenming.geo.models import Region

#: Converted coordinates are rounded to 7 decimals (about 1 cm).
PRECISION = 7
POLYGON_TYPES = ("Polygon", "MultiPolygon")
UNCHANGED = "unchanged"
UPDATED = "updated"


@dataclass(frozen=True)
class BoundaryResult:
    """What happened to one region's boundary: ``status`` is "updated" or "unchanged"."""

    code: str
    name: str
    level: str
    status: str


def _fail(message: str, **detail: Any) -> ApplicationError:
    return ApplicationError("invalid_boundary_file", message, detail=detail)


def read_features(path: Path) -> list[dict[str, Any]]:
    """Read a GeoJSON FeatureCollection (or a single Feature) and return its features."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(_("File not found: %(path)s") % {"path": path}) from None
    except OSError as exc:
        raise _fail(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}
        ) from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(
            _("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": exc}
        ) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise _fail(_("%(path)s: the FeatureCollection has no features array") % {"path": path})
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    else:
        raise _fail(_("%(path)s is not a GeoJSON FeatureCollection or Feature") % {"path": path})
    if not features:
        raise _fail(_("%(path)s contains no features") % {"path": path})
    return features


def _feature_code(feature: Any, index: int, code_property: str) -> str:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _fail(_("Feature %(index)d is not a GeoJSON Feature") % {"index": index})
    properties = feature.get("properties") or {}
    value = properties.get(code_property) if isinstance(properties, dict) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise _fail(
            _('Feature %(index)d has no "%(property)s" property')
            % {"index": index, "property": code_property}
        )
    return str(value).strip()


def _check_polygon(coordinates: Any) -> bool:
    """True when ``coordinates`` is a list of linear rings of valid lon/lat positions."""
    if not isinstance(coordinates, list) or not coordinates:
        return False
    for ring in coordinates:
        if not isinstance(ring, list) or len(ring) < 4:
            return False
        for position in ring:
            if not isinstance(position, list) or len(position) < 2:
                return False
            lon, lat = position[0], position[1]
            for value in (lon, lat):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return False
                if not math.isfinite(value):
                    return False
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                return False
    return True


def _check_geometry(geometry: Any, index: int, code: str) -> dict[str, Any]:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in POLYGON_TYPES:
        raise _fail(
            _(
                "Feature %(index)d (%(code)s): geometry must be a Polygon or MultiPolygon, not %(type)s"
            )
            % {"index": index, "code": code, "type": kind or _("none")}
        )
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons or not all(map(_check_polygon, polygons)):
        raise _fail(
            _("Feature %(index)d (%(code)s): invalid %(type)s coordinates")
            % {"index": index, "code": code, "type": kind}
        )
    return geometry


def import_boundary_file(
    path: Path | str,
    *,
    datum: str,
    code_property: str = "adcode",
    level: str | None = None,
    source: str | None = None,
) -> list[BoundaryResult]:
    """Store the boundaries of a GeoJSON file on the matching regions, in WGS-84.

    ``datum`` is the file's datum (gcj02, bd09, wgs84 or cgcs2000); ``level``, when given,
    must be the level of every matched region; ``source`` is stored in
    ``Region.boundary_source`` (default: the file name and datum). Everything is validated
    before the first write and written in one transaction; any problem raises
    :class:`~wenming.core.errors.ApplicationError` and changes nothing.
    """
    path = Path(path)
    try:
        datum = normalize_datum(datum)
    except ValueError:
        raise _fail(_("Unknown datum: %(datum)s") % {"datum": datum}) from None
    if level is not None and level not in Region.Level.values:
        raise _fail(_("Unknown level: %(level)s") % {"level": level})
    if source is None:
        source = f"{path.name} ({datum}, converted to WGS-84)" if datum != "wgs84" else path.name
    max_source = Region._meta.get_field("boundary_source").max_length
    if len(source) > max_source:
        raise _fail(_("The source text is longer than %(max)d characters") % {"max": max_source})

    features = read_features(path)
    geometries: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(features, start=1):
        code = _feature_code(feature, index, code_property)
        if code in geometries:
            raise _fail(
                _("Feature %(index)d repeats code %(code)s") % {"index": index, "code": code}
            )
        geometry = _check_geometry(feature.get("geometry"), index, code)
        geometries[code] = transform_geometry(geometry, datum, precision=PRECISION)

    regions = {r.code: r for r in Region.objects.filter(code__in=list(geometries))}
    unknown = [code for code in geometries if code not in regions]
    if unknown:
        raise _fail(
            _("No region with code %(codes)s (load the divisions first)")
            % {"codes": ", ".join(unknown)},
            codes=unknown,
        )
    if level is not None:
        wrong = [code for code in geometries if regions[code].level != level]
        if wrong:
            raise _fail(
                _("Region %(codes)s is not at level %(level)s")
                % {"codes": ", ".join(wrong), "level": level},
                codes=wrong,
            )

    results: list[BoundaryResult] = []
    changed: list[Region] = []
    for code, geometry in geometries.items():
        region = regions[code]
        if region.boundary == geometry and region.boundary_source == source:
            status = UNCHANGED
        else:
            region.boundary = geometry
            region.boundary_source = source
            changed.append(region)
            status = UPDATED
        results.append(BoundaryResult(code, region.name, region.level, status))
    Region.objects.bulk_update(changed, ["boundary", "boundary_source"])
    return results


def summary(results: list[BoundaryResult]) -> str:
    """ "N updated, M unchanged" for a list of results."""
    updated = sum(1 for r in results if r.status == UPDATED)
    return _("%(updated)d updated, %(unchanged)d unchanged") % {
        "updated": updated,
        "unchanged": len(results) - updated,
    }


class Command(BaseCommand):
    help = "Store region boundaries from a GeoJSON file, converted to WGS-84."

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON FeatureCollection or Feature")
        parser.add_argument(
            "--datum",
            required=True,
            choices=["gcj02", "bd09", "wgs84", "cgcs2000"],
            help="datum of the file's coordinates (DataV/Amap: gcj02, Baidu: bd09)",
        )
        parser.add_argument(
            "--code-property",
            default="adcode",
            help="feature property holding the region code (default: adcode)",
        )
        parser.add_argument(
            "--level",
            choices=Region.Level.values,
            help="refuse features whose region is not at this level",
        )
        parser.add_argument("--source", help="text stored as the boundary source")

    def handle(self, *args, **options):
        try:
            results = import_boundary_file(
                options["file"],
                datum=options["datum"],
                code_property=options["code_property"],
                level=options["level"],
                source=options["source"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"] >= 2:
            labels = {UPDATED: _("updated"), UNCHANGED: _("unchanged")}
            for result in results:
                self.stdout.write(
                    _("%(code)s %(name)s: %(status)s")
                    % {"code": result.code, "name": result.name, "status": labels[result.status]}
                )
        self.stdout.write(_("boundaries: %(summary)s") % {"summary": summary(results)})
