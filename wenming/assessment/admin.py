"""Admin views of assessment rows: read-only. Schemes get new versions, adjustments and
publications are made through the pages (/assessment/schemes/, /assessment/adjustments/,
publish), which call :mod:`wenming.assessment.services` (validation plus audit rows)."""

from django.contrib import admin

from .models import Adjustment, AuditEntry, Publication, PublishedRow, Scheme, SchemeVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SchemeVersionInline(admin.TabularInline):
    model = SchemeVersion
    extra = 0
    fields = ["number", "note", "created_by", "created_at", "config"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit_kind", "is_active", "created_at"]
    inlines = [SchemeVersionInline]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["period_key", "unit", "points", "reason", "created_by", "withdrawn_at"]
    list_filter = ["period_key"]


class PublishedRowInline(admin.TabularInline):
    model = PublishedRow
    extra = 0
    fields = ["unit_kind", "rank", "unit_name", "score", "grade", "board", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["period_key", "number", "published_by", "published_at", "note"]
    inlines = [PublishedRowInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor", "object_type", "object_id"]
    list_filter = ["action"]
