from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "wenming.notifications"
    label = "notifications"
