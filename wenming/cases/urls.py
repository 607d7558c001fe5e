"""URLs of the cases app outside the JSON API (which lives under /api/)."""

from django.urls import path

from . import views, views_export

app_name = "cases"
urlpatterns = [
    path("", views.home, name="home"),
    path("todo/", views.todo, name="todo"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export.xlsx", views_export.export_ledger, name="ledger_export"),
    path("cases/new/", views.case_new, name="new"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/do/<str:action>/", views.case_action, name="action"),
    path(
        "cases/<int:pk>/extensions/<int:request_id>/decide/",
        views.extension_decide,
        name="decide_extension",
    ),
]
