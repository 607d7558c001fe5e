from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "wenming.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Listen to the case outbox (cases defines the hook and imports nothing of ours).
        from wenming.cases import outbox

        from .messages import EVENT_BUILDERS
        from .tasks import enqueue_event

        # Only the actions that notify someone: the others would queue a task for nothing.
        outbox.register_listener(enqueue_event, actions=EVENT_BUILDERS)
