from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "wenming.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Listen to the case outbox (cases defines the hook and imports nothing of ours).
        from wenming.cases import outbox

        from .tasks import enqueue_event

        outbox.register_listener(enqueue_event)
