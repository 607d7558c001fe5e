"""Citizen reporting (随手拍) at /report/ and the office's triage of citizen reports."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.report_form, name="report"),
    path("nearby/", views.nearby, name="nearby"),
    path("suggest/", views.suggest, name="suggest"),
    path("support/<int:case_id>/", views.support, name="support"),
    path("t/", views.track_lookup, name="track_lookup"),
    path("t/<str:code>/", views.track, name="track"),
    path(
        "t/<str:code>/photos/<int:photo_id>/<str:size>/",
        views.photo,
        name="photo",
    ),
    path("office/", views.triage_list, name="triage"),
    path("office/<int:pk>/", views.triage_detail, name="triage_detail"),
]
