"""Admin: citizen reports are read-only (they change through the triage page and services);
service attributes are reference data; Open311 clients are listed (created with the
``open311_client`` command, which shows the api_key once)."""

from django.contrib import admin

from .models import Open311Client, PublicReport, PublicReportEvent, ServiceAttribute


class PublicReportEventInline(admin.TabularInline):
    model = PublicReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "at", "actor", "note", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PublicReport)
class PublicReportAdmin(admin.ModelAdmin):
    list_display = ["code", "status", "channel", "category", "submitted_at", "case"]
    list_filter = ["status", "channel"]
    search_fields = ["code"]
    inlines = [PublicReportEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["code", "category", "datatype", "required", "order", "is_active"]
    list_filter = ["datatype", "required", "is_active"]
    search_fields = ["code", "description"]
    raw_id_fields = ["category"]


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "user", "source", "trusted", "is_active", "last_used_at"]
    list_filter = ["trusted", "is_active", "source"]
    readonly_fields = ["key_hash", "key_prefix", "created_at", "last_used_at"]
    fields = ["name", "user", "source", "trusted", "is_active", *readonly_fields]

    def has_add_permission(self, request):
        return False
