"""The outbox hook: who is told, after commit, that a :class:`CaseEvent` was written.

``CaseEvent`` rows are the outbox (DESIGN.md): readers such as notifications must learn of new
events without ``cases`` importing them. A reader registers a listener once, at start-up (in
its ``AppConfig.ready()``); every service transition that writes an event schedules
:func:`notify` with ``transaction.on_commit(..., robust=True)``, so listeners run only after
the transaction committed, and a listener that fails (a broker that is down, say) is logged
and never undoes or blocks the transition. Readers must also sweep for events they missed
(a crash between commit and the callback); the listener is the fast path, not the only one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_listeners: list[Callable[[int], None]] = []


def register_listener(listener: Callable[[int], None]) -> None:
    """Call ``listener(event_id)`` after each committed CaseEvent. Registering twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)


def unregister_listener(listener: Callable[[int], None]) -> None:
    """Remove a listener (tests)."""
    if listener in _listeners:
        _listeners.remove(listener)


def notify(event_id: int) -> None:
    """Tell every listener about the committed event ``event_id``; errors are logged only."""
    for listener in list(_listeners):
        try:
            listener(event_id)
        except Exception:
            log.exception("outbox listener %r failed for case event %s", listener, event_id)
