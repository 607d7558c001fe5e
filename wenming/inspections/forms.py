"""Forms that parse page input for the inspections services (typed values only; the
services validate and decide)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import InspectionRound

_SPLIT = re.compile(r"[\s,，、;；]+")


class RoundPlanForm(forms.Form):
    """Plan a round: name, kind, dates, supervision grids and/or point types, single points
    by code, inspectors, leader."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionRound.Kind.choices)
    starts_on = forms.DateField(label=_("Start date"))
    ends_on = forms.DateField(label=_("End date"))
    supervision_grid_ids = forms.TypedMultipleChoiceField(
        label=_("Supervision grids"), coerce=int, required=False
    )
    point_type_ids = forms.TypedMultipleChoiceField(
        label=_("Point types"), coerce=int, required=False
    )
    point_codes = forms.CharField(
        label=_("Single points (codes)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    inspector_ids = forms.TypedMultipleChoiceField(
        label=_("Inspectors"), coerce=int, required=False
    )
    leader_id = forms.TypedChoiceField(
        label=_("Leader"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, grids=(), types=(), people=(), leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervision_grid_ids"].choices = [(g.pk, g.name) for g in grids]
        self.fields["point_type_ids"].choices = [(t.pk, t.name) for t in types]
        self.fields["inspector_ids"].choices = [(u.pk, _label(u)) for u in people]
        self.fields["leader_id"].choices = [("", "—")] + [(u.pk, _label(u)) for u in leaders]

    def point_codes_list(self) -> list[str]:
        return [c for c in _SPLIT.split(self.cleaned_data.get("point_codes") or "") if c]


def _label(user) -> str:
    return user.get_full_name() or user.username


class ImportForm(forms.Form):
    """Upload of a standard or point file (.xlsx or .csv)."""

    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    code = forms.CharField(label=_("Version code"), max_length=32, required=False)
    name = forms.CharField(label=_("Version name"), max_length=200, required=False)
