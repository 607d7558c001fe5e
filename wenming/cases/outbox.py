"""The outbox hook: who is told, after commit, that a :class:`CaseEvent` was written.

``CaseEvent`` rows are the outbox (DESIGN.md): readers such as notifications must learn of new
events without ``cases`` importing them. A reader registers a listener once, at start-up (in
its ``AppConfig.ready()``); every service transition that writes an event schedules
:func:`notify` with ``transaction.on_commit(..., robust=True)``, so listeners run only after
the transaction committed, and a listener that fails (a broker that is down, say) is logged
and never undoes or blocks the transition. Readers must also sweep for events they missed
(a crash between commit and the callback); the listener is the fast path, not the only one.

A listener names the actions it reads: the hook then skips the others without calling it
(most events — a report, an acceptance — notify nobody, and an intake should not pay for a
task that finds nothing to do).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

# (listener, the actions it reads or None for every action)
_listeners: list[tuple[Callable[[int], None], frozenset[str] | None]] = []


def register_listener(
    listener: Callable[[int], None], actions: Iterable[str] | None = None
) -> None:
    """Call ``listener(event_id)`` after each committed CaseEvent whose ``action`` is in
    ``actions`` (None: every event). Registering a listener again replaces its actions."""
    unregister_listener(listener)
    _listeners.append((listener, frozenset(actions) if actions is not None else None))


def unregister_listener(listener: Callable[[int], None]) -> None:
    """Remove a listener (tests)."""
    _listeners[:] = [entry for entry in _listeners if entry[0] != listener]


def notify(event_id: int, action: str) -> None:
    """Tell the listeners of ``action`` about the committed event ``event_id``; their errors
    are logged only."""
    for listener, actions in list(_listeners):
        if actions is not None and action not in actions:
            continue
        try:
            listener(event_id)
        except Exception:
            log.exception("outbox listener %r failed for case event %s", listener, event_id)
