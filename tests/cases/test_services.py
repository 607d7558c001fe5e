"""The case lifecycle, one service per transition: allowed and forbidden, per role."""

from __future__ import annotations

import signal

import pytest

from tests.conftest import TIETA, at
from wenming.cases import services
from wenming.cases.models import Case, CaseEvent, ExtensionRequest
from wenming.core.errors import ApplicationError, NotFound
from wenming.taxonomy.models import Category


def report(user, world, **kw):
    args = {
        "title": "铁塔社区垃圾桶满溢未清运",
        "category_id": world.category.pk,
        "lat": TIETA[0],
        "lon": TIETA[1],
        "address": "东昌府区古楼街道铁塔社区",
    }
    args.update(kw)
    return services.case_report(user, **args)


def snapshot(case_id):
    c = Case.objects.get(pk=case_id)
    return (
        c.status,
        c.version,
        c.unit_id,
        c.deadline,
        c.rework_count,
        CaseEvent.objects.filter(case_id=case_id).count(),
    )


def refused(code, status, func, *args, **kw):
    """Call a service that must refuse; return the error."""
    with pytest.raises(ApplicationError) as exc:
        func(*args, **kw)
    assert exc.value.code == code
    assert exc.value.status == status
    return exc.value


def test_full_lifecycle_with_one_rework(world, cast, clock):
    clock.set(at("2021-03-05 14:00"))
    case = report(cast.inspector, world)
    assert case.status == "reported"
    assert case.number == "2021000001"
    assert case.source == "inspection"
    assert (case.county, case.subdistrict, case.community) == (
        world.dongchangfu,
        world.gulou,
        world.tieta,
    )
    assert case.grid == world.grid_tieta
    assert case.supervision_grid_id == world.ninth.pk
    assert case.proposed_unit == world.sanitation
    assert case.near_boundary is False

    clock.set(at("2021-03-05 15:00"))  # a Friday: 4 working hours run into Monday
    case = services.case_dispatch(cast.office, case.pk)
    assert case.unit == world.sanitation
    assert case.deadline == at("2021-03-08 10:00")
    assert case.deadline_warning == ""

    clock.set(at("2021-03-08 08:40"))
    services.case_accept(cast.handler, case.pk, note="已签收")
    clock.set(at("2021-03-08 09:30"))
    services.case_submit(cast.handler, case.pk, note="已清运")
    clock.set(at("2021-03-08 10:00"))
    case = services.case_rework(cast.inspector, case.pk, reason="周边仍有散落垃圾")
    assert (case.status, case.rework_count) == ("accepted", 1)
    clock.set(at("2021-03-08 11:00"))
    services.case_submit(cast.handler, case.pk, note="已全部清理")
    clock.set(at("2021-03-08 11:30"))
    case = services.case_verify(cast.inspector, case.pk, note="复查合格")

    case.refresh_from_db()
    assert case.status == "closed"
    assert case.closed_at == at("2021-03-08 11:30")
    assert case.rectified_on_time is False  # resubmitted at 11:00, after 10:00
    assert case.closed_on_time is False
    assert case.version == 7
    events = list(
        case.events.order_by("seq").values_list("seq", "action", "from_status", "to_status")
    )
    assert events == [
        (1, "report", "", "reported"),
        (2, "dispatch", "reported", "dispatched"),
        (3, "accept", "dispatched", "accepted"),
        (4, "submit", "accepted", "submitted"),
        (5, "rework", "submitted", "accepted"),
        (6, "submit", "accepted", "submitted"),
        (7, "verify", "submitted", "closed"),
    ]
    assert CaseEvent.objects.get(case=case, seq=5).note == "周边仍有散落垃圾"
    assert CaseEvent.objects.get(case=case, seq=5).actor == cast.inspector


def test_on_time_flags_when_fixed_before_deadline(world, cast, clock):
    clock.set(at("2021-03-08 08:30"))
    case = report(cast.office, world)
    services.case_dispatch(cast.office, case.pk)
    services.case_accept(cast.handler, case.pk)
    clock.set(at("2021-03-08 11:00"))
    services.case_submit(cast.handler, case.pk, note="done")
    clock.set(at("2021-03-08 12:00"))
    case = services.case_verify(cast.office, case.pk)
    assert case.deadline == at("2021-03-08 14:00")  # 3.5 h before lunch, 0.5 h after
    assert (case.rectified_on_time, case.closed_on_time) == (True, True)


def test_case_numbers_count_per_year(world, cast, clock):
    clock.set(at("2021-12-31 23:00"))
    a = report(cast.office, world)
    clock.set(at("2022-01-01 00:30"))
    b = report(cast.office, world)
    c = report(cast.office, world)
    assert [a.number, b.number, c.number] == ["2021000001", "2022000001", "2022000002"]


# --- who may do what ---------------------------------------------------------------------

ROLES = ["office", "inspector", "handler", "other_handler", "leader", "area_staff", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_report_roles(world, cast, role):
    allowed = {"office", "inspector", "leader", "area_staff"}
    user = getattr(cast, role)
    if role in allowed:
        assert report(user, world).status == "reported"
    else:
        refused("forbidden", 403, report, user, world)
        assert Case.objects.count() == 0


def _case_in(world, cast, status):
    """A case brought to ``status`` through the services."""
    case = report(cast.office, world)
    path = {
        "reported": [],
        "dispatched": ["dispatch"],
        "accepted": ["dispatch", "accept"],
        "submitted": ["dispatch", "accept", "submit"],
        "closed": ["dispatch", "accept", "submit", "verify"],
        "returned": ["dispatch", "return"],
        "rejected": ["reject"],
    }[status]
    for step in path:
        if step == "dispatch":
            services.case_dispatch(cast.office, case.pk)
        elif step == "accept":
            services.case_accept(cast.handler, case.pk)
        elif step == "submit":
            services.case_submit(cast.handler, case.pk, note="done")
        elif step == "verify":
            services.case_verify(cast.office, case.pk)
        elif step == "return":
            services.case_return(cast.handler, case.pk, reason="不属于本单位")
        elif step == "reject":
            services.case_reject(cast.office, case.pk, reason="不属于创城范围")
    return Case.objects.get(pk=case.pk)


def _call(action, user, case, world):
    return {
        "dispatch": lambda: services.case_dispatch(user, case.pk, unit_id=world.sanitation.pk),
        "reject": lambda: services.case_reject(user, case.pk, reason="重复"),
        "accept": lambda: services.case_accept(user, case.pk),
        "return": lambda: services.case_return(user, case.pk, reason="非本单位职责"),
        "submit": lambda: services.case_submit(user, case.pk, note="已整改"),
        "verify": lambda: services.case_verify(user, case.pk),
        "rework": lambda: services.case_rework(user, case.pk, reason="未整改到位"),
    }[action]()


# (action, state it applies in, roles allowed)
TRANSITIONS = [
    ("dispatch", "reported", {"office"}),
    ("dispatch", "returned", {"office"}),
    ("reject", "reported", {"office"}),
    ("reject", "returned", {"office"}),
    ("accept", "dispatched", {"handler"}),
    ("return", "dispatched", {"handler"}),
    ("submit", "accepted", {"handler"}),
    ("verify", "submitted", {"office", "inspector"}),
    ("rework", "submitted", {"office", "inspector"}),
]
# Roles that cannot see a case of the sanitation unit in 古楼街道 reported by the office.
BLIND = {"other_handler", "outsider"}


@pytest.mark.parametrize("action,state,allowed", TRANSITIONS)
@pytest.mark.parametrize("role", ROLES)
def test_transition_permissions(world, cast, action, state, allowed, role):
    case = _case_in(world, cast, state)
    before = snapshot(case.pk)
    user = getattr(cast, role)
    if role in allowed:
        result = _call(action, user, case, world)
        assert snapshot(result.pk) != before
        assert snapshot(case.pk)[1] == before[1] + 1
        assert snapshot(case.pk)[5] == before[5] + 1
    else:
        blind = BLIND | ({"handler"} if case.unit_id is None else set())
        if role in blind:
            refused("not_found", 404, _call, action, user, case, world)
        else:
            refused("forbidden", 403, _call, action, user, case, world)
        assert snapshot(case.pk) == before


ALL_STATES = ["reported", "dispatched", "accepted", "submitted", "closed", "returned", "rejected"]


# Every action in every state it does not apply in (each pair once).
_ALLOWED = {a: allowed for a, _s, allowed in TRANSITIONS}
WRONG_STATES = [
    (a, state, _ALLOWED[a])
    for a in _ALLOWED
    for state in ALL_STATES
    if state not in {s for x, s, _ in TRANSITIONS if x == a}
]


@pytest.mark.parametrize("action,state,allowed", WRONG_STATES)
def test_transitions_refused_in_wrong_state(world, cast, action, state, allowed):
    case = _case_in(world, cast, state)
    before = snapshot(case.pk)
    user = cast.handler if "handler" in allowed else cast.office
    if user == cast.handler and case.unit_id is None:
        # A case with no unit is not the handler's to see.
        refused("not_found", 404, _call, action, user, case, world)
    else:
        err = refused("invalid_transition", 409, _call, action, user, case, world)
        assert err.detail == {"status": state, "action": action}
    assert snapshot(case.pk) == before


def test_stale_version_is_refused(world, cast):
    case = _case_in(world, cast, "reported")
    before = snapshot(case.pk)
    refused("stale", 409, services.case_dispatch, cast.office, case.pk, expected_version=0)
    assert snapshot(case.pk) == before
    ok = services.case_dispatch(cast.office, case.pk, expected_version=case.version)
    assert ok.status == "dispatched"


def test_return_then_redispatch_to_another_unit(world, cast):
    case = _case_in(world, cast, "returned")
    assert (case.unit_id, case.deadline) == (None, None)
    assert case.events.get(action="return").data == {"unit_id": world.sanitation.pk}
    case = services.case_dispatch(cast.office, case.pk, unit_id=world.police.pk)
    assert (case.status, case.unit) == ("dispatched", world.police)
    # The sanitation handler no longer sees it.
    refused("not_found", 404, services.case_accept, cast.handler, case.pk)
    assert services.case_accept(cast.other_handler, case.pk).status == "accepted"


# --- input checks ---------------------------------------------------------------------


def test_report_bad_text(world, cast):
    refused("required", 400, report, cast.office, world, title="   ")
    err = refused("too_long", 400, report, cast.office, world, title="长" * 201)
    assert err.detail == {"field": "title", "max_length": 200, "length": 201}
    refused("too_long", 400, report, cast.office, world, description="x" * 5001)
    refused("invalid_text", 400, report, cast.office, world, title=123)
    assert Case.objects.count() == 0
    case = report(cast.office, world, title="a\x00b<script>")
    assert case.title == "ab<script>"


def test_report_unknown_category_or_source(world, cast):
    refused("unknown_category", 400, report, cast.office, world, category_id=999999)
    refused("unknown_category", 400, report, cast.office, world, category_id="abc")
    refused("invalid_source", 400, report, cast.office, world, source="twitter")
    refused("forbidden", 403, report, cast.inspector, world, source="hotline")
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "lat,lon,code",
    [
        (None, None, "location_required"),
        (36.455, None, "location_required"),
        (0, 0, "invalid_location"),
        (0.0, 0.0, "invalid_location"),
        ("x", 115.9, "invalid_location"),
        (float("nan"), 115.9, "invalid_location"),
        (91, 115.9, "invalid_location"),
        (39.9, 116.4, "outside_city"),  # Beijing
    ],
)
def test_report_bad_location(world, cast, lat, lon, code):
    refused(code, 400, report, cast.office, world, lat=lat, lon=lon)
    assert Case.objects.count() == 0


def test_a_loop_in_the_category_tree_is_no_time_limit_not_a_hang(world, cast, clock):
    """A category whose parent chain loops without a rule (a bad import; the admin refuses
    one) asks for a deadline, as a category without a rule does, instead of walking forever."""
    clock.set(at("2021-03-05 10:00"))
    first = Category.objects.create(code="LP", name="循环甲", kind="event")
    second = Category.objects.create(code="LQ", name="循环乙", kind="event", parent=first)
    Category.objects.filter(pk=first.pk).update(parent=second)
    leaf = Category.objects.create(code="LP1", name="循环下的具体类别", kind="event", parent=first)
    case = report(cast.office, world, category_id=leaf.pk)
    before = snapshot(case.pk)
    old = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the deadline rule did not end"))
    signal.alarm(5)
    try:
        refused(
            "no_time_limit", 400, services.case_dispatch, cast.office, case.pk,
            unit_id=world.police.pk,
        )  # fmt: skip
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert snapshot(case.pk) == before


def test_zero_latitude_alone_is_a_value_not_missing(world, cast):
    # lat 0 with a real longitude is a valid coordinate (it is just outside this city).
    refused("outside_city", 400, report, cast.office, world, lat=0, lon=115.9)


def test_dispatch_checks(world, cast, clock):
    clock.set(at("2021-03-05 10:00"))
    case = report(cast.office, world, category_id=world.category_no_rule.pk, lat=36.4, lon=116.3)
    assert case.proposed_unit is None  # 茌平区: no rule there
    before = snapshot(case.pk)
    refused("unit_required", 400, services.case_dispatch, cast.office, case.pk)
    refused("unknown_unit", 400, services.case_dispatch, cast.office, case.pk, unit_id=999)
    refused(
        "no_time_limit",
        400,
        services.case_dispatch,
        cast.office,
        case.pk,
        unit_id=world.police.pk,
    )
    refused(
        "invalid_deadline",
        400,
        services.case_dispatch,
        cast.office,
        case.pk,
        unit_id=world.police.pk,
        deadline=at("2021-03-05 09:00"),
    )
    assert snapshot(case.pk) == before
    case = services.case_dispatch(
        cast.office, case.pk, unit_id=world.police.pk, deadline=at("2021-03-09 17:30")
    )
    assert case.deadline == at("2021-03-09 17:30")


def test_deadline_in_working_days_inherits_and_warns_beyond_calendar(world, cast, clock):
    clock.set(at("2030-03-05 10:00"))  # a Tuesday in a year no calendar covers
    case = report(cast.office, world, category_id=world.category_days.pk)
    case = services.case_dispatch(cast.office, case.pk, unit_id=world.gulou_office.pk)
    assert case.deadline == at("2030-03-12 17:30")
    assert "2030" in case.deadline_warning
    assert case.events.get(action="dispatch").data["warning"] == case.deadline_warning


def test_reject_and_merge(world, cast):
    a = _case_in(world, cast, "dispatched")
    b = report(cast.office, world)
    refused("required", 400, services.case_reject, cast.office, b.pk, reason="")
    refused("invalid_merge", 400, services.case_merge, cast.office, b.pk, into_id=b.pk)
    refused("invalid_merge", 400, services.case_merge, cast.office, b.pk, into_id=123456)
    closed = _case_in(world, cast, "closed")
    refused("invalid_merge", 400, services.case_merge, cast.office, b.pk, into_id=closed.pk)
    assert snapshot(b.pk)[:2] == ("reported", 1)
    assert snapshot(a.pk)[5] == 2  # the refusals wrote nothing on the target either
    before = snapshot(a.pk)
    b = services.case_merge(cast.office, b.pk, into_id=a.pk, note="重复上报")
    assert (b.status, b.merged_into_id) == ("merged", a.pk)
    assert list(a.merged_cases.all()) == [b]
    # The surviving case names the duplicate; its status and version stay.
    event = CaseEvent.objects.get(case=a, action="merged_in")
    assert (event.seq, event.from_status, event.to_status, event.note, event.data) == (
        3,
        "dispatched",
        "dispatched",
        "重复上报",
        {"case_id": b.pk, "number": b.number},
    )
    assert event.actor == cast.office
    assert snapshot(a.pk) == (*before[:5], 3)


def test_link_report_records_a_merged_citizen_report(world, cast):
    case = _case_in(world, cast, "dispatched")
    before = snapshot(case.pk)

    def link(user, case_id, **kw):
        return services.case_link_report(user, case_id, public_report_id=7, **kw)

    refused("forbidden", 403, link, cast.handler, case.pk)
    refused("too_long", 400, link, cast.office, case.pk, note="因" * 2001)
    with pytest.raises(NotFound):
        link(cast.office, 999999)
    with pytest.raises(NotFound):
        link(cast.office, "abc")
    closed = _case_in(world, cast, "closed")
    closed_before = snapshot(closed.pk)
    refused("case_ended", 409, link, cast.office, closed.pk)
    assert (snapshot(case.pk), snapshot(closed.pk)) == (before, closed_before)
    event = services.case_link_report(cast.office, case.pk, public_report_id=7, note="同一位置")
    assert (event.case.pk, event.action, event.seq, event.note, event.data) == (
        case.pk,
        "merge_report",
        3,
        "同一位置",
        {"public_report_id": 7},  # not the tracking code: the API shows event data
    )
    assert (event.from_status, event.to_status) == ("dispatched", "dispatched")
    assert snapshot(case.pk) == (*before[:5], 3)


# --- extensions -----------------------------------------------------------------------


def test_extension_request_approved_moves_deadline(world, cast, clock):
    clock.set(at("2021-03-05 15:00"))
    case = _case_in(world, cast, "accepted")
    old = case.deadline
    refused(
        "invalid_deadline",
        400,
        services.case_request_extension,
        cast.handler,
        case.pk,
        requested_deadline=old,
        reason="材料未到",
    )
    refused(
        "required",
        400,
        services.case_request_extension,
        cast.handler,
        case.pk,
        requested_deadline=at("2021-03-10 17:30"),
        reason="",
    )
    refused(
        "forbidden",
        403,
        services.case_request_extension,
        cast.office,
        case.pk,
        requested_deadline=at("2021-03-10 17:30"),
        reason="x",
    )
    req = services.case_request_extension(
        cast.handler, case.pk, requested_deadline=at("2021-03-10 17:30"), reason="需采购配件"
    )
    refused(
        "extension_pending",
        409,
        services.case_request_extension,
        cast.handler,
        case.pk,
        requested_deadline=at("2021-03-11 17:30"),
        reason="again",
    )
    refused("forbidden", 403, services.case_decide_extension, cast.handler, req.pk, approve=True)
    assert Case.objects.get(pk=case.pk).deadline == old
    services.case_decide_extension(cast.office, req.pk, approve=True)
    case.refresh_from_db()
    assert (case.deadline, case.extension_count) == (at("2021-03-10 17:30"), 1)
    req.refresh_from_db()
    assert (req.status, req.previous_deadline, req.decided_by) == ("approved", old, cast.office)
    refused(
        "already_decided",
        409,
        services.case_decide_extension,
        cast.office,
        req.pk,
        approve=False,
        note="x",
    )
    assert list(case.events.order_by("seq").values_list("action", flat=True))[-2:] == [
        "request_extension",
        "approve_extension",
    ]


def test_extension_denied_needs_a_reason_and_keeps_deadline(world, cast, clock):
    clock.set(at("2021-03-05 15:00"))
    case = _case_in(world, cast, "dispatched")
    req = services.case_request_extension(
        cast.handler, case.pk, requested_deadline=at("2021-03-10 17:30"), reason="x"
    )
    refused("required", 400, services.case_decide_extension, cast.office, req.pk, approve=False)
    services.case_decide_extension(cast.office, req.pk, approve=False, note="理由不充分")
    case.refresh_from_db()
    assert (case.deadline, case.extension_count) == (at("2021-03-08 10:00"), 0)
    assert ExtensionRequest.objects.get(pk=req.pk).status == "denied"
    refused("not_found", 404, services.case_decide_extension, cast.office, 99999, approve=True)


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_match_the_services(world, cast, state, role):
    """The pages show exactly the actions the services would accept."""
    case = _case_in(world, cast, state)
    user = getattr(cast, role)
    expected = sorted(
        {a for a, s, allowed in TRANSITIONS if s == state and role in allowed}
        | ({"merge"} if role == "office" and state in ("reported", "returned") else set())
        | (
            {"request_extension"}
            if role == "handler" and state in ("dispatched", "accepted")
            else set()
        )
    )
    assert sorted(services.allowed_actions(user, case)) == expected
