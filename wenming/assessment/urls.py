"""Pages of the assessment app."""

from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("indicators/", views.indicators, name="indicators"),
    path("explain/", views.explain, name="explain"),
    path("publish/", views.publish, name="publish"),
    path("published/", views.publications, name="publications"),
    path("published/<int:pk>/", views.publication, name="publication"),
    path("published/<int:pk>/export.xlsx", views.export_published, name="export_published"),
    path("published/<int:pk>/unit/<int:unit_id>/", views.published_unit, name="published_unit"),
    path("unit/<int:unit_id>/", views.unit_live, name="unit"),
    path("export.xlsx", views.export, name="export"),
    path("trend/", views.trend, name="trend"),
    path("schemes/", views.schemes, name="schemes"),
    path("adjustments/", views.adjustments, name="adjustments"),
]
