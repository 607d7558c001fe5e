from django.contrib import admin

from wenming.core.trees import TreeAdminForm

from .models import Grid, Region, SupervisionGrid


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = TreeAdminForm
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(SupervisionGrid)
class SupervisionGridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "leader_name", "leader_title", "generated"]
    list_filter = ["generated"]
    search_fields = ["code", "name", "leader_name"]
    filter_horizontal = ["regions"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community", "supervision_grid", "generated"]
    list_filter = ["generated", "supervision_grid"]
    search_fields = ["code", "name", "community__name"]
    raw_id_fields = ["community"]
