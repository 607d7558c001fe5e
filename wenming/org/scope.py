"""Who may see what: a user's roles, units and areas, computed once per request."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Membership

Role = Membership.Role


@dataclass(frozen=True)
class Scope:
    """A user's access scope.

    ``sees_all``: office, leader, superuser, or an inspector without an area. ``unit_ids``:
    units the user handles cases for. ``region_ids``: regions (county, subdistrict or
    community ids) whose cases the user sees as area staff or area-limited inspector.
    """

    user_id: int | None
    roles: frozenset[str]
    unit_ids: frozenset[int]
    region_ids: frozenset[int]
    is_superuser: bool = False

    @property
    def is_office(self) -> bool:
        return self.is_superuser or Role.OFFICE in self.roles

    @property
    def is_inspector(self) -> bool:
        return Role.INSPECTOR in self.roles

    @property
    def is_leader(self) -> bool:
        return Role.LEADER in self.roles

    @property
    def sees_all(self) -> bool:
        return self.is_office or self.is_leader or self._inspector_citywide

    _inspector_citywide: bool = False


def scope_for(user) -> Scope:
    """Build the :class:`Scope` of ``user`` (anonymous or inactive users get an empty one)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(None, frozenset(), frozenset(), frozenset())
    cached = getattr(user, "_wenming_scope", None)
    if cached is not None:
        return cached
    roles, units, regions, citywide_inspector = set(), set(), set(), False
    for role, unit_id, region_id in Membership.objects.filter(user=user).values_list(
        "role", "unit_id", "region_id"
    ):
        roles.add(role)
        if role == Role.UNIT_HANDLER and unit_id:
            units.add(unit_id)
        if role in (Role.AREA_STAFF, Role.INSPECTOR) and region_id:
            regions.add(region_id)
        if role == Role.INSPECTOR and not region_id:
            citywide_inspector = True
    scope = Scope(
        user.id,
        frozenset(roles),
        frozenset(units),
        frozenset(regions),
        is_superuser=user.is_superuser,
        _inspector_citywide=citywide_inspector,
    )
    user._wenming_scope = scope
    return scope
