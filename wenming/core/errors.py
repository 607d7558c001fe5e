"""The one error type that services raise for refused actions and bad input."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refused action or invalid input, shown to the user.

    ``code`` is a stable machine-readable token (``"invalid_transition"``), ``message`` a
    translated sentence for people (Chinese in the default locale), ``detail`` optional
    structured data (e.g. ``{"field": "lat"}``), ``status`` the HTTP status the API and views
    answer with (400 bad input, 403 not allowed, 404 unknown or out of scope, 409 conflict).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        detail: dict[str, Any] | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.detail = detail or {}
        self.status = status

    def as_dict(self) -> dict[str, Any]:
        """The JSON body ``{"code", "message", "detail"}`` used by every API error."""
        return {"code": self.code, "message": self.message, "detail": self.detail}


class NotFound(ApplicationError):
    """Unknown object, or one outside the user's scope (never confirm that it exists)."""

    def __init__(self, what: str = "object") -> None:
        from django.utils.translation import gettext as _

        super().__init__("not_found", _("Not found."), detail={"object": what}, status=404)
