"""Settings of the notifications app, with their defaults (all optional in settings.py).

- ``WENMING_BASE_URL``: the site's address for links in e-mails and robot messages
  (default ``http://127.0.0.1:8000``).
- ``WENMING_OFFICE_NAME``: the issuing office on 督办单 and in messages.
- ``WENMING_ESCALATION_NUMBER_PREFIX``: the 发文字号 prefix of 督办单, e.g. ``聊创城督``.
- ``WENMING_REMIND_DUE_SOON_WORKING_HOURS``: due-soon reminder this many working hours before
  the deadline (default 2; one working day of the default office hours is 7.5).
- ``WENMING_NOTIFY_MAX_ATTEMPTS`` (6), ``WENMING_NOTIFY_BACKOFF_SECONDS`` (60: waits 1, 2, 4 …
  minutes, at most one hour), ``WENMING_NOTIFY_LEASE_SECONDS`` (120: a claimed delivery whose
  worker died is reclaimed after this), ``WENMING_NOTIFY_HTTP_TIMEOUT`` (10 seconds).
- ``WENMING_DIGEST_HOUR``: local hour from which the daily digest goes out (default 8).
- ``WENMING_SMS_BACKEND``: dotted path of the SMS adapter (default logs only).
- ``WENMING_OUTBOX_GRACE_SECONDS``: the sweep's cursor stays this far behind the newest event
  so that a transaction committing late is still seen (default 600).
- ``WENMING_OUTBOX_MAX_AGE_HOURS``: the sweep ignores case events older than this (default 24).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


def base_url() -> str:
    return str(getattr(settings, "WENMING_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def office_name() -> str:
    return str(getattr(settings, "WENMING_OFFICE_NAME", "") or _("Civilized City Campaign Office"))


def escalation_prefix() -> str:
    return str(
        getattr(settings, "WENMING_ESCALATION_NUMBER_PREFIX", "") or _("Campaign supervision")
    )


def due_soon_hours() -> float:
    return float(getattr(settings, "WENMING_REMIND_DUE_SOON_WORKING_HOURS", 2))


def max_attempts() -> int:
    return int(getattr(settings, "WENMING_NOTIFY_MAX_ATTEMPTS", 6))


def backoff_seconds(attempt: int) -> float:
    """Wait after failed attempt number ``attempt`` (1, 2, …): base × 2^(attempt-1), ≤ 1 h."""
    base = float(getattr(settings, "WENMING_NOTIFY_BACKOFF_SECONDS", 60))
    return min(base * 2 ** (attempt - 1), 3600.0)


def lease_seconds() -> float:
    return float(getattr(settings, "WENMING_NOTIFY_LEASE_SECONDS", 120))


def http_timeout() -> float:
    return float(getattr(settings, "WENMING_NOTIFY_HTTP_TIMEOUT", 10))


def digest_hour() -> int:
    return int(getattr(settings, "WENMING_DIGEST_HOUR", 8))


def sms_backend_path() -> str:
    return str(
        getattr(settings, "WENMING_SMS_BACKEND", "wenming.notifications.sms.LoggingSmsBackend")
    )


def outbox_grace_seconds() -> float:
    return float(getattr(settings, "WENMING_OUTBOX_GRACE_SECONDS", 600))


def outbox_max_age_hours() -> float:
    return float(getattr(settings, "WENMING_OUTBOX_MAX_AGE_HOURS", 24))
