"""The JSON API, the compute_assessment command, and the real inspection/campaign inputs."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.assessment.conftest import AS_OF, open_red_list
from wenming.assessment.models import Publication
from wenming.assessment.periods import period_of
from wenming.assessment.ranking import compute_ranking, external_inputs


def test_api_indicators_scoped(client, cast, world, march):
    client.force_login(cast.leader)
    r = client.get("/api/assessment/indicators?period=2021-03&group_by=city")
    assert r.status_code == 200
    (city,) = r.json()
    assert (city["report"], city["registered"], city["rejected"], city["merged"]) == (10, 8, 1, 1)
    r = client.get("/api/assessment/indicators?period=2021-3")
    assert r.status_code == 400 and r.json()["code"] == "invalid_period"
    r = client.get("/api/assessment/indicators?period=2021-03&group_by=moon")
    assert r.status_code == 400 and r.json()["code"] == "invalid_group"
    client.force_login(cast.handler)
    assert client.get("/api/assessment/indicators?period=2021-03").status_code == 404


def test_api_publish_and_read(client, cast, world, march, clock, monkeypatch):
    open_red_list()
    monkeypatch.setattr("wenming.assessment.ranking.external_inputs", lambda s, e: (None, None))
    clock.set(AS_OF)
    client.force_login(cast.handler)
    r = client.post(
        "/api/assessment/publish", {"period": "2021-03"}, content_type="application/json"
    )
    assert r.status_code == 403 and Publication.objects.count() == 0
    assert client.get("/api/assessment/published?period=2021-03").status_code == 404
    client.force_login(cast.office)
    r = client.post(
        "/api/assessment/publish", {"period": "2021-03"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["number"] == 1
    client.force_login(cast.other_handler)
    body = client.get("/api/assessment/published?period=2021-03").json()
    san = next(row for row in body["rows"] if row["unit_name"] == "市环卫处")
    assert (san["rank"], san["score"], san["board"]) == (1, 41.67, "red")
    assert "case_ids" not in san


def test_command_prints_publishes_and_exports(world, cast, march, clock, monkeypatch, tmp_path):
    open_red_list()
    monkeypatch.setattr("wenming.assessment.ranking.external_inputs", lambda s, e: (None, None))
    clock.set(AS_OF)
    out = io.StringIO()
    xlsx = tmp_path / "r.xlsx"
    call_command("compute_assessment", "--period", "2021-03", "--xlsx", str(xlsx), stdout=out)
    text = out.getvalue()
    assert "2021-03 2021年3月 2021-03-01..2021-03-31" in text
    assert "city: report 10 register 8 dispatch 7" in text
    assert "   1      市环卫处 41.67 D red dispatch=6" in text
    assert Publication.objects.count() == 0
    rows = list(load_workbook(xlsx).active.values)
    assert rows[1][3] == "市环卫处"
    with pytest.raises(CommandError, match="用户 x 不存在"):
        call_command("compute_assessment", "--period", "2021-03", "--publish", "--as", "x", stdout=out)  # fmt: skip
    with pytest.raises(CommandError, match="无法识别的考核周期"):
        call_command("compute_assessment", "--period", "March", stdout=out)
    with pytest.raises(CommandError, match="只有创城办"):
        call_command(
            "compute_assessment", "--period", "2021-03", "--publish", "--as", "handler", stdout=out
        )
    out = io.StringIO()
    call_command("compute_assessment", "--period", "2021-03", "--publish", stdout=out)
    assert "published 2021-03 version 1" in out.getvalue()
    assert Publication.objects.get().published_by == cast.office  # the one office user
    with pytest.raises(CommandError, match="请说明本次更正的内容"):
        call_command("compute_assessment", "--period", "2021-03", "--publish", stdout=out)
    call_command("compute_assessment", "--period", "2021-03", "--publish", "--note", "更正", stdout=out)  # fmt: skip
    assert Publication.objects.get(number=2).note == "更正"
    out = io.StringIO()
    call_command("compute_assessment", "--period", "2021-W09", "--group", "grid", stdout=out)
    assert "第九网格: report=8 register=6 dispatch=5" in out.getvalue()


def test_real_inputs_are_used_when_present(world, march):
    inspections, tasks = external_inputs(*(period_of("2021-03").start, period_of("2021-03").end))
    assert inspections == {} and tasks == {}  # installed, nothing recorded in March
    ranking = compute_ranking(period_of("2021-03"), as_of=AS_OF)
    assert ranking.sources == {"inspections": True, "tasks": True}
