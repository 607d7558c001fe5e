from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="delivery_retry"),
    path("escalations/<int:escalation_id>/docx/", views.escalation_docx, name="escalation_docx"),
    path("cases/<int:case_id>/escalate/", views.escalate, name="escalate"),
]
