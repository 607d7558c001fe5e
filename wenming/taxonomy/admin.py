from django.contrib import admin

from wenming.core.trees import TreeAdminForm

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = TreeAdminForm
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
