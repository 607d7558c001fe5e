"""Regressions found by trying the assessment pages as the office, a leader and a unit
clerk: list sizes with ties, capped penalties in reasons, scheme messages in Chinese, the
read-only scheme view, unknown subjects, the order of published rows, and query counts that
do not grow with the number of units."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from tests.assessment.conftest import AS_OF
from tests.conftest import at
from wenming.assessment import selectors, services
from wenming.assessment.indicators import IndicatorRow
from wenming.assessment.models import Scheme, SchemeVersion
from wenming.assessment.ranking import _board_members
from wenming.assessment.scoring import DEFAULT_CONFIG, board_reason, clean_config, score_unit
from wenming.cases import services as case_services
from wenming.core.errors import ApplicationError
from wenming.org.models import Unit

P = "period=2021-03"


@pytest.fixture(autouse=True)
def _no_external_inputs(monkeypatch):
    monkeypatch.setattr(
        "wenming.assessment.ranking.external_inputs", lambda start, end: (None, None)
    )


@dataclass
class U:
    name: str


# --- 红黑榜 sizes with ties -------------------------------------------------------------


def test_tied_group_that_would_exceed_half_is_left_off():
    units = [U(x) for x in "abcdef"]  # scores 100, 50, 50, 50, 50, 0
    # From the top: ranks 1 2 2 2 2 6. Three places, at most 3 (half of 6): the four tied
    # at rank 2 cannot all fit, so none of them is listed — only the leader.
    assert [u.name for u in _board_members(units, [1, 2, 2, 2, 2, 6], 3, 3)] == ["a"]
    # From the bottom: ranks 6 2 2 2 2 1: only the last.
    assert [u.name for u in _board_members(units, [6, 2, 2, 2, 2, 1], 3, 3)] == ["f"]
    # A tie that fits stays whole, even beyond the list size (fairness within a tie).
    assert [u.name for u in _board_members(units, [1, 2, 2, 4, 5, 6], 2, 3)] == ["a", "b", "c"]
    # Everyone tied: nobody is on a list.
    assert _board_members(units, [1] * 6, 3, 3) == []


# --- capped penalties in the reason and the score parts ---------------------------------


def _row(**kw) -> IndicatorRow:
    row = IndicatorRow("unit", 1, "x", "department", **kw)
    return row


def test_reason_says_when_penalties_are_capped():
    cfg = clean_config(
        {
            **DEFAULT_CONFIG,
            "weights": {"archive_rate": 100},
            "penalties": {"escalation_per_100": 0.5},
            "penalty_cap": 20,
        }
    )
    row = _row(dispatch=3, archive=1, escalation=2)
    row.archive_rate = 1 / 3
    row.escalation_per_100 = 200 / 3
    score = score_unit(cfg, row)
    # base 33.3333, penalty 0.5 × 66.6667 = 33.3333 capped at 20
    assert score.parts["penalty"] == 20
    assert score.parts["penalty_uncapped"] == 33.3333
    assert score.parts["penalty_cap"] == 20
    assert score.score == 13.33
    assert board_reason("black", score) == (
        "得分 13.33（E）; 短板: 结案率 33.3%; 每百件派遣督办数 66.7（扣 33.3 分）; 扣分封顶 20 分"
    )
    uncapped = score_unit({**cfg, "penalty_cap": 50}, row)
    assert "penalty_uncapped" not in uncapped.parts and uncapped.score == 0.0


def test_unit_page_shows_the_cap(client, cast, world, march):
    default = Scheme.objects.get(unit_kind="")
    cfg = {**DEFAULT_CONFIG, "penalties": {"escalation": 10}, "penalty_cap": 5}
    services.scheme_version_create(cast.office, default.pk, config=cfg, note="封顶 5 分")
    client.force_login(cast.office)
    body = client.get(f"/assessment/unit/{world.sanitation.pk}/?{P}").content.decode()
    assert '<tr id="penalty-cap">' in body
    assert "扣分封顶 5.0 分（合计 10.0 分）。" in body
    assert "督办数 × 1<" in body


# --- scheme form messages name the field in Chinese --------------------------------------


SCHEME_FORM = {
    "w_in_time_archive_rate": "40",
    "w_archive_rate": "20",
    "w_rework_rate": "10",
    "w_extension_rate": "5",
    "w_overtime_rate": "5",
    "w_inspection_score": "10",
    "w_task_on_time_rate": "10",
    "p_escalation_per_100": "0.5",
    "penalty_cap": "20",
    "board_size": "3",
    "min_dispatched": "0",
    "no_data": "exclude",
    "grades": "A:90, B:75, C:60, D:40, E:0",
    "note": "测试",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"w_rework_rate": "-10", "w_archive_rate": "40"}, "“返工率”的权重 必须在 0 到 100 之间。"),
        ({"w_archive_rate": "二十"}, "“结案率”的权重 必须是数字。"),
        ({"p_escalation_per_100": "-1"}, "“每百件派遣督办数”的扣分 必须在 0 到 100 之间。"),
        ({"penalty_cap": "500"}, "扣分上限 必须在 0 到 100 之间。"),
        ({"board_size": "2.5"}, "红黑榜人数 必须是整数。"),
        ({"min_dispatched": "abc"}, "计算问题类考核项的最少派遣数 必须是数字。"),
        ({"d_dispose": "zzz"}, "的选项 zzz 无效。"),
        ({"grades": "优秀优秀优秀优秀优:90, E:0"}, "等次名称最多 8 个字。"),
    ],
)
def test_scheme_form_messages_are_chinese_and_keep_input(client, cast, world, change, message):
    default = Scheme.objects.get(unit_kind="")
    before = SchemeVersion.objects.count()
    client.force_login(cast.office)
    r = client.post("/assessment/schemes/", {**SCHEME_FORM, "scheme": default.pk, **change})
    body = r.content.decode()
    assert r.status_code == 400
    alert = re.search(r'role="alert">([^<]*)<', body).group(1)
    assert message in alert
    assert not re.search(r"[a-z_]{5,}", alert)  # no JSON keys in the message
    assert SchemeVersion.objects.count() == before
    for value in change.values():
        if value != "zzz":
            assert value in body  # what the user typed is still in the form


def test_leader_sees_the_scheme_in_chinese_not_json(client, cast, world):
    default = Scheme.objects.get(unit_kind="")
    client.force_login(cast.leader)
    body = client.get(f"/assessment/schemes/?scheme={default.pk}").content.decode()
    table = re.search(r'(?s)<table[^>]*id="scheme-config">(.*?)</table>', body).group(1)
    assert '权重: 按期结案率</th><td class="text-end">40<' in table
    assert '扣分: 每百件派遣督办数</th><td class="text-end">0.5<' in table
    assert "A:90, B:75, C:60, D:40, E:0" in table
    assert "in_time_archive_rate" not in body and "&#x27;weights&#x27;" not in body
    assert 'id="scheme-form"' not in body  # read only for a leader


# --- unknown subjects --------------------------------------------------------------------


def test_explain_of_an_unknown_unit_or_grid_is_404(client, cast, world, march):
    client.force_login(cast.office)
    for url in (
        f"/assessment/explain/?{P}&indicator=dispatch&key=999999",
        f"/assessment/explain/?{P}&indicator=dispatch&group=grid&key=999999",
        f"/assessment/explain/?{P}&indicator=dispatch&group=subdistrict&key=999999",
    ):
        assert client.get(url).status_code == 404, url
    ok = client.get(f"/assessment/explain/?{P}&indicator=dispatch&key={world.sanitation.pk}")
    assert ok.status_code == 200


# --- published rows: ranked units first on every database -------------------------------


def test_published_rows_and_export_list_ranked_units_first(client, cast, world, march, clock):
    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    rows = list(selectors.published_rows(pub))
    dept = [(r.unit_name, r.rank) for r in rows if r.unit_kind == "department"]
    assert dept == [("市环卫处", 1), ("市公安局交警支队", 2)]
    kinds = {}
    for r in rows:
        kinds.setdefault(r.unit_kind, []).append(r.rank)
    for ranks in kinds.values():
        seen_none = False
        for rank in ranks:
            seen_none = seen_none or rank is None
            assert not (seen_none and rank is not None)
    client.force_login(cast.office)
    r = client.get(f"/assessment/published/{pub.pk}/export.xlsx")
    sheet = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.values)
    dept_lines = [line for line in sheet[1:] if line[0] == "部门"]
    assert [(line[1], line[3]) for line in dept_lines] == [(1, "市环卫处"), (2, "市公安局交警支队")]


# --- query counts do not grow with the number of units -----------------------------------


def _more_units(cast, world, clock, n=4):
    """``n`` more departments, each with one case dispatched in March 2021."""
    for i in range(n):
        unit = Unit.objects.create(code=f"U-X{i}", name=f"测试部门{i}", kind="department")
        clock.set(at(f"2021-03-1{i} 09:00"))
        case = case_services.case_report(
            cast.inspector,
            title=f"X{i}",
            category_id=world.category.pk,
            lat=36.4605 + i * 0.002,
            lon=115.9915,
        )
        clock.set(at(f"2021-03-1{i} 10:00"))
        case_services.case_dispatch(
            cast.office, case.pk, unit_id=unit.pk, deadline=at("2021-03-20 17:30")
        )
    clock.set(AS_OF)


PAGES = [
    f"/assessment/?{P}",
    f"/assessment/indicators/?{P}",
    f"/assessment/indicators/?{P}&group=grid",
    f"/assessment/explain/?{P}&indicator=dispatch&group=city",
    "/assessment/published/{pub}/",
    "/assessment/published/{pub}/unit/{san}/?indicator=dispatch",
    "/assessment/unit/{san}/?" + P,
    "/assessment/trend/?months=3",
]


def _count(client, django_assert_max_num_queries, url, limit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_assert_max_num_queries(limit):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_units(
    client, cast, world, march, clock, django_assert_max_num_queries
):
    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    client.force_login(cast.office)
    urls = [u.format(pub=pub.pk, san=world.sanitation.pk) for u in PAGES]
    for url in urls:
        client.get(url)  # warm the session
    before = {url: _count(client, django_assert_max_num_queries, url, 30) for url in urls}
    _more_units(cast, world, clock)
    pub2 = services.assessment_publish(cast.office, "2021-03", note="补充单位")
    for url in urls:
        url2 = url.replace(f"/published/{pub.pk}/", f"/published/{pub2.pk}/")
        after = _count(client, django_assert_max_num_queries, url2, 30)
        # A correction links back to the version it supersedes: at most one more query.
        assert after <= before[url] + (1 if url2 != url else 0), (url, before[url], after)


def test_explain_page_queries_are_constant(
    client, cast, world, march, django_assert_max_num_queries
):
    client.force_login(cast.office)
    url = f"/assessment/explain/?{P}&indicator=report&key={world.sanitation.pk}"
    client.get(url)
    with django_assert_max_num_queries(10):
        r = client.get(url)
    assert len(re.findall(r'href="/cases/\d+/"', r.content.decode())) == 6
    client.force_login(cast.handler)
    client.get(url)
    with django_assert_max_num_queries(12):
        r = client.get(url)
    assert len(re.findall(r'href="/cases/\d+/"', r.content.decode())) == 6


def test_bad_config_values_raise_400():
    for bad in ({"grades": [["A", "nan"], ["E", 0]]}, {"board_size": True and 1.5}):
        with pytest.raises(ApplicationError) as exc:
            clean_config({**DEFAULT_CONFIG, **bad})
        assert exc.value.status == 400


# --- publishing: every stored count equals its stored case list --------------------------


def test_publish_recomputes_when_a_case_moves_between_reads(cast, world, march, clock, monkeypatch):
    """A case closed between computing the ranking and collecting the case ids must not
    leave a published count that its case list contradicts."""
    from wenming.assessment import indicators

    real = indicators.case_ids_by_indicator
    calls = []

    def moving(*args, **kw):
        if not calls:  # the first time only: E is verified after the ranking was computed
            clock.set(at("2021-03-31 12:00"))
            case_services.case_verify(cast.inspector, march.e.pk)
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr("wenming.assessment.services.case_ids_by_indicator", moving)
    pub = services.assessment_publish(cast.office, "2021-03")
    assert len(calls) == 2  # recomputed once
    row = pub.rows.get(unit=world.sanitation)
    assert row.indicators["archive"] == len(row.case_ids["archive"]) == 4
    for key, ids in row.case_ids.items():
        assert row.indicators[key] == len(ids), key


def test_publish_gives_up_with_409_when_cases_keep_moving(cast, world, march, monkeypatch):
    from wenming.assessment.models import Publication

    def always_off(*args, **kw):
        return {world.sanitation.pk: {"dispatch": []}}

    monkeypatch.setattr("wenming.assessment.services.case_ids_by_indicator", always_off)
    with pytest.raises(ApplicationError) as exc:
        services.assessment_publish(cast.office, "2021-03")
    assert (exc.value.status, exc.value.code) == (409, "cases_changed")
    assert exc.value.message == "计算排名期间有问题状态发生变化，请重新发布。"
    assert Publication.objects.count() == 0


# --- a unit without data is not scored, even with an adjustment --------------------------


def test_adjustment_alone_gives_no_score(world, cast, march):
    from wenming.assessment.periods import period_of
    from wenming.assessment.ranking import compute_ranking

    cfg = clean_config(DEFAULT_CONFIG)
    penalty = [{"points": -5.0, "reason": "媒体曝光"}]
    score = score_unit(cfg, IndicatorRow("unit", 1, "x"), None, None, penalty)
    assert (score.score, score.grade, score.parts["base"]) == (None, "", None)
    assert score.parts["adjustments"] == penalty  # still on record in the parts
    # In a ranking: 古楼街道办事处 has no cases in March; a penalty does not rank it.
    services.adjustment_create(
        cast.office, unit_id=world.gulou_office.pk, period_key="2021-03", points=-5, reason="曝光"
    )
    ranking = compute_ranking(period_of("2021-03"), as_of=AS_OF)
    gulou = next(u for u in ranking.units() if u.unit_id == world.gulou_office.pk)
    assert (gulou.score.score, gulou.rank, gulou.board) == (None, None, "")


def test_a_period_that_has_not_started_cannot_be_published(client, cast, world, march):
    from wenming.assessment.models import Publication

    with pytest.raises(ApplicationError) as exc:
        services.assessment_publish(cast.office, "2021-04")  # the clock is 2021-03-31
    assert exc.value.status == 400
    assert exc.value.message == "2021年4月 尚未开始，没有可发布的内容。"
    client.force_login(cast.office)
    r = client.post("/assessment/publish/", {"period": "2021-Q2", "note": "提前发布"})
    assert r.status_code == 400 and "提前发布" in r.content.decode()
    assert Publication.objects.count() == 0
    assert services.assessment_publish(cast.office, "2021-Q1").number == 1  # under way: ok


def test_help_states_the_denominators_in_force(client, cast, world, march):
    default = Scheme.objects.get(unit_kind="")
    cfg = {**DEFAULT_CONFIG, "denominators": {"dispose": "due", "rework_count": "times"}}
    services.scheme_version_create(cast.office, default.pk, config=cfg, note="按到期计")
    client.force_login(cast.office)
    for url in (f"/assessment/?{P}", f"/assessment/indicators/?{P}"):
        body = client.get(url).content.decode()
        items = re.search(r'(?s)id="denominators-in-force">(.*?)</ul>', body).group(1)
        assert "默认考核方案 v2" in items
        assert "应处置数口径 = 到期应处置数" in items
        assert "应结案数口径 = 派遣数" in items
        assert "返工计数方式 = 按返工次数" in items


def test_per_100_figures_show_their_factor(client, cast, world, march):
    client.force_login(cast.office)
    body = client.get(f"/assessment/unit/{world.sanitation.pk}/?{P}").content.decode()
    row = re.search(r"<tr><td>每百件派遣督办数</td>(.*?)</tr>", body).group(1)
    assert "16.7" in row and "派遣数</a> × 100)" in row


def test_a_count_has_no_denominator_part(client, cast, world, march):
    client.force_login(cast.office)
    base = f"/assessment/explain/?{P}&key={world.sanitation.pk}"
    body = client.get(f"{base}&indicator=dispatch&part=denominator").content.decode()
    assert "分母" not in re.search(r"(?s)<h1.*?</h1>", body).group(0)
    assert len(re.findall(r'href="/cases/\d+/"', body)) == 6
    rate = client.get(f"{base}&indicator=archive_rate&part=denominator").content.decode()
    assert "分母" in re.search(r"(?s)<h1.*?</h1>", rate).group(0)
    assert len(re.findall(r'href="/cases/\d+/"', rate)) == 6  # dispatched


def test_a_range_that_is_a_month_is_the_month(cast, world, march):
    from wenming.assessment.periods import period_of

    assert period_of("2021-03-01..2021-03-31") == period_of("2021-03")
    assert period_of("2021-01-01..2021-03-31").key == "2021-Q1"
    assert period_of("2021-01-01..2021-12-31").key == "2021"
    assert period_of("2021-03-08..2021-03-14").key == "2021-W10"
    assert period_of("2021-03-01..2021-03-15").kind == "range"
    services.assessment_publish(cast.office, "2021-03-01..2021-03-31")
    with pytest.raises(ApplicationError) as exc:  # the same period: a correction needs a note
        services.assessment_publish(cast.office, "2021-03")
    assert exc.value.code == "note_required"


def test_explain_count_is_the_figure_even_when_the_list_is_cut(
    client, cast, world, march, monkeypatch
):
    monkeypatch.setattr("wenming.assessment.views.EXPLAIN_LIMIT", 3)
    client.force_login(cast.office)
    body = client.get(
        f"/assessment/explain/?{P}&indicator=report&key={world.sanitation.pk}"
    ).content.decode()
    assert re.search(r'id="case-count">([^<]+)<', body).group(1) == "问题 6 件"
    assert len(re.findall(r'href="/cases/\d+/"', body)) == 3
    assert "只列出前 3 件。" in body
    monkeypatch.setattr("wenming.assessment.views.EXPLAIN_LIMIT", 6)  # exactly the limit
    body = client.get(
        f"/assessment/explain/?{P}&indicator=report&key={world.sanitation.pk}"
    ).content.decode()
    assert len(re.findall(r'href="/cases/\d+/"', body)) == 6
    assert 'class="text-warning"' not in body


# --- 督办 counts for the unit the notice was issued to ----------------------------------


def test_supervision_of_a_returned_case_does_not_charge_the_next_unit(
    client, cast, world, march, clock
):
    """Police let case X run overdue and got a 督办单, then returned it; the office
    re-dispatched it to sanitation. Sanitation's 督办数 stays 1 (case D); the city counts 2."""
    from wenming.assessment.indicators import case_ids_by_indicator, compute_indicators

    clock.set(at("2021-03-20 09:00"))
    x = case_services.case_report(
        cast.inspector, title="X", category_id=world.category.pk, lat=36.4705, lon=115.9915
    )
    case_services.case_dispatch(
        cast.office, x.pk, unit_id=world.police.pk, deadline=at("2021-03-21 17:30")
    )
    clock.set(at("2021-03-23 09:00"))
    case_services.case_escalate(cast.office, x.pk, level=1, note="超期")
    case_services.case_return(cast.other_handler, x.pk, reason="不属于本单位")
    clock.set(at("2021-03-23 10:00"))
    case_services.case_dispatch(
        cast.office, x.pk, unit_id=world.sanitation.pk, deadline=at("2021-03-30 17:30")
    )
    clock.set(AS_OF)
    start, end = march.a.reported_at.date().replace(day=1), at("2021-03-31 00:00").date()
    rows = {r.key: r for r in compute_indicators(start, end, as_of=AS_OF)}
    assert rows[world.sanitation.pk].escalation == 1  # D only, not X
    assert rows[world.police.pk].escalation == 0  # X is no longer police's case
    (city,) = compute_indicators(start, end, group_by="city", as_of=AS_OF)
    assert city.escalation == 2
    ids = case_ids_by_indicator(start, end, as_of=AS_OF)
    assert ids[world.sanitation.pk]["escalation"] == [march.d.pk]
    client.force_login(cast.office)
    body = client.get(
        f"/assessment/explain/?{P}&indicator=escalation&key={world.sanitation.pk}"
    ).content.decode()
    assert re.findall(r'href="/cases/(\d+)/"', body) == [str(march.d.pk)]


def test_ids_beyond_a_bigint_are_404_not_500(client, cast, world, march, clock):
    clock.set(AS_OF)
    pub = services.assessment_publish(cast.office, "2021-03")
    huge = "99999999999999999999"
    client.force_login(cast.office)
    for url in (
        f"/assessment/explain/?{P}&indicator=dispatch&key={huge}",
        f"/assessment/explain/?{P}&indicator=dispatch&group=grid&key={huge}",
        f"/assessment/explain/?{P}&indicator=dispatch&key=-1",
        f"/assessment/trend/?unit={huge}",
        f"/assessment/unit/{huge}/",
        f"/assessment/published/{huge}/",
        f"/assessment/published/{pub.pk}/unit/{huge}/",
        f"/assessment/published/{huge}/export.xlsx",
    ):
        assert client.get(url).status_code == 404, url


# --- the trend chart: one aggregate for all months ---------------------------------------


def _chart(body: str) -> dict:
    import json

    return json.loads(re.search(r'id="trend-data" type="application/json">(.*?)<', body).group(1))


def test_trend_matches_the_monthly_indicators_in_constant_queries(
    client, cast, world, march, clock, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wenming.assessment.indicators import compute_indicators

    clock.set(at("2021-04-10 12:00"))  # the trend ends with March 2021
    client.force_login(cast.office)
    url = f"/assessment/trend/?unit={world.sanitation.pk}"
    client.get(url + "&months=3")
    counts = {}
    for months in (3, 24):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(f"{url}&months={months}").content.decode()
        counts[months] = len(ctx.captured_queries)
    assert counts[3] == counts[24] <= 12
    chart = _chart(body)
    assert chart["labels"][-1] == "2021年3月" and len(chart["labels"]) == 24
    rows = compute_indicators(
        at("2021-03-01 00:00").date(), at("2021-03-31 00:00").date(), as_of=at("2021-04-10 12:00")
    )
    san = next(r for r in rows if r.key == world.sanitation.pk)
    series = {s["name"]: s["data"] for s in chart["series"]}
    assert series["结案率"][-1] == round(san.archive_rate * 100, 1) == 50.0
    assert series["按期结案率"][-1] == round(san.in_time_archive_rate * 100, 1) == 33.3
    assert series["督办数"][-1] == san.escalation == 1
    assert series["结案率"][:-1] == [None] * 23  # no cases before March
    (city,) = compute_indicators(
        at("2021-03-01 00:00").date(),
        at("2021-03-31 00:00").date(),
        group_by="city",
        as_of=at("2021-04-10 12:00"),
    )
    city_chart = _chart(client.get("/assessment/trend/?months=2").content.decode())
    city_series = {s["name"]: s["data"] for s in city_chart["series"]}
    assert city_series["处置率"] == [None, round(city.dispose_rate * 100, 1)]
    assert city_series["督办数"] == [None, city.escalation]
