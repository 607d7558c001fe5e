"""JSON API: occurrences list, submit, review, indicators."""

import json

import pytest

from wenming.campaign.models import Evidence, Occurrence

from .conftest import Upload, pdf_bytes

pytestmark = pytest.mark.django_db


def test_list_scoped_and_filtered(client, cast, plan):
    client.force_login(cast.other_handler)
    rows = client.get("/api/campaign/occurrences?limit=500").json()
    assert len(rows) == 12 and {r["task_code"] for r in rows} == {"4.1"}
    assert rows[0]["label"] == "2021年1月" and rows[0]["overdue"] is True
    client.force_login(cast.office)
    assert len(client.get("/api/campaign/occurrences?limit=500").json()) == 13
    assert len(client.get(f"/api/campaign/occurrences?unit={plan.once.lead_unit_id}").json()) == 1
    r = client.get("/api/campaign/occurrences?limit=0")
    assert r.status_code == 400 and r.json()["code"] == "invalid_limit"
    client.force_login(cast.inspector)
    assert client.get("/api/campaign/occurrences").status_code == 404


def test_submit_and_review(client, cast, plan, settings):
    occ = Occurrence.objects.get(task=plan.once)
    client.force_login(cast.handler)
    r = client.post(
        f"/api/campaign/occurrences/{occ.pk}/submit",
        {"progress": "x", "files": [Upload(b"MZ", "a.pdf")]},
    )
    assert r.status_code == 400 and r.json()["code"] == "file_type"
    r = client.post(
        f"/api/campaign/occurrences/{occ.pk}/submit",
        {"progress": "已完成", "version": 1, "files": [Upload(pdf_bytes(), "a.pdf")]},
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "submitted" and r.json()["evidence_count"] == 1
    r = client.post(
        f"/api/campaign/occurrences/{occ.pk}/review",
        json.dumps({"decision": "accept"}),
        content_type="application/json",
    )
    assert r.status_code == 403
    client.force_login(cast.office)
    r = client.post(
        f"/api/campaign/occurrences/{occ.pk}/review",
        json.dumps({"decision": "accept", "version": 2}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert Evidence.objects.get().status == "accepted"
    r = client.get("/api/campaign/indicators?start=2021-01-01&end=2021-12-31")
    rows = {row["unit_id"]: row for row in r.json()}
    assert rows[plan.once.lead_unit_id]["late"] == 1  # submitted today, due 2021-03-31
    assert rows[plan.once.lead_unit_id]["evidence_accepted"] == 1
    assert rows[plan.monthly.lead_unit_id]["missing"] == 12
    assert client.get("/api/campaign/indicators?start=2021-12-31&end=2021-01-01").status_code == 400
    client.force_login(cast.handler)
    assert client.get("/api/campaign/indicators?start=2021-01-01&end=2021-12-31").status_code == 404
