from django.contrib import admin

from .models import Delivery, DeliveryAttempt, Message, UnitChannel, UnitPreference, UserPreference


@admin.register(UnitChannel)
class UnitChannelAdmin(admin.ModelAdmin):
    """Group robots are configuration (like routing rules): edited here by the office."""

    list_display = ["name", "unit", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "unit__name"]
    raw_id_fields = ["unit"]


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "started_at", "finished_at", "ok", "error", "digest"]

    def has_add_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(_ReadOnly):
    list_display = ["created_at", "kind", "subject", "case"]
    list_filter = ["kind"]
    search_fields = ["subject", "key"]


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    """Read-only: deliveries change only through the services (retry from the log page)."""

    list_display = ["id", "message", "channel", "user", "unit_channel", "status", "attempts"]
    list_filter = ["status", "channel"]
    search_fields = ["message__subject", "user__username", "address"]
    inlines = [AttemptInline]


admin.site.register(UserPreference, _ReadOnly)
admin.site.register(UnitPreference, _ReadOnly)
