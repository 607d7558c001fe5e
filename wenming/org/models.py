"""Responsible units, who works for them in which role, and routing rules."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from wenming.geo.models import Region, SupervisionGrid
from wenming.taxonomy.models import Category


class Unit(models.Model):
    """A responsible unit (责任单位): department, subdistrict office, community committee,
    property company or enterprise. ``region`` is the area it belongs to (for a subdistrict
    office its subdistrict, for a community committee its community)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("department")
        SUBDISTRICT_OFFICE = "subdistrict_office", _("subdistrict office")
        COMMUNITY_COMMITTEE = "community_committee", _("community committee")
        PROPERTY_COMPANY = "property_company", _("property company")
        ENTERPRISE = "enterprise", _("enterprise")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="units"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    supervision_grids = models.ManyToManyField(
        SupervisionGrid, blank=True, related_name="member_units"
    )
    generated = models.BooleanField(_("generated (demo)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role, in a unit (unit handler) or over an area (subdistrict/community staff,
    or an inspector limited to an area). Office admins and leaders need neither."""

    class Role(models.TextChoices):
        OFFICE = "office", _("campaign office")
        INSPECTOR = "inspector", _("inspector")
        UNIT_HANDLER = "unit_handler", _("unit handler")
        LEADER = "leader", _("leader")
        AREA_STAFF = "area_staff", _("subdistrict/community staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Coalesce: NULL unit/region must count as equal (SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                "user",
                "role",
                Coalesce("unit", 0),
                Coalesce("region", 0),
                name="membership_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="unit_handler") | models.Q(unit__isnull=False),
                name="membership_unit_handler_has_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="area_staff") | models.Q(region__isnull=False),
                name="membership_area_staff_has_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.unit or self.region or ''}"


class RoutingRule(models.Model):
    """Category × area → proposed responsible unit.

    An empty ``category`` matches every category, an empty ``region`` the whole city. The most
    specific rule wins: the case's own region first, then up the region tree; within a region,
    the case's category first, then up the category tree (see :func:`wenming.org.routing.propose_unit`).
    """

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="routing_rules"
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="routing_rules"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="routing_rules")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                Coalesce("category", 0), Coalesce("region", 0), name="routing_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} × {self.region or '*'} → {self.unit}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.name}"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
