"""One parser for the ledger's filters: the JSON API, the ledger page and the exports read a
query string the same way (selectors.parse_ledger_filter), and their lists of names agree."""

from __future__ import annotations

import dataclasses

import pytest
from django.http import QueryDict
from django.test import Client

from tests.conftest import TIETA
from wenming.cases import services
from wenming.cases.api import LedgerQuery
from wenming.cases.forms import LedgerFilterForm
from wenming.cases.selectors import _FILTER_LABELS, LedgerFilter, parse_ledger_filter

FILTER_NAMES = {f.name for f in dataclasses.fields(LedgerFilter)}


def test_every_filter_is_known_to_the_api_the_page_and_the_parser():
    assert set(LedgerQuery.model_fields) == FILTER_NAMES | {
        "sort",
        "limit",
        "cursor",
        "with_counts",
    }
    assert set(_FILTER_LABELS) == FILTER_NAMES | {"sort"}
    # The page offers every filter but category_id (it has the code field instead).
    assert set(LedgerFilterForm.base_fields) == (FILTER_NAMES - {"category_id"}) | {
        "sort",
        "cursor",
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=dispatched&status=accepted",
        "status=dispatched&status=dispatched",
        "category=CC05&source=hotline",
        "unit=3&grid=4&supervision_grid=5&region=6",
        "overdue=true",
        "overdue=false&recurring=true",
        "recurring=false",
        "date_from=2021-03-01&date_to=2021-03-31",
        "sort=deadline&cursor=abc",
        "unit=&overdue=&category=",
    ],
)
def test_the_page_form_reads_a_query_as_the_parser_does(world, query):
    form = LedgerFilterForm(QueryDict(query))
    assert form.is_valid(), form.errors
    f, sort = parse_ledger_filter(QueryDict(query))
    assert form.to_filter() == f
    assert (form.cleaned_data["sort"] or "-reported_at") == sort


@pytest.mark.parametrize(
    "query, field",
    [
        ("date_from=2021-03-05&date_to=2021-03-01", None),  # the parser's range check
        ("status=bogus", "status"),
        ("overdue=maybe", "overdue"),
    ],
)
def test_the_page_form_refuses_what_the_parser_refuses(world, query, field):
    form = LedgerFilterForm(QueryDict(query))
    assert not form.is_valid()
    with pytest.raises(Exception):  # noqa: B017 - ApplicationError, same refusal
        parse_ledger_filter(QueryDict(query))
    if field:
        assert field in form.errors


def test_api_reads_the_recurring_and_range_filters_as_the_parser_does(world, cast):
    a = services.case_report(
        cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    c = Client()
    c.force_login(cast.office)
    assert [r["id"] for r in c.get("/api/cases?recurring=false").json()["items"]] == [a.pk]
    assert c.get("/api/cases?recurring=true").json()["items"] == []
    r = c.get("/api/cases?date_from=2021-03-05&date_to=2021-03-01")
    assert r.status_code == 400 and r.json()["code"] == "invalid_range"
