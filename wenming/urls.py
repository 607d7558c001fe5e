"""URL configuration."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from wenming.api import api
from wenming.core.views import favicon

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (error pages, the API's JSON).
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("", include("wenming.cases.urls")),
    path("api/", api.urls),
    path("notifications/", include("wenming.notifications.urls")),
    path("report/", include("wenming.public.urls")),
    path("open311/", include("wenming.public.open311_urls")),
    path("inspections/", include("wenming.inspections.urls")),
    path("campaign/", include("wenming.campaign.urls")),
    path("assessment/", include("wenming.assessment.urls")),
    path("briefings/", include("wenming.briefings.urls")),
]

# Uploaded photos: served by Django only in development (make demo); production serves
# MEDIA_ROOT (or object storage) from the web server, see docs/operations.md.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
