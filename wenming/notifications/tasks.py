"""Celery tasks of notifications. Each calls one function of :mod:`.services`, which is
idempotent, so a task delivered twice (``acks_late`` after a worker died) does no harm."""

from __future__ import annotations

from celery import shared_task

from . import services

_RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="wenming.notifications.tasks.process_event", **_RELIABLE)
def process_event(event_id: int) -> int:
    """Plan and send the notification of one committed case event."""
    return services.process_event(event_id)


@shared_task(name="wenming.notifications.tasks.deliver", **_RELIABLE)
def deliver(delivery_ids: list[int]) -> int:
    """Send the given deliveries."""
    return services.deliver_many(delivery_ids)


@shared_task(name="wenming.notifications.tasks.sweep_outbox", **_RELIABLE)
def sweep_outbox() -> int:
    """Plan case events the on-commit path missed."""
    return services.sweep_outbox()


@shared_task(name="wenming.notifications.tasks.deliver_due", **_RELIABLE)
def deliver_due() -> int:
    """Retries and deliveries whose worker died."""
    return services.deliver_due()


@shared_task(name="wenming.notifications.tasks.send_reminders", **_RELIABLE)
def send_reminders() -> int:
    """Due-soon and overdue reminders."""
    return services.send_reminders()


@shared_task(name="wenming.notifications.tasks.send_digests", **_RELIABLE)
def send_digests() -> int:
    """The daily digest (acts once a day from WENMING_DIGEST_HOUR)."""
    return services.send_digests()


def send(task, *args) -> None:
    """Queue ``task(*args)``; in the embedded default (no broker, eager mode) run it here.

    ``task.apply`` rather than an eager ``delay``: Celery's eager ``delay`` still takes a
    producer from the broker connection pool, which costs time on every case transition and
    makes kombu warn about a missing broker host.
    """
    if task.app.conf.task_always_eager:
        task.apply(args=args, throw=task.app.conf.task_eager_propagates)
    else:
        task.delay(*args)


def enqueue_event(event_id: int) -> None:
    """The outbox listener (registered in AppConfig.ready): queue the event's task."""
    send(process_event, event_id)
