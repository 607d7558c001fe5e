"""Indicator formulas against the hand-computed March in conftest.py."""

from __future__ import annotations

from datetime import date

import pytest

from tests.assessment.conftest import AS_OF
from wenming.assessment.indicators import (
    case_ids_by_indicator,
    compute_indicators,
    describe,
    indicator_cases,
)
from wenming.core.errors import ApplicationError

MARCH = (date(2021, 3, 1), date(2021, 3, 31))


def row_of(rows, key):
    return next(r for r in rows if r.key == key)


def test_unit_indicators_hand_computed(world, march, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        rows = compute_indicators(*MARCH, group_by="unit", as_of=AS_OF)
    san = row_of(rows, world.sanitation.pk)
    counts = {
        k: getattr(san, k)
        for k in (
            "report register rejected merged dispatch due dispose in_time_dispose "
            "overtime_dispose archive in_time_archive overtime_archive to_dispose "
            "overtime_to_dispose rework extension escalation listed_escalation recurring"
        ).split()
    }
    assert counts == {
        "report": 6,
        "register": 6,
        "rejected": 0,
        "merged": 0,
        "dispatch": 6,
        "due": 5,  # L's deadline (04-15) is after as_of
        "dispose": 4,  # A B C E; D is still held
        "in_time_dispose": 3,  # B was submitted after its deadline
        "overtime_dispose": 1,
        "archive": 3,
        "in_time_archive": 2,
        "overtime_archive": 1,
        "to_dispose": 2,  # D L
        "overtime_to_dispose": 1,  # D (extended deadline 03-20 passed)
        "rework": 1,
        "extension": 1,
        "escalation": 1,
        "listed_escalation": 0,
        "recurring": 1,
    }
    assert san.name == "市环卫处" and san.kind == "department"
    assert san.dispose_rate == 0.666667
    assert san.in_time_dispose_rate == 0.5
    assert san.archive_rate == 0.5
    assert san.in_time_archive_rate == 0.333333
    assert san.overtime_archive_rate == 0.166667
    assert san.rework_rate == 0.166667
    assert san.extension_rate == 0.166667
    assert san.overtime_rate == 0.166667
    assert san.escalation_per_100 == 16.6667
    assert san.recurring_per_100 == 16.6667

    police = row_of(rows, world.police.pk)
    # The returned case H is not the police's: only I counts.
    assert (police.report, police.dispatch, police.overtime_to_dispose) == (1, 1, 1)
    assert (police.dispose_rate, police.archive_rate) == (0.0, 0.0)

    gulou = row_of(rows, world.gulou_office.pk)
    assert gulou.report == 0 and gulou.dispose_rate is None  # no denominator

    none = rows[-1]
    assert none.key is None
    # F rejected, G merged, H returned: no unit; only H is registered.
    assert (none.report, none.rejected, none.merged, none.register, none.dispatch) == (
        3,
        1,
        1,
        1,
        0,
    )


def test_city_row_counts_rejected_and_merged_only_as_reports(world, march):
    (city,) = compute_indicators(*MARCH, group_by="city", as_of=AS_OF)
    assert (city.report, city.rejected, city.merged, city.register) == (10, 1, 1, 8)
    assert (city.dispatch, city.archive, city.dispose) == (7, 3, 4)
    assert city.key is None


def test_due_denominator_and_rework_times(world, march, clock):
    from wenming.cases import services

    rows = compute_indicators(
        *MARCH,
        as_of=AS_OF,
        denominators={"dispose": "due", "archive": "due", "rework_count": "times"},
    )
    san = row_of(rows, world.sanitation.pk)
    assert (san.dispose_rate, san.in_time_dispose_rate) == (0.8, 0.6)
    assert (san.archive_rate, san.in_time_archive_rate) == (0.6, 0.4)
    assert san.denominators["dispose"] == "due"
    # E reworked twice more: "times" counts 3 reworks, "cases" 2 cases.
    clock.set(AS_OF)
    services.case_rework(cast_inspector(world), march.e.pk, reason="again")
    services.case_submit(cast_handler(world), march.e.pk, note="x")
    services.case_rework(cast_inspector(world), march.e.pk, reason="again")
    times = row_of(
        compute_indicators(*MARCH, as_of=AS_OF, denominators={"rework_count": "times"}),
        world.sanitation.pk,
    )
    cases = row_of(compute_indicators(*MARCH, as_of=AS_OF), world.sanitation.pk)
    assert (times.rework, cases.rework) == (3, 2)
    assert cases.rework_rate == round(2 / 6, 6)


def cast_inspector(world):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="inspector")


def cast_handler(world):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="handler")


def test_grid_and_subdistrict_groups(world, march):
    grids = compute_indicators(*MARCH, group_by="grid", as_of=AS_OF)
    ninth = row_of(grids, world.ninth.pk)
    assert (ninth.report, ninth.register, ninth.dispatch) == (10, 8, 7)
    subs = compute_indicators(*MARCH, group_by="subdistrict", as_of=AS_OF)
    gulou = row_of(subs, world.gulou.pk)
    assert gulou.report == 10 and gulou.name == "古楼街道"


def test_week_bounds_are_local_dates(world, march):
    # 2021-W09 is 03-01 … 03-07: A B C D F G H I reported then (E on 03-08).
    (city,) = compute_indicators(date(2021, 3, 1), date(2021, 3, 7), group_by="city", as_of=AS_OF)
    assert city.report == 8


def test_cases_behind_each_figure(world, march):
    def ids(indicator, **kw):
        qs = indicator_cases(*MARCH, indicator, key=world.sanitation.pk, as_of=AS_OF, **kw)
        return sorted(qs.values_list("id", flat=True))

    assert ids("in_time_archive") == march.ids("a", "c")
    assert ids("overtime_archive") == march.ids("b")
    assert ids("dispose_rate") == march.ids("a", "b", "c", "e")
    assert ids("dispose_rate", part="denominator") == march.ids("a", "b", "c", "d", "e", "l")
    assert ids("overtime_to_dispose") == march.ids("d")
    assert ids("escalation") == march.ids("d")
    assert ids("recurring") == march.ids("a")
    none = indicator_cases(*MARCH, "report", key=None, as_of=AS_OF)
    assert sorted(none.values_list("id", flat=True)) == march.ids("f", "g", "h")
    stored = case_ids_by_indicator(*MARCH, as_of=AS_OF)
    assert stored[world.sanitation.pk]["rework"] == march.ids("c")
    assert stored[world.police.pk]["report"] == march.ids("i")


def test_bad_inputs(db):
    with pytest.raises(ApplicationError) as exc:
        compute_indicators(*MARCH, group_by="street")
    assert exc.value.code == "invalid_group"
    with pytest.raises(ApplicationError) as exc:
        compute_indicators(*MARCH, denominators={"rework": "moon"})
    assert exc.value.code == "invalid_denominator"
    with pytest.raises(ApplicationError) as exc:
        indicator_cases(*MARCH, "happiness")
    assert exc.value.code == "invalid_indicator"


def test_catalogue_has_a_formula_for_every_indicator():
    keys = [d["key"] for d in describe()]
    assert len(keys) == len(set(keys)) == 30
    assert all(d["formula"] for d in describe())
