"""Pages of the briefings app (mounted at /briefings/)."""

from django.urls import path

from . import views

app_name = "briefings"
urlpatterns = [
    path("", views.index, name="index"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/do/<str:action>/", views.item_action, name="item_action"),
    path("series/", views.series_page, name="series"),
    path("import/", views.import_page, name="import"),
    path("issues/new/", views.issue_new, name="issue_new"),
    path("issues/<int:pk>/", views.issue_page, name="issue"),
    path("issues/<int:pk>/correct/", views.issue_correct, name="issue_correct"),
    path("issues/<int:pk>/preview/", views.issue_preview, name="issue_preview"),
    path("issues/<int:pk>/docx/", views.issue_docx, name="issue_docx"),
    path("issues/<int:pk>/pdf/", views.issue_pdf, name="issue_pdf"),
]
