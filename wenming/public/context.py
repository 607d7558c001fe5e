"""Template context: the office's count of citizen reports waiting for triage."""

from __future__ import annotations

from .selectors import pending_count


def pending_reports(request) -> dict:
    """``{"citizen_reports_pending": n}`` for the page header and the to-do page: reports
    waiting for the office's triage (0 for anyone else, without a query for anonymous
    visitors). A citizen report is otherwise found only by opening the triage list."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"citizen_reports_pending": 0}
    return {"citizen_reports_pending": pending_count(user)}
