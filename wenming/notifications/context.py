"""Template context: the unread count for the page header."""

from __future__ import annotations

from .selectors import unread_count as _unread_count


def unread_count(request) -> dict:
    """``{"notifications_unread": n}``: the user's unread notifications (one indexed COUNT;
    0 for anonymous users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    return {"notifications_unread": _unread_count(user)}
