"""Periodic jobs of the ledger (Celery beat in production, ``run_periodic`` embedded)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wenming.cases.tasks.escalate_overdue", ignore_result=True)
def escalate_overdue() -> int:
    """Issue the supervision notices due by rule now; returns how many were issued.

    Calls :func:`wenming.cases.services.cases_escalate_overdue`, which is idempotent.
    """
    from . import services

    return len(services.cases_escalate_overdue())
