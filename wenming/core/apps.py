from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "wenming.core"
    label = "core"

    def ready(self) -> None:
        from . import reference

        # Schema, not domain logic: the reference-data triggers follow every migrate (and
        # the test runner's flush), as Django's own content types and permissions do.
        post_migrate.connect(reference.install_triggers, sender=self)
