"""Units for clients (e.g. to choose whom to dispatch to)."""

from ninja import Router, Schema

from .models import Unit

router = Router(tags=["reference"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_id: int | None


@router.get("/units", response=list[UnitOut], summary="Active responsible units")
def units(request):
    return list(
        Unit.objects.filter(is_active=True).values("id", "code", "name", "kind", "region_id")
    )
