from django.contrib import admin
from django.db import transaction

from . import locate
from .models import Grid, Region, SupervisionGrid


class _BoundaryAdmin(admin.ModelAdmin):
    """Editing a boundary must reach every process's point-location index."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if "boundary" in form.changed_data:
                locate.boundaries_changed()


@admin.register(Region)
class RegionAdmin(_BoundaryAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(SupervisionGrid)
class SupervisionGridAdmin(_BoundaryAdmin):
    list_display = ["code", "name", "leader_name", "leader_title", "generated"]
    list_filter = ["generated"]
    search_fields = ["code", "name", "leader_name"]
    filter_horizontal = ["regions"]


@admin.register(Grid)
class GridAdmin(_BoundaryAdmin):
    list_display = ["code", "name", "community", "supervision_grid", "generated"]
    list_filter = ["generated", "supervision_grid"]
    search_fields = ["code", "name", "community__name"]
    raw_id_fields = ["community"]
