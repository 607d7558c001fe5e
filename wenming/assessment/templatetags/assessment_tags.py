"""Template helpers for assessment pages: per-cent display and links to the cases behind a
figure."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


@register.filter
def pct(value) -> str:
    """A fraction 0…1 as ``"66.7%"``; ``"—"`` for None (no denominator)."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def num(value) -> str:
    """A float with one decimal, ``"—"`` for None."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}"


@register.filter
def get(mapping, key):
    """``mapping[key]`` or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return getattr(mapping, key, None)


@register.simple_tag
def explain_url(period, indicator, key=None, group="unit", part="numerator") -> str:
    """The live explain page listing the cases behind one figure."""
    params = {"period": period, "indicator": indicator, "group": group}
    if key is not None:
        params["key"] = key
    if part != "numerator":
        params["part"] = part
    return reverse("assessment:explain") + "?" + urlencode(params)


@register.filter
def short(value) -> str:
    """A number with at most one decimal and no trailing zero (``21.5``, ``3``); ``"—"`` for
    None."""
    if value is None or value == "":
        return "—"
    return f"{round(float(value), 1):g}"


@register.filter
def plain(value) -> str:
    """A number without trailing zeros (``40``, ``0.5``, ``33.33``); the value unchanged
    when it is not a number."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return value
