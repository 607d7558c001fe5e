from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "wenming.cases"
    label = "cases"
