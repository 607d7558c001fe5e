from django.contrib import admin

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "parent",
        "deadline_amount",
        "deadline_unit",
        "is_active",
    ]
    list_filter = ["kind", "deadline_unit", "is_active"]
    search_fields = ["code", "name", "pinyin_initials", "legal_basis"]
    raw_id_fields = ["parent"]
