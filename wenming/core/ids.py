"""Ids typed by users (query strings, form fields): what a primary-key column can hold.

Primary keys are BIGINT (``DEFAULT_AUTO_FIELD``); a larger number cannot name a row and makes
the database driver overflow (a 500), so every place that reads an id from input bounds it here.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest BIGINT primary key


def parse_id(value) -> int | None:
    """``value`` (int or text) as a primary key in 1 … :data:`MAX_ID`, or None when it cannot
    be one (not a whole number, zero, negative or too large)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None
