"""API authentication: the browser's session (with CSRF) or a bearer token."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for API clients. Tokens are stored as SHA-256."""

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), user__is_active=True)
            .first()
        )
        if row is None:
            return None
        # Throttle the write: the last-use time is for audits, minute precision is enough.
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


session_auth = SessionAuth(csrf=True)
token_auth = TokenAuth()
