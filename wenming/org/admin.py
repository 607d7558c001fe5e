from django.contrib import admin

from .models import ApiToken, Membership, RoutingRule, Unit


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
    list_display = ["user", "name", "created_at", "last_used_at"]
    readonly_fields = ["key_hash", "created_at", "last_used_at"]
    search_fields = ["user__username", "name"]
