"""Read-only admin views of the inspections app: changes go through the services (imports,
round planning, checklists), so the admin only shows rows."""

from django.contrib import admin

from .models import (
    Criterion,
    InspectionEvent,
    InspectionRound,
    Point,
    PointType,
    StandardVersion,
    Submission,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointType)
class PointTypeAdmin(ReadOnly):
    list_display = ("code", "name", "seq")


@admin.register(StandardVersion)
class StandardVersionAdmin(ReadOnly):
    list_display = ("code", "name", "is_current", "is_example", "created_at")


@admin.register(Criterion)
class CriterionAdmin(ReadOnly):
    list_display = ("code", "text", "method", "category", "version")
    list_filter = ("version", "method")
    list_select_related = ("category", "version")
    search_fields = ("code", "text")


@admin.register(Point)
class PointAdmin(ReadOnly):
    list_display = ("code", "name", "point_type", "supervision_grid", "community", "is_active")
    list_filter = ("point_type", "supervision_grid")
    list_select_related = ("point_type", "supervision_grid", "community")
    search_fields = ("code", "name")


@admin.register(InspectionRound)
class InspectionRoundAdmin(ReadOnly):
    list_display = ("number", "name", "kind", "status", "starts_on", "ends_on")


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ("round", "point", "inspector", "submitted_at", "failed", "far_from_point")
    list_select_related = ("round", "point", "inspector")


@admin.register(InspectionEvent)
class InspectionEventAdmin(ReadOnly):
    list_display = ("action", "actor", "at", "round")
    list_select_related = ("actor", "round")
