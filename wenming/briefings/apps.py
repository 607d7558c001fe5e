"""App config: work information and the numbered work briefing."""

from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "wenming.briefings"
    label = "briefings"
