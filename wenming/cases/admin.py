from django.contrib import admin

from .models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["seq", "action", "actor", "at", "from_status", "to_status", "note", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the services (the ledger's audit trail)."""

    list_display = ["number", "title", "status", "category", "unit", "subdistrict", "deadline"]
    list_filter = ["status", "source"]
    search_fields = ["number", "title"]
    inlines = [CaseEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
