"""Trees of reference rows (regions, categories): a parent must not close a loop."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def refuse_cycle(obj, parent, *, field: str = "parent") -> None:
    """Raise ValidationError (on ``field``) when ``parent`` is ``obj`` itself or one of its
    descendants: the tree would become a loop, and every walk up it (routing, deadlines)
    would never end. ``obj`` and ``parent`` are instances of one model with a ``parent``
    foreign key; ``parent`` None or an unsaved ``obj`` (no descendants yet) always pass.
    Reads one row per level above ``parent``; an existing loop above it ends the walk."""
    if parent is None or obj.pk is None:
        return
    seen: set = set()
    node = parent
    while node is not None and node.pk not in seen:
        if node.pk == obj.pk:
            raise ValidationError(
                {field: _("The parent cannot be this row itself or one of the rows under it.")}
            )
        seen.add(node.pk)
        node = node.parent


class TreeAdminForm(forms.ModelForm):
    """The admin's form for a model with a ``parent`` (``ModelAdmin.form``; the admin adds the
    model and fields): refuses a parent that would close a loop (:func:`refuse_cycle`)."""

    def clean(self):
        cleaned = super().clean()
        refuse_cycle(self.instance, cleaned.get("parent"))
        return cleaned
