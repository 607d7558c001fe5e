from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "wenming.geo"
    label = "geo"
