"""Categories for clients."""

from ninja import Router, Schema

from .models import Category

router = Router(tags=["reference"])


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    deadline_amount: int | None
    deadline_unit: str
    legal_basis: str
    pinyin_initials: str


@router.get("/categories", response=list[CategoryOut], summary="Active problem categories")
def categories(request):
    return list(
        Category.objects.filter(is_active=True).values(
            "id",
            "code",
            "name",
            "kind",
            "parent_id",
            "deadline_amount",
            "deadline_unit",
            "legal_basis",
            "pinyin_initials",
        )
    )
