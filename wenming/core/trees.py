"""Trees of reference rows (regions, categories): a parent must not close a loop."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def ancestors(obj) -> list:
    """``obj`` and its parents up to the root, nearest first (each ``.parent`` may read a
    row). Stops before a row seen already: a loop in the tree (a bad import) ends the walk
    instead of hanging the request."""
    chain: list = []
    seen: set = set()
    while obj is not None and obj.pk not in seen:
        chain.append(obj)
        seen.add(obj.pk)
        obj = obj.parent
    return chain


def refuse_cycle(obj, parent, *, field: str = "parent") -> None:
    """Raise ValidationError (on ``field``) when ``parent`` is ``obj`` itself or one of its
    descendants: the tree would become a loop, and every walk up it (routing, deadlines)
    would stop short. ``obj`` and ``parent`` are instances of one model with a ``parent``
    foreign key; ``parent`` None or an unsaved ``obj`` (no descendants yet) always pass."""
    if parent is None or obj.pk is None:
        return
    if any(node.pk == obj.pk for node in ancestors(parent)):
        raise ValidationError(
            {field: _("The parent cannot be this row itself or one of the rows under it.")}
        )


class TreeAdminForm(forms.ModelForm):
    """The admin's form for a model with a ``parent`` (``ModelAdmin.form``; the admin adds the
    model and fields): refuses a parent that would close a loop (:func:`refuse_cycle`)."""

    def clean(self):
        cleaned = super().clean()
        refuse_cycle(self.instance, cleaned.get("parent"))
        return cleaned
