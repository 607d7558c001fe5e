"""Who sees what: a unit its own tasks and evidence (others' → 404), the office all."""

import pytest
from django.urls import reverse

from wenming.campaign import selectors, services
from wenming.campaign.models import Evidence, Occurrence
from wenming.org.scope import scope_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(cast, plan, files):
    occ = Occurrence.objects.get(task=plan.once)
    services.occurrence_submit(cast.handler, occ.pk, progress="x", files=[files.pdf()])
    return Evidence.objects.get()


def test_selectors_scope(cast, plan):
    office = selectors.occurrences_visible_to(scope_for(cast.office))
    assert office.count() == 13
    # sanitation leads 1.1 and cooperates on 4.1: sees both tasks.
    assert set(selectors.tasks_visible_to(scope_for(cast.handler))) == {plan.once, plan.monthly}
    # police leads only 4.1.
    assert list(selectors.tasks_visible_to(scope_for(cast.other_handler))) == [plan.monthly]
    assert selectors.occurrences_visible_to(scope_for(cast.other_handler)).count() == 12
    for user in (cast.inspector, cast.area_staff, cast.outsider):
        assert selectors.occurrences_visible_to(scope_for(user)).count() == 0
    assert selectors.occurrences_visible_to(scope_for(cast.leader)).count() == 13


def test_other_unit_gets_404_on_pages_and_files(client, cast, plan, evidence):
    occ = evidence.occurrence
    client.force_login(cast.other_handler)
    assert client.get(reverse("campaign:occurrence", args=[occ.pk])).status_code == 404
    assert client.get(reverse("campaign:evidence", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("campaign:task", args=[plan.once.pk])).status_code == 404
    r = client.post(reverse("campaign:occurrence_submit", args=[occ.pk]), {"progress": "x"})
    assert r.status_code == 404
    page = client.get(reverse("campaign:occurrences") + "?show=all")
    assert page.status_code == 200
    assert "成立创建工作领导小组" not in page.content.decode()
    assert page.content.decode().count("文明交通志愿劝导") == 12


def test_own_unit_and_office_see_the_file(client, cast, evidence):
    for user in (cast.handler, cast.office, cast.leader):
        client.force_login(user)
        r = client.get(reverse("campaign:evidence", args=[evidence.pk]))
        assert r.status_code == 200
        assert b"".join(r.streaming_content).startswith(b"%PDF-")
        assert r["Content-Type"] == "application/pdf"
        assert r["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["inspector", "area_staff", "outsider"])
def test_no_campaign_role_404(client, cast, plan, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("campaign:overview")).status_code == 404
    assert client.get(reverse("campaign:occurrences")).status_code == 404
    assert client.get(reverse("campaign:plan", args=[plan.plan.pk])).status_code == 404


def test_anonymous_redirected_to_login(client, plan):
    r = client.get(reverse("campaign:overview"))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_handler_cannot_use_office_forms(client, cast, plan):
    client.force_login(cast.handler)
    r = client.post(
        reverse("campaign:plan_action", args=[plan.plan.pk]),
        {"action": "evaluation", "name": "测评", "date": "2021-10-10"},
    )
    assert r.status_code == 403
    assert plan.plan.evaluations.count() == 0
    r = client.post(
        reverse("campaign:plan_create"), {"title": "x", "start_year": 2021, "end_year": 2021}
    )
    assert r.status_code == 403
