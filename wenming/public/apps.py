from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "wenming.public"
    label = "public"
