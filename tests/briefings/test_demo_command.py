"""load_briefings_demo: the demo series with its usual 报/发 lists, so the demo office can
compose at once; idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.briefings.conftest import OFFICE, SERIES
from tests.briefings.test_import import REPORT, SEND
from wenming.briefings import services
from wenming.briefings.models import RecipientList, Series

pytestmark = pytest.mark.django_db


def test_loads_the_series_and_lists_and_is_idempotent(cast, capsys):
    call_command("load_briefings_demo")
    call_command("load_briefings_demo")
    series = Series.objects.get()
    assert (series.name, series.office, series.is_active) == (SERIES, OFFICE, True)
    assert sorted(RecipientList.objects.values_list("kind", "name", "text")) == [
        ("report", "市领导及指导委员会", REPORT),
        ("send", "创城办成员及各县区、市直部门", SEND),
    ]
    out = capsys.readouterr().out
    assert f"{SERIES} ({OFFICE}): created;" in out and "exists already" in out


def test_the_office_composes_with_the_demo_lists_at_once(cast):
    call_command("load_briefings_demo")
    series = Series.objects.get()
    c = Client()
    c.force_login(cast.office)
    page = c.get("/briefings/").content.decode()
    assert f'<option value="{series.pk}">{SERIES}</option>' in page
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    page = c.get(f"/briefings/issues/{issue.pk}/").content.decode()
    report = RecipientList.objects.get(kind="report")
    assert f'value="apply_report:{report.pk}"' in page and "使用“市领导及指导委员会”" in page


def test_needs_the_demo_office_account(db):
    with pytest.raises(CommandError, match="load_demo"):
        call_command("load_briefings_demo")
    assert Series.objects.count() == 0 and RecipientList.objects.count() == 0
