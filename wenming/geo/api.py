"""Reference-data reads for clients: locate a point, regions, categories, units."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from wenming.core.errors import ApplicationError

from .locate import locate
from .models import Region

router = Router(tags=["reference"])


class LocateOut(Schema):
    lat: float
    lon: float
    county: str | None
    subdistrict: str | None
    community: str | None
    grid_id: int | None
    grid: str | None
    supervision_grid_id: int | None
    near_boundary: list[str]


@router.get("/locate", response=LocateOut, summary="Which areas contain a WGS-84 point")
def locate_point(request, lat: float, lon: float):
    where = locate(lat, lon)
    return {
        "lat": where.lat,
        "lon": where.lon,
        "county": where.county.name if where.county else None,
        "subdistrict": where.subdistrict.name if where.subdistrict else None,
        "community": where.community.name if where.community else None,
        "grid_id": where.grid.pk if where.grid else None,
        "grid": where.grid.name if where.grid else None,
        "supervision_grid_id": where.supervision_grid_id,
        "near_boundary": list(where.near_boundary),
    }


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


class RegionQuery(Schema):
    level: str | None = Field(None, max_length=12)
    parent: int | None = None


@router.get("/regions", response=list[RegionOut], summary="Regions by level or parent")
def regions(request, q: Query[RegionQuery]):
    if q.level is not None and q.level not in Region.Level.values:
        raise ApplicationError(
            "invalid_choice", _("level has an unknown value."), detail={"field": "level"}
        )
    if q.level is None and q.parent is None:
        raise ApplicationError(
            "filter_required", _("Give a level or a parent."), detail={"field": "level"}
        )
    if q.parent is not None and not (1 <= q.parent <= 2**63 - 1):
        raise ApplicationError(
            "invalid_choice", _("parent has an unknown value."), detail={"field": "parent"}
        )
    qs = Region.objects.all()
    if q.level:
        qs = qs.filter(level=q.level)
    if q.parent is not None:
        qs = qs.filter(parent_id=q.parent)
    return list(qs.values("id", "code", "name", "level", "parent_id")[:5000])
