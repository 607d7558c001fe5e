"""JSON API of the inspections app."""

from __future__ import annotations

from django.test import Client

from tests.inspections.conftest import answers_for, new_uuid
from wenming.inspections.models import InspectionRound, Submission


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_plan_submit_report_scores(world, cast, scene):
    office = client(cast.office)
    r = office.post(
        "/api/inspections/rounds",
        {
            "name": "第九网格督查",
            "starts_on": "2021-03-05",
            "ends_on": "2021-03-05",
            "point_ids": [scene.crossing.pk],
            "inspector_ids": [cast.inspector.pk],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert r.json()["points"] == 1 and r.json()["inspected"] == 0
    rnd = InspectionRound.objects.get(pk=rid)
    body = {
        "uuid": new_uuid(),
        "answers": [
            {k: v for k, v in a.items() if k != "photos"}
            for a in answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"})
        ],
    }
    insp = client(cast.inspector)
    url = f"/api/inspections/rounds/{rid}/points/{scene.crossing.pk}/checklist"
    r = insp.post(url, body, content_type="application/json")
    assert r.status_code == 201 and r.json()["failed"] == 1 and len(r.json()["case_ids"]) == 1
    r2 = insp.post(url, body, content_type="application/json")
    assert r2.status_code == 200 and r2.json()["submission_id"] == r.json()["submission_id"]
    bad = {**body, "uuid": new_uuid(), "answers": [{"criterion_id": 1, "answer": "x" * 9}]}
    assert insp.post(url, bad, content_type="application/json").status_code == 400
    assert (
        client(cast.handler)
        .post(url, {**body, "uuid": new_uuid()}, content_type="application/json")
        .status_code
        == 404
    )
    assert Submission.objects.count() == 1
    rep = office.get(f"/api/inspections/rounds/{rid}/report").json()
    assert rep["total"]["score"] == 92.86 and rep["failed_criteria"][0]["code"] == "P02-02-02"
    scores = office.get("/api/inspections/unit-scores?start=2000-01-01&end=2100-01-01").json()
    assert scores == [
        {
            "unit_id": world.police.pk,
            "checked": 14,
            "passed": 13,
            "failed": 1,
            "score": 92.86,
            "result_ids": sorted(Submission.objects.get().results.values_list("id", flat=True)),
        }
    ]
    assert (
        insp.get("/api/inspections/unit-scores?start=2000-01-01&end=2100-01-01").status_code == 403
    )
    assert (
        office.get("/api/inspections/unit-scores?start=2001-01-01&end=2000-01-01").status_code
        == 400
    )
    assert [x["id"] for x in insp.get("/api/inspections/rounds").json()] == [rid]
    assert client(cast.handler).get("/api/inspections/rounds").json() == []
