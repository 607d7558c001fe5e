"""Two clerks publish at the same moment: numbers stay gapless and unique.

Real concurrent connections (threads, each with its own connection): on PostgreSQL the
counter row's lock (UPDATE … SET value = value + 1) and the issue row's SELECT … FOR UPDATE
serialise them; on SQLite the IMMEDIATE transaction mode does.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.test_concurrency import _race
from wenming.briefings import services
from wenming.briefings.models import Issue, IssueEvent
from wenming.core.models import Sequence

D = dt.date(2021, 3, 7)


def _draft(cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=D)
    services.issue_add_article(cast.office, issue.pk, headline="甲", paragraphs=["乙。"])
    return issue


def _slow_next_value(monkeypatch):
    """Hold the counter a little longer so that the two transactions really overlap."""
    import time

    real = services.next_value

    def slow(name):
        value = real(name)
        time.sleep(0.2)
        return value

    monkeypatch.setattr(services, "next_value", slow)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repeat", range(2))
def test_two_issues_published_at_once_get_1_and_2(world, cast, series, monkeypatch, repeat):
    a, b = _draft(cast, series), _draft(cast, series)
    _slow_next_value(monkeypatch)
    outcomes = _race(
        [
            lambda: services.issue_publish(cast.office, a.pk),
            lambda: services.issue_publish(cast.office, b.pk),
        ]
    )
    assert outcomes == ["ok", "ok"]
    assert sorted(Issue.objects.values_list("number", flat=True)) == [1, 2]
    assert Sequence.objects.get(name=series.sequence_name(2021)).value == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_issue_published_twice_at_once(world, cast, series, monkeypatch):
    a = _draft(cast, series)
    _slow_next_value(monkeypatch)
    outcomes = _race([lambda: services.issue_publish(cast.office, a.pk)] * 2)
    assert sorted(outcomes) == ["ok", "published"]
    a.refresh_from_db()
    assert (a.status, a.number) == ("published", 1)
    assert IssueEvent.objects.filter(issue=a, action="publish").count() == 1
    assert Sequence.objects.get(name=series.sequence_name(2021)).value == 1
    # The next one continues without a gap.
    c = _draft(cast, series)
    assert services.issue_publish(cast.office, c.pk).number == 2
