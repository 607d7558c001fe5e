"""Forms that parse page input for the case services. No business rules here: the services
validate and decide; forms only turn strings into typed values (and keep what was typed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.datum import to_wgs84
from wenming.core.errors import ApplicationError
from wenming.core.ids import MAX_ID
from wenming.core.text import strip_controls

from .models import Source, Status
from .selectors import SORTS, LedgerFilter, parse_ledger_filter


class TextField(forms.CharField):
    """A CharField that drops NUL and other control characters before validation (Django's
    own check would refuse the whole input with an unhelpful message); the services apply
    the same cleaning."""

    def to_python(self, value):
        value = super().to_python(value)
        return strip_controls(value) if isinstance(value, str) else value


NOTE_ATTRS = {"rows": 3, "maxlength": 2000, "class": "form-control"}


class LedgerFilterForm(forms.Form):
    """The ledger's filters, from the URL query (so a filtered page can be bookmarked)."""

    status = forms.MultipleChoiceField(label=_("Status"), choices=Status.choices, required=False)
    category = TextField(label=_("Category"), max_length=32, required=False)
    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1, max_value=MAX_ID)
    grid = forms.IntegerField(label=_("Unit grid"), required=False, min_value=1, max_value=MAX_ID)
    supervision_grid = forms.IntegerField(
        label=_("Supervision grid"), required=False, min_value=1, max_value=MAX_ID
    )
    region = forms.IntegerField(label=_("Region"), required=False, min_value=1, max_value=MAX_ID)
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *Source.choices], required=False
    )
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        choices=[("", "—"), ("true", _("overdue")), ("false", _("not overdue"))],
        required=False,
    )
    recurring = forms.ChoiceField(
        label=_("Recurring"),
        choices=[("", "—"), ("true", _("recurring only")), ("false", _("not recurring"))],
        required=False,
    )
    date_from = forms.DateField(label=_("Reported from"), required=False)
    date_to = forms.DateField(label=_("Reported until"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=[(k, k) for k in SORTS], required=False)
    cursor = TextField(label=_("Page"), max_length=200, required=False)

    def clean_category(self):
        value = self.cleaned_data["category"].replace("\x00", "").strip()
        return value or None

    def clean(self):
        """The fields give the widgets and keep what was typed; the filter itself comes from
        :func:`wenming.cases.selectors.parse_ledger_filter`, the parser of the JSON API and
        the exports, so a filter means the same everywhere."""
        cleaned = super().clean()
        if not self.errors:
            try:
                self._filter, self._sort = parse_ledger_filter(self.data)
            except ApplicationError as e:
                field = e.detail.get("field")
                self.add_error(field if field in self.fields else None, e.message)
        return cleaned

    def to_filter(self) -> LedgerFilter:
        """The parsed filter (after ``is_valid()``)."""
        return self._filter


class NewCaseForm(forms.Form):
    """A new case from the office or an inspector. The map may send coordinates in the
    tile datum (GCJ-02 on Chinese tiles): they are converted to WGS-84 here, at the edge."""

    title = TextField(label=_("Title"), max_length=200, strip=False)
    category_id = forms.IntegerField(label=_("Category"))
    description = TextField(
        label=_("Description"), required=False, strip=False, widget=forms.Textarea
    )
    address = TextField(label=_("Address"), required=False, max_length=300, strip=False)
    lat = forms.FloatField(label=_("Latitude"), required=False)
    lon = forms.FloatField(label=_("Longitude"), required=False)
    datum = forms.ChoiceField(
        label=_("Coordinate system"),
        choices=[("wgs84", "WGS-84"), ("gcj02", "GCJ-02"), ("bd09", "BD-09")],
        required=False,
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *Source.choices], required=False
    )

    def wgs84(self) -> tuple[float | None, float | None]:
        d = self.cleaned_data
        lat, lon = d.get("lat"), d.get("lon")
        if lat is None or lon is None or (lat == 0 and lon == 0):
            return lat, lon  # the service gives the clear message
        lon, lat = to_wgs84(lon, lat, d.get("datum") or "wgs84")
        return lat, lon


class NoteForm(forms.Form):
    note = TextField(
        label=_("Note"), required=False, strip=False, widget=forms.Textarea(attrs=NOTE_ATTRS)
    )


class ReasonForm(forms.Form):
    reason = TextField(
        label=_("Reason"), required=False, strip=False, widget=forms.Textarea(attrs=NOTE_ATTRS)
    )


class SubmitForm(forms.Form):
    note = TextField(
        label=_("What was done"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs=NOTE_ATTRS),
    )


class DispatchForm(forms.Form):
    unit_id = forms.IntegerField(label=_("Responsible unit"), required=False)
    deadline = forms.DateTimeField(
        label=_("Deadline (empty: the category's time limit)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}),
    )
    note = TextField(
        label=_("Note"), required=False, strip=False, widget=forms.Textarea(attrs=NOTE_ATTRS)
    )


class MergeForm(forms.Form):
    into = TextField(label=_("Number of the case to merge into"), max_length=20)
    note = TextField(
        label=_("Note"), required=False, strip=False, widget=forms.Textarea(attrs=NOTE_ATTRS)
    )


class ExtensionForm(forms.Form):
    requested_deadline = forms.DateTimeField(
        label=_("New deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}),
    )
    reason = TextField(
        label=_("Reason"), required=False, strip=False, widget=forms.Textarea(attrs=NOTE_ATTRS)
    )


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Deny"))], coerce=lambda v: v == "1"
    )
    note = TextField(
        label=_("Note"), required=False, strip=False, widget=forms.Textarea(attrs=NOTE_ATTRS)
    )


class VersionMixin(forms.Form):
    """The case version the user saw: a case changed meanwhile is refused (409), not overwritten."""

    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _versioned(form_class):
    return type(form_class.__name__, (VersionMixin, form_class), {})


ACTION_FORMS = {
    name: _versioned(form)
    for name, form in {
        "dispatch": DispatchForm,
        "reject": ReasonForm,
        "merge": MergeForm,
        "accept": NoteForm,
        "return": ReasonForm,
        "submit": SubmitForm,
        "verify": NoteForm,
        "rework": ReasonForm,
        "request_extension": ExtensionForm,
    }.items()
}
