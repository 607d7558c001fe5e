"""Forms of the briefings pages: field types only; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _


class WorkItemForm(forms.Form):
    headline = forms.CharField(label=_("Headline"), max_length=100)
    date = forms.DateField(label=_("Date"))
    body = forms.CharField(label=_("Body"), widget=forms.Textarea, max_length=60000)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AcceptForm(forms.Form):
    headline = forms.CharField(label=_("Headline"), max_length=100)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea, max_length=60000)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason for return"), max_length=1000, widget=forms.Textarea)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class NewIssueForm(forms.Form):
    series = forms.IntegerField(label=_("Series"))
    date = forms.DateField(label=_("Date"))


class SeriesForm(forms.Form):
    name = forms.CharField(label=_("Series name"), max_length=100)
    office = forms.CharField(label=_("Issuing office"), max_length=100)


class IssueForm(forms.Form):
    date = forms.DateField(label=_("Date"))
    toc = forms.CharField(label=_("In this issue"), widget=forms.Textarea, required=False)
    report_to = forms.CharField(label=_("Report to"), required=False, max_length=2000)
    send_to = forms.CharField(label=_("Send to"), required=False, max_length=2000)
    copies = forms.IntegerField(label=_("Copies"), min_value=0, max_value=100000)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DataForm(forms.Form):
    data_start = forms.DateField(label=_("From"))
    data_end = forms.DateField(label=_("To"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Briefing file (.txt or .docx)"))
