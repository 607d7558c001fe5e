"""Plain-text input cleaning shared by every write path."""

import re

from django.utils.translation import gettext as _

from .errors import ApplicationError

# C0/C1 control characters except tab, line feed and carriage return, and the bidirectional
# overrides/isolates (U+202A–U+202E, U+2066–U+2069) that can make a title read backwards
# ("Trojan Source", CVE-2021-42574).
# Controls, bidi overrides and the noncharacters U+FFFE/U+FFFF (not allowed in XML, so an
# Open311 XML answer would silently lose them where the JSON one keeps them).
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)


def strip_controls(value: str) -> str:
    """``value`` without NUL, other control characters, bidi override characters and the
    noncharacters U+FFFE/U+FFFF."""
    return _CONTROLS.sub("", value)


def clean_text(value, field: str, label: str, *, max_length: int, required: bool = False) -> str:
    """Return ``value`` as stripped plain text without NUL characters.

    ``field`` is the input's name (returned in ``detail``), ``label`` its translated name
    for the message. Raises ApplicationError (400, code ``invalid_text``) when it is not a string, is
    required but empty, or is longer than ``max_length`` characters. HTML is kept as text:
    escaping is the renderer's job.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError(
            "invalid_text", _("%(field)s must be text.") % {"field": label}, detail={"field": field}
        )
    value = strip_controls(value).strip()
    if required and not value:
        raise ApplicationError(
            "required", _("%(field)s is required.") % {"field": label}, detail={"field": field}
        )
    if len(value) > max_length:
        raise ApplicationError(
            "too_long",
            _("%(field)s is too long: %(length)d characters, at most %(max)d.")
            % {"field": label, "length": len(value), "max": max_length},
            detail={"field": field, "max_length": max_length, "length": len(value)},
        )
    return value
