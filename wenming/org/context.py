"""Template context: what the logged-in user's roles allow, for menus."""

from .scope import scope_for


def roles(request) -> dict:
    """``can_report``: the user may put new cases on the ledger (office, inspector, leader,
    area staff). Menus only; the services check again."""
    scope = scope_for(getattr(request, "user", None))
    return {
        "can_report": scope.is_office or bool(scope.roles & {"inspector", "leader", "area_staff"}),
        "is_office": scope.is_office,
    }
