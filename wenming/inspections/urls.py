"""Pages of the inspections app (mounted at /inspections/)."""

from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", views.service_worker, name="sw"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_page, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/report/", views.round_report, name="report"),
    path("rounds/<int:pk>/points/<int:point_id>/", views.checklist, name="checklist"),
    path("rounds/<int:pk>/points/<int:point_id>/send/", views.checklist_send, name="submit"),
    path("checklists/<int:pk>/", views.submission_page, name="submission"),
    path("cases/<int:case_id>/checklist/", views.case_checklist, name="case_checklist"),
    path("standard/", views.standard, name="standard"),
    path("points/", views.points, name="points"),
    path("my-results/", views.my_results, name="my_results"),
    path("import/<str:what>/", views.import_file, name="import"),
]
