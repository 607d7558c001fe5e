from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "wenming.taxonomy"
    label = "taxonomy"
