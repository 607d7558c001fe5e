"""Scores, grades, ranks and 红黑榜 under the shipped default scheme, and scheme versioning."""

from __future__ import annotations

import pytest

from tests.assessment.conftest import AS_OF
from wenming.assessment import services
from wenming.assessment.indicators import IndicatorRow
from wenming.assessment.models import AuditEntry, Scheme, SchemeVersion
from wenming.assessment.periods import period_of
from wenming.assessment.ranking import compute_ranking, schemes_in_force
from wenming.assessment.scoring import (
    DEFAULT_CONFIG,
    clean_config,
    competition_ranks,
    grade_of,
    score_unit,
)
from wenming.core.errors import ApplicationError


@pytest.fixture(autouse=True)
def _no_external_inputs(monkeypatch):
    # The inspection and campaign inputs are tested separately; here only cases count.
    monkeypatch.setattr(
        "wenming.assessment.ranking.external_inputs", lambda start, end: (None, None)
    )


def by_unit(ranking, unit):
    return next(u for u in ranking.units() if u.unit_id == unit.pk)


def test_default_scheme_scores_march(world, march):
    ranking = compute_ranking(period_of("2021-03"), as_of=AS_OF)
    san = by_unit(ranking, world.sanitation)
    # base = (40×33.3333 + 20×50 + 10×83.3333 + 5×83.3333 + 5×83.3333) / 80 = 49.999975
    # penalty = 0.5 × 16.6667 supervised per 100 dispatched = 8.33335
    assert san.score.parts["base"] == 50.0  # 49.999975 rounded to 4 places
    assert san.score.parts["penalty"] == 8.3333
    assert san.score.score == 41.67
    assert san.score.grade == "D"
    police = by_unit(ranking, world.police)
    # (40×0 + 20×0 + 10×100 + 5×100 + 5×0) / 80
    assert (police.score.score, police.score.grade) == (18.75, "E")
    gulou = by_unit(ranking, world.gulou_office)
    assert gulou.score.score is None and gulou.rank is None  # no data, no rank
    assert [(u.name, u.rank) for u in ranking.tables["department"]] == [
        ("市环卫处", 1),
        ("市公安局交警支队", 2),
    ]
    # 41.67 (D) is below the default red-list floor of 75: the red list stays empty.
    assert (san.board, police.board) == ("", "black")
    assert police.reason == "得分 18.75（E）; 短板: 结案率 0.0%, 按期结案率 0.0%"
    assert ranking.sources == {"inspections": False, "tasks": False}
    assert set(ranking.limits.values()) == {(75.0, 90.0)}


def test_red_list_floor_and_black_list_ceiling(world, march):
    """The floor (red_min_score) and ceiling (black_max_score) of the scheme decide who may
    be on the lists; old configs without them (migration 0002's) read as 75 and 90."""
    version = SchemeVersion.objects.get(scheme__unit_kind="", number=1)
    assert "red_min_score" not in version.config  # the frozen migration config
    assert clean_config(version.config)["red_min_score"] == 75.0
    assert clean_config(version.config)["black_max_score"] == 90.0

    def lists(red_min, black_max):
        version.config = {
            **DEFAULT_CONFIG,
            "red_min_score": red_min,
            "black_max_score": black_max,
        }
        version.save(update_fields=["config"])
        ranking = compute_ranking(period_of("2021-03"), as_of=AS_OF)
        return (by_unit(ranking, world.sanitation).board, by_unit(ranking, world.police).board)

    assert lists(0, 90) == ("red", "black")
    assert lists(41.67, 90) == ("red", "black")  # at the floor: on the list
    assert lists(41.68, 90) == ("", "black")  # just below it: off
    assert lists(0, 18.75) == ("red", "")  # at the ceiling: never black
    assert lists(0, 18.76) == ("red", "black")
    ranking = compute_ranking(period_of("2021-03"), as_of=AS_OF)
    san = by_unit(ranking, world.sanitation)
    assert san.reason == "得分 41.67（D）; 优势: 返工率 16.7%, 超期未处置率 16.7%"


@pytest.mark.parametrize(
    "change",
    [
        {"red_min_score": -1},
        {"red_min_score": 101},
        {"red_min_score": "七十五"},
        {"black_max_score": 100.5},
        {"black_max_score": None},
    ],
)
def test_bad_list_limits_are_a_chinese_400(change):
    with pytest.raises(ApplicationError) as exc:
        clean_config({**DEFAULT_CONFIG, **change})
    (field,) = change
    assert exc.value.status == 400 and exc.value.detail == {"field": field}
    label = "红榜最低得分" if field == "red_min_score" else "不上黑榜的得分线（达到即不上黑榜）"
    assert exc.value.message.startswith(label)


def test_adjustment_moves_score_and_shows_in_reason(world, cast, march):
    services.adjustment_create(
        cast.office,
        unit_id=world.police.pk,
        period_key="2021-03",
        points="5",
        reason="省文明办通报表扬",
    )
    police = by_unit(compute_ranking(period_of("2021-03"), as_of=AS_OF), world.police)
    assert police.score.score == 23.75
    assert "+5 省文明办通报表扬" in police.reason
    assert AuditEntry.objects.filter(action="adjustment_create").count() == 1


def test_rank_change_against_previous_period(world, march):
    # April: only J (sanitation, dispatched, not due at as_of).
    ranking = compute_ranking(period_of("2021-04"), as_of=AS_OF)
    san = by_unit(ranking, world.sanitation)
    assert (san.rank, san.previous_rank, san.change) == (1, 1, 0)
    assert ranking.previous_source == "computed"
    police = by_unit(ranking, world.police)
    assert (police.rank, police.previous_rank, police.change) == (None, 2, None)


def test_grades_and_ranks():
    grades = DEFAULT_CONFIG["grades"]
    assert [grade_of(s, grades) for s in (100, 90, 89.99, 75, 60, 40, 39.9, 0, None)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "E",
        "E",
        "",
    ]
    assert competition_ranks([90, 95, 90, None, 80]) == [2, 1, 2, None, 4]


def test_normalisation_does_not_punish_volume():
    """Same rates, ten times the cases: same score (penalties on per-100 figures)."""
    cfg = clean_config(DEFAULT_CONFIG)
    small = IndicatorRow("unit", 1, "s", dispatch=10, archive=8, in_time_archive=7, escalation=1)
    big = IndicatorRow("unit", 2, "b", dispatch=100, archive=80, in_time_archive=70, escalation=10)
    for row in (small, big):
        row.archive_rate = row.archive / row.dispatch
        row.in_time_archive_rate = row.in_time_archive / row.dispatch
        row.rework_rate = row.extension_rate = row.overtime_rate = 0.0
        row.escalation_per_100 = row.escalation * 100 / row.dispatch
    assert (
        score_unit(cfg, small).score == score_unit(cfg, big).score == 75.0
    )  # (40×70 + 20×80 + 20×100) / 80 − 0.5 × 10


def test_inspection_and_task_inputs_count_with_their_weights():
    cfg = clean_config(DEFAULT_CONFIG)
    row = IndicatorRow("unit", 1, "u")  # no cases at all
    s = score_unit(
        cfg,
        row,
        {"checked": 10, "passed": 8, "failed": 2, "score": 80.0},
        {"due": 4, "on_time": 3, "late": 1, "missing": 0, "evidence_accepted": 2},
    )
    # only inspection (10) and tasks (10) have data: (80×10 + 75×10) / 20
    assert s.score == 77.5 and s.grade == "B"
    full = clean_config({**DEFAULT_CONFIG, "no_data": "full"})
    assert score_unit(full, IndicatorRow("unit", 1, "u")).score == 100.0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"weights": {"archive_rate": 50}}, "weights"),
        ({"weights": {"happiness": 100}}, "weights"),
        ({"weights": {"archive_rate": -10, "dispose_rate": 110}}, "weights.archive_rate"),
        ({"penalties": {"escalation": "x"}}, "penalties.escalation"),
        ({"grades": [["A", 60], ["B", 90], ["C", 0]]}, "grades"),
        ({"grades": [["A", 90], ["B", 10]]}, "grades"),
        ({"denominators": {"dispose": "moon"}}, "denominators.dispose"),
        ({"no_data": "maybe"}, "no_data"),
        ({"board_size": "NaN"}, "board_size"),
    ],
)
def test_bad_scheme_configs(change, field):
    with pytest.raises(ApplicationError) as exc:
        clean_config({**DEFAULT_CONFIG, **change})
    assert exc.value.detail["field"] == field


def test_scheme_versions_are_new_rows_and_publications_keep_theirs(world, cast, march):
    default = Scheme.objects.get(unit_kind="")
    v1 = default.versions.get()
    assert v1.number == 1
    cfg = {**DEFAULT_CONFIG, "weights": {"archive_rate": 100}, "penalties": {}}
    v2 = services.scheme_version_create(cast.office, default.pk, config=cfg, note="只看结案率")
    assert v2.number == 2
    v1.refresh_from_db()
    assert v1.config["weights"]["in_time_archive_rate"] == 40  # unchanged
    assert schemes_in_force()["department"] == v2
    san = by_unit(compute_ranking(period_of("2021-03"), as_of=AS_OF), world.sanitation)
    assert san.scheme_version == v2 and san.score.score == 50.0
    assert AuditEntry.objects.filter(action="scheme_version_create", object_id=v2.pk).exists()


def test_scheme_per_unit_kind(world, cast, march):
    cfg = {**DEFAULT_CONFIG, "weights": {"dispose_rate": 100}, "penalties": {}}
    scheme = services.scheme_create(
        cast.office, name="部门考核方案", unit_kind="department", config=cfg
    )
    ranking = compute_ranking(period_of("2021-03"), as_of=AS_OF)
    san = by_unit(ranking, world.sanitation)
    assert san.scheme_version.scheme == scheme
    assert san.score.score == 66.67  # 4 disposed / 6 dispatched
    assert by_unit(ranking, world.gulou_office).scheme_version.scheme.unit_kind == ""


def test_scheme_writes_refused(world, cast):
    before = SchemeVersion.objects.count()
    default = Scheme.objects.get(unit_kind="")
    for user in (cast.handler, cast.leader, cast.inspector, cast.outsider):
        with pytest.raises(ApplicationError) as exc:
            services.scheme_version_create(user, default.pk, config=DEFAULT_CONFIG, note="x")
        assert exc.value.status == 403
    with pytest.raises(ApplicationError) as exc:
        services.scheme_version_create(cast.office, default.pk, config=DEFAULT_CONFIG, note="")
    assert exc.value.code == "required"
    with pytest.raises(ApplicationError) as exc:
        services.scheme_create(cast.office, name="第二默认", config=DEFAULT_CONFIG)
    assert exc.value.status == 409
    with pytest.raises(ApplicationError) as exc:
        services.scheme_version_create(cast.office, 999999, config=DEFAULT_CONFIG, note="x")
    assert exc.value.status == 404
    assert SchemeVersion.objects.count() == before


def test_adjustment_bad_input(world, cast):
    for points in ("", "abc", "0", "101", "NaN", "inf"):
        with pytest.raises(ApplicationError) as exc:
            services.adjustment_create(
                cast.office,
                unit_id=world.police.pk,
                period_key="2021-03",
                points=points,
                reason="r",
            )
        assert exc.value.code == "invalid_points", points
    with pytest.raises(ApplicationError) as exc:
        services.adjustment_create(
            cast.office, unit_id=world.police.pk, period_key="2021-13", points=1, reason="r"
        )
    assert exc.value.code == "invalid_period"
    with pytest.raises(ApplicationError) as exc:
        services.adjustment_create(
            cast.handler, unit_id=world.police.pk, period_key="2021-03", points=1, reason="r"
        )
    assert exc.value.status == 403
    adj = services.adjustment_create(
        cast.office, unit_id=world.police.pk, period_key="2021-03", points="-2.5", reason="媒体曝光"
    )
    services.adjustment_withdraw(cast.office, adj.pk, reason="核实有误")
    with pytest.raises(ApplicationError) as exc:
        services.adjustment_withdraw(cast.office, adj.pk, reason="again")
    assert exc.value.status == 409


def test_scheme_switch_off_falls_back_to_default(world, cast, march):
    cfg = {**DEFAULT_CONFIG, "weights": {"dispose_rate": 100}, "penalties": {}}
    scheme = services.scheme_create(
        cast.office, name="部门方案", unit_kind="department", config=cfg
    )
    services.scheme_set_active(cast.office, scheme.pk, active=False)
    assert schemes_in_force()["department"].scheme.unit_kind == ""
    default = Scheme.objects.get(unit_kind="")
    with pytest.raises(ApplicationError) as exc:
        services.scheme_set_active(cast.office, default.pk, active=False)
    assert exc.value.code == "default_required"
    other = services.scheme_create(
        cast.office, name="部门方案二", unit_kind="department", config=cfg
    )
    with pytest.raises(ApplicationError) as exc:
        services.scheme_set_active(cast.office, scheme.pk, active=True)
    assert exc.value.code == "scheme_exists"
    with pytest.raises(ApplicationError) as exc:
        services.scheme_set_active(cast.handler, other.pk, active=False)
    assert exc.value.status == 403
    assert Scheme.objects.get(pk=other.pk).is_active
    assert AuditEntry.objects.filter(action="scheme_set_active").count() == 1
