"""Regions (statistical divisions), unit grids and supervision grids.

Geometries are stored as GeoJSON geometry objects (``{"type": "MultiPolygon", ...}``) in
WGS-84 degrees, longitude first. No GDAL/PostGIS is needed: shapely reads them in memory
(see :mod:`wenming.geo.locate`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative division: city, county, subdistrict (乡镇/街道) or community (社区/村).

    ``code`` is the official statistical division code (统计用区划代码), the natural key:
    6 digits for city (``371500``) and county (``371502``), 9 for subdistricts
    (``371502001``), 12 for communities (``371502001004``).
    """

    class Level(models.TextChoices):
        CITY = "city", _("city")
        COUNTY = "county", _("county")
        SUBDISTRICT = "subdistrict", _("subdistrict")
        COMMUNITY = "community", _("community")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)
    boundary_source = models.CharField(_("boundary source"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class SupervisionGrid(models.Model):
    """A campaign supervision grid (创城网格, e.g. 第九网格) led by a city leader.

    Member units are on :class:`wenming.org.models.Unit.supervision_grids` (geo imports no
    app above it). ``generated`` marks demo grids drawn inside a real boundary because real
    grid boundaries are not public.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    leader_name = models.CharField(_("leader"), max_length=100, blank=True)
    leader_title = models.CharField(_("leader title"), max_length=100, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_supervision_grids",
    )
    regions = models.ManyToManyField(Region, blank=True, related_name="supervision_grids")
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)
    generated = models.BooleanField(_("generated (demo)"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("supervision grid")
        verbose_name_plural = _("supervision grids")

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A unit grid (单元网格): a small cell used to locate a case, inside one community."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="grids", null=True, blank=True
    )
    supervision_grid = models.ForeignKey(
        SupervisionGrid, on_delete=models.SET_NULL, null=True, blank=True, related_name="grids"
    )
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    generated = models.BooleanField(_("generated (demo)"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit grid")
        verbose_name_plural = _("unit grids")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
