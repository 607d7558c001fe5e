from django import forms
from django.contrib import admin

from wenming.core.trees import refuse_cycle

from .models import Category


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = "__all__"  # noqa: DJ007 (the admin edits every field)

    def clean(self):
        cleaned = super().clean()
        refuse_cycle(self.instance, cleaned.get("parent"))
        return cleaned


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
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
