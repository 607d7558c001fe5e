"""App config: evaluation standard, points and inspection rounds."""

from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "wenming.inspections"
    label = "inspections"
