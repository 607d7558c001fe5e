"""Celery beat schedule of the periodic jobs (seconds). settings.py imports it as
``CELERY_BEAT_SCHEDULE``; ``manage.py run_periodic`` runs the same jobs without beat.

Plain data only: settings import this module before the apps are loaded.
"""

BEAT_SCHEDULE = {
    "cases-escalate-overdue": {
        "task": "wenming.cases.tasks.escalate_overdue",
        "schedule": 300.0,
    },
    "notifications-sweep-outbox": {
        "task": "wenming.notifications.tasks.sweep_outbox",
        "schedule": 30.0,
    },
    "notifications-deliver-due": {
        "task": "wenming.notifications.tasks.deliver_due",
        "schedule": 30.0,
    },
    "notifications-send-reminders": {
        "task": "wenming.notifications.tasks.send_reminders",
        "schedule": 300.0,
    },
    "notifications-send-digests": {
        "task": "wenming.notifications.tasks.send_digests",
        "schedule": 900.0,
    },
}
