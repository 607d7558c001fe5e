from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .models import ApiToken, Membership, RoutingRule, Unit
from .services import api_token_create


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "region"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "is_active", "generated"]
    list_filter = ["kind", "is_active", "generated"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "parent"]
    filter_horizontal = ["supervision_grids"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "region"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name", "region__name"]
    raw_id_fields = ["user", "unit", "region"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "region", "unit", "note"]
    search_fields = ["category__name", "category__code", "region__name", "unit__name"]
    raw_id_fields = ["category", "region", "unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Adding a token generates its key and shows it once; only the hash is stored."""

    list_display = ["user", "name", "created_at", "last_used_at"]
    fields = ["user", "name", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]
    raw_id_fields = ["user"]
    search_fields = ["user__username", "name"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        token, key = api_token_create(request.user, username=obj.user.username, name=obj.name)
        obj.pk = token.pk
        messages.warning(
            request,
            _("The token's key, shown only now — copy it: %(key)s") % {"key": key},
        )
