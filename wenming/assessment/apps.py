"""App config: indicators, scoring schemes, rankings and 红黑榜."""

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "wenming.assessment"
    label = "assessment"
