"""URL configuration."""

from django.contrib import admin
from django.urls import include, path

from wenming.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("notifications/", include("wenming.notifications.urls")),
    path("report/", include("wenming.public.urls")),
    path("open311/", include("wenming.public.open311_urls")),
]
