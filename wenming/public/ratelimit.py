"""Fixed-window rate limits for the public (no-login) pages, kept in Django's cache.

Limits (count per window in seconds) come from ``settings.WENMING_PUBLIC_RATE_LIMITS`` merged
over :data:`DEFAULT_LIMITS`:

- ``submit_ip``: reports per IP address (a whole office behind one NAT shares it, so it is
  generous); ``submit_phone``: reports per phone number; ``support_ip``: "+1"s per IP.
  A report refused for its photos counts against the address, not the phone
  (:func:`release`).

The counter is ``cache.add`` (creates the window's key with its timeout) then
``cache.incr`` (atomic in both LocMemCache and Redis). Where the counts live:

- With no ``CACHES`` setting Django uses LocMemCache, which is **per process**: with
  gunicorn's N workers a client may get up to N times the limit. Good enough for one small
  server; the limit is a brake on floods, not an exact quota.
- With ``CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
  "LOCATION": "redis://…"}}`` the counts are shared by every process and server, with the
  same code.

Identities are keyed hashes (HMAC-SHA256), so the cache never holds a phone number or an IP.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "submit_ip": (20, 3600),
    "submit_phone": (5, 3600),
    "support_ip": (60, 3600),
}


def limits() -> dict[str, tuple[int, int]]:
    """The effective limits: ``{name: (count, window_seconds)}``."""
    return {**DEFAULT_LIMITS, **getattr(settings, "WENMING_PUBLIC_RATE_LIMITS", {})}


def identity_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 (keyed with SECRET_KEY) of ``kind:value``, hex; '' for an empty value."""
    if not value:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _key(name: str, ident_hash: str, now: float) -> tuple[str, int, int]:
    """The cache key of the window holding ``now``, its start and its length (seconds)."""
    window = limits()[name][1]
    window_start = int(now // window) * window
    return f"wenming:rl:{name}:{ident_hash}:{window_start}", window_start, window


def release(name: str, ident_hash: str) -> None:
    """Give back one action counted by :func:`hit` in the current window, for an action
    refused afterwards for a reason of its own (a report whose photo is no image). If the
    window has turned since, there is nothing to give back."""
    if not ident_hash:
        return
    key, _start, _window = _key(name, ident_hash, time.time())
    try:
        if cache.decr(key) < 0:
            cache.incr(key)  # an evicted, re-created key must not go below zero
    except ValueError:  # no such key: the window turned or the key was evicted
        pass


def hit(name: str, ident_hash: str) -> None:
    """Count one action of ``ident_hash`` against limit ``name``.

    Raises ApplicationError 429 (code ``rate_limited``, ``detail.retry_after`` in seconds)
    when the window's count is exceeded. An empty identity is not limited.
    """
    if not ident_hash:
        return
    count = limits()[name][0]
    now = time.time()
    key, window_start, window = _key(name, ident_hash, now)
    cache.add(key, 0, timeout=window + 5)
    try:
        value = cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.set(key, 1, timeout=window + 5)
        value = 1
    if value > count:
        retry = max(1, math.ceil(window_start + window - now))
        minutes = max(1, math.ceil(retry / 60))
        raise ApplicationError(
            "rate_limited",
            _("Too many requests from you just now. Please try again in %(minutes)d minutes.")
            % {"minutes": minutes},
            detail={"limit": name, "retry_after": retry},
            status=429,
        )
