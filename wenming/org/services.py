"""State changes of the org app."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.core.text import clean_text

from .models import ApiToken
from .scope import scope_for


def api_token_create(actor, *, username: str, name: str) -> tuple[ApiToken, str]:
    """Create an API token for ``username`` and return it with its key.

    The key (43 URL-safe characters, 256 bits) is shown once: only its SHA-256 is stored.
    Only the office (or a superuser) may create tokens. Raises ApplicationError 403 / 400
    (unknown or inactive user, empty or over-long name).
    """
    if actor is not None and not scope_for(actor).is_office:
        raise ApplicationError("forbidden", _("Only the campaign office can do this."), status=403)
    name = clean_text(name, "name", _("Name"), max_length=100, required=True)
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApplicationError("unknown_user", _("Unknown user."), detail={"field": "username"})
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash(key))
    return token, key
