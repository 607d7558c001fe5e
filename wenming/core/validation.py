"""Human messages for pydantic validation errors (the JSON API's ``detail.errors[].msg``).

Pydantic's own messages are English; API clients show ``msg`` to Chinese-speaking users, so
each error type the API can produce is mapped to a catalogue message. The error ``type`` and
``loc`` are kept unchanged for programs.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

# Pydantic v2 error types grouped by the message a user should see.
_NUMBER = {"int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"}
_DATETIME = {
    "datetime_parsing",
    "datetime_type",
    "datetime_from_date_parsing",
    "datetime_object_invalid",
    "date_parsing",
    "date_type",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "time_parsing",
    "timezone_aware",
    "timezone_naive",
}


def describe_error(error: dict) -> str:
    """The user-facing message for one pydantic error dict (keys ``type``, ``ctx``, ``msg``).

    Returns a translated sentence; limits from ``ctx`` (``max_length``, ``ge``, ``le`` …) are
    interpolated. Unknown types fall back to a generic "invalid value" message.
    """
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length")
        return _("Too long: at most %(limit)s.") % {"limit": limit}
    if kind in ("string_too_short", "too_short"):
        limit = ctx.get("min_length")
        return _("Too short: at least %(limit)s.") % {"limit": limit}
    if kind in _NUMBER:
        return _("Enter a number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in _DATETIME:
        return _("Enter a valid date and time (ISO 8601, e.g. 2021-03-07T09:30:00+08:00).")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Enter a list.")
    if kind in ("string_type", "string_unicode"):
        return _("Enter text.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Enter an object.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "extra_forbidden":
        return _("This field is not allowed.")
    if kind == "uuid_parsing" or kind == "uuid_type":
        return _("Enter a valid UUID.")
    if kind == "value_error":
        # Raised by our own validators with a message that is already translated.
        return str(ctx.get("error") or error.get("msg", "")) or _("Invalid value.")
    return _("Invalid value.")
