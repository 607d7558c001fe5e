"""The citizens' pre-ledger: submit, triage (accept, reject, merge), supports, limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import TIETA, at
from tests.public.conftest import upload
from wenming.cases import services as case_services
from wenming.cases.models import Case, CaseEvent, CasePhoto
from wenming.core.datum import wgs84_to_bd09, wgs84_to_gcj02
from wenming.core.errors import ApplicationError
from wenming.public import ratelimit, services
from wenming.public.models import (
    Open311Client,
    PublicReport,
    PublicReportEvent,
    PublicReportPhoto,
    Support,
    mask_phone,
)
from wenming.public.selectors import CODE_ALPHABET, haversine_m, public_status
from wenming.taxonomy.models import Category

TEXT = "铁塔社区东门的垃圾桶满了，没人清运"


def submit(**kw):
    args = {
        "description": TEXT,
        "lat": TIETA[0],
        "lon": TIETA[1],
        "client_ip": "10.0.0.1",
    }
    args.update(kw)
    return services.public_report_submit(**args)


def refused(code, status, func, *args, **kw):
    with pytest.raises(ApplicationError) as exc:
        func(*args, **kw)
    assert (exc.value.code, exc.value.status) == (code, status)
    return exc.value


def nothing_written():
    assert PublicReport.objects.count() == 0
    assert PublicReportEvent.objects.count() == 0
    assert PublicReportPhoto.objects.count() == 0
    assert Case.objects.count() == 0


def case_at(world, user, lat, lon, category=None, **kw):
    return case_services.case_report(
        user,
        title="垃圾桶满溢",
        category_id=(category or world.category).pk,
        lat=lat,
        lon=lon,
        **kw,
    )


# --- submit -------------------------------------------------------------------------------


def test_submit_files_a_pending_report_with_a_code(world, clock):
    clock.set(at("2021-03-05 15:00"))
    result = submit(phone="138 1234 1234", address="东门", photos=[upload()])
    report = result.report
    assert result.created is True
    assert report.status == "pending"
    assert len(report.code) == 8 and set(report.code) <= set(CODE_ALPHABET)
    assert (report.lat, report.lon, report.input_datum) == (TIETA[0], TIETA[1], "wgs84")
    assert report.category == world.category  # suggested from the words
    assert report.suggested_category == world.category
    assert report.phone == "13812341234"
    assert report.phone_masked == "138****1234"
    assert report.submitted_at == at("2021-03-05 15:00")
    assert report.channel == "web" and report.case is None
    assert report.photos.count() == 1
    photo = report.photos.get()
    assert (photo.width, photo.height) == (640, 480)
    assert photo.thumbnail.name.endswith("_thumb.jpg")
    assert list(report.events.values_list("action", "data")) == [
        ("submit", {"channel": "web", "suggested_category_id": world.category.pk, "photos": 1})
    ]


def test_chosen_category_wins_over_the_suggestion(world):
    report = submit(category_id=world.category_days.pk).report
    assert report.category == world.category_days
    assert report.suggested_category == world.category


def test_no_suggestion_leaves_the_category_empty(world):
    report = submit(description="这里有点问题").report
    assert report.category is None and report.suggested_category is None


@pytest.mark.parametrize("datum,convert", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_chinese_map_datums_are_converted_to_wgs84(world, datum, convert):
    lon, lat = convert(TIETA[1], TIETA[0])
    assert haversine_m(lat, lon, *TIETA) > 300  # the offsets are real: hundreds of metres
    report = submit(lat=lat, lon=lon, coord_system=datum).report
    assert report.input_datum == datum
    assert report.lat == pytest.approx(TIETA[0], abs=1e-7)
    assert report.lon == pytest.approx(TIETA[1], abs=1e-7)


def test_text_is_plain_nul_stripped_and_html_kept_as_text(world):
    report = submit(description="<b>垃圾</b>\x00桶满了 <script>alert(1)</script>").report
    assert report.description == "<b>垃圾</b>桶满了 <script>alert(1)</script>"


@pytest.mark.parametrize(
    "kw,code,field",
    [
        ({"lat": 0, "lon": 0}, "invalid_location", "location"),
        ({"lat": 39.9, "lon": 116.4}, "outside_city", "location"),
        ({"lat": None, "lon": None}, "location_required", "location"),
        ({"lat": "", "lon": ""}, "location_required", "location"),
        ({"lat": "abc", "lon": "115.98"}, "invalid_location", "location"),
        ({"lat": "nan", "lon": "115.98"}, "invalid_location", "location"),
        ({"coord_system": "utm"}, "invalid_coord_system", "coord_system"),
        ({"description": ""}, "required", "description"),
        ({"description": "  \x00 "}, "required", "description"),
        ({"description": "长" * 1001}, "too_long", "description"),
        ({"description": ["list"]}, "invalid_text", "description"),
        ({"address": "址" * 301}, "too_long", "address"),
        ({"phone": "12345"}, "invalid_phone", "phone"),
        ({"phone": "12012341234"}, "invalid_phone", "phone"),
        ({"phone": "abc"}, "invalid_phone", "phone"),
        ({"category_id": 999999}, "unknown_category", "category_id"),
        ({"category_id": "x"}, "unknown_category", "category_id"),
        ({"idempotency_key": "short"}, "invalid_idempotency_key", "idempotency_key"),
        ({"idempotency_key": "bad key with spaces"}, "invalid_idempotency_key", "idempotency_key"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, kw, code, field):
    err = refused(code, 400, submit, **kw)
    assert err.detail["field"] == field
    nothing_written()


def test_inactive_category_is_unknown(world):
    world.category_days.is_active = False
    world.category_days.save()
    refused("unknown_category", 400, submit, category_id=world.category_days.pk)
    nothing_written()


def test_a_bad_photo_refuses_the_whole_report(world, settings, tmp_path):
    err = refused(
        "photo_not_image",
        400,
        submit,
        photos=[upload(), upload("notes.jpg", b"this is not an image at all", "image/jpeg")],
    )
    assert err.detail == {"field": "photos", "index": 1, "name": "notes.jpg"}
    nothing_written()
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_too_many_photos_from_the_web(world):
    refused("photo_too_many", 400, submit, photos=[upload() for _ in range(5)])
    nothing_written()


def test_retry_with_the_same_key_returns_the_first_report(world):
    first = submit(idempotency_key="a1b2c3d4e5f6", photos=[upload()])
    again = submit(idempotency_key="a1b2c3d4e5f6", photos=[upload()])
    assert (first.created, again.created) == (True, False)
    assert again.report.pk == first.report.pk
    assert PublicReport.objects.count() == 1
    assert PublicReportPhoto.objects.count() == 1


def test_a_reused_key_with_other_content_is_refused(world):
    submit(idempotency_key="a1b2c3d4e5f6")
    refused("idempotency_conflict", 409, submit, idempotency_key="a1b2c3d4e5f6", description="别的")
    assert PublicReport.objects.count() == 1


def test_rate_limit_per_ip(world, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"submit_ip": (2, 3600)}
    # Three different reports (the same content again would be a resubmission, not counted).
    submit(idempotency_key="key-00000001", description=TEXT + "（一）")
    submit(idempotency_key="key-00000002", description=TEXT + "（二）")
    # A retry of an accepted submission is not counted again.
    assert submit(idempotency_key="key-00000002", description=TEXT + "（二）").created is False
    err = refused(
        "rate_limited", 429, submit, idempotency_key="key-00000003", description=TEXT + "（三）"
    )
    assert err.detail["limit"] == "submit_ip"
    assert 1 <= err.detail["retry_after"] <= 3600
    assert "分钟" in err.message or "minutes" in err.message
    assert PublicReport.objects.count() == 2
    # Another address is not affected.
    assert submit(client_ip="10.0.0.2").created is True


def test_rate_limit_per_phone_across_addresses(world, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"submit_phone": (1, 3600)}
    submit(phone="13812341234", client_ip="10.0.0.1")
    refused("rate_limited", 429, submit, phone="138-1234-1234", client_ip="10.0.0.9")
    assert PublicReport.objects.count() == 1


def test_a_report_refused_for_its_phone_does_not_count_against_the_address(world, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"submit_phone": (1, 3600), "submit_ip": (2, 3600)}
    submit(phone="13812341234", description=TEXT + "（一）")
    for _ in range(3):  # refused for the phone, not charged to the shared address
        err = refused("rate_limited", 429, submit, phone="13812341234", description=TEXT + "（二）")
        assert err.detail["limit"] == "submit_phone"
    assert submit(phone="13900001111", description=TEXT + "（三）").created is True
    err = refused("rate_limited", 429, submit, phone="13700002222", description=TEXT + "（四）")
    assert err.detail["limit"] == "submit_ip"
    assert PublicReport.objects.count() == 2


def test_refused_photos_count_against_the_address_not_the_phone(world, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"submit_phone": (1, 3600), "submit_ip": (3, 3600)}
    bad = [upload("notes.jpg", b"this is not an image at all", "image/jpeg")]
    for _ in range(3):  # the phone's limit is 1: refused photos do not use it up
        refused("photo_not_image", 400, submit, phone="13812341234", photos=bad)
    refused("rate_limited", 429, submit, phone="13812341234", photos=bad)  # the address's
    nothing_written()
    assert submit(phone="13812341234", client_ip="10.0.0.9").created is True
    refused("rate_limited", 429, submit, phone="13812341234", client_ip="10.0.0.8")


def test_invalid_input_does_not_use_up_the_limit(world, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"submit_ip": (1, 3600)}
    refused("invalid_location", 400, submit, lat=0, lon=0)
    assert submit().created is True


def test_phone_mask():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("063512345678") == "063****5678"
    assert mask_phone("8123456") == "*****56"
    assert mask_phone("") == ""


# --- accept ------------------------------------------------------------------------------


def test_office_accepts_a_report_onto_the_ledger(world, cast, clock):
    clock.set(at("2021-03-05 15:00"))
    report = submit(photos=[upload()], address="东门").report
    clock.set(at("2021-03-05 15:30"))
    services.public_report_accept(cast.office, report.pk)
    report.refresh_from_db()
    case = report.case
    assert report.status == "accepted"
    assert report.decided_by == cast.office
    assert report.decided_at == at("2021-03-05 15:30")
    assert (case.status, case.source, case.category) == ("reported", "public", world.category)
    assert case.title == TEXT  # 17 characters: short enough to be the title as is
    assert (case.description, case.address) == (TEXT, "东门")
    assert (case.lat, case.lon) == TIETA
    assert case.proposed_unit == world.sanitation  # routed
    event = case.events.get()
    assert event.action == "report"
    assert event.data["public_report_id"] == report.pk
    assert event.data["channel"] == "web"
    assert CasePhoto.objects.filter(case=case, kind="before").count() == 1
    assert list(report.events.values_list("action", flat=True)) == ["submit", "accept"]
    assert report.events.get(action="accept").data == {
        "case_id": case.pk,
        "case_number": case.number,
        "dispatched": False,
    }


def test_accept_and_dispatch_at_once(world, cast):
    report = submit().report
    services.public_report_accept(cast.office, report.pk, dispatch=True, title="东门垃圾桶满")
    case = Case.objects.get()
    assert (case.status, case.unit, case.title) == ("dispatched", world.sanitation, "东门垃圾桶满")


def test_long_descriptions_make_a_shortened_title(world, cast):
    report = submit(description="垃圾桶满了。" * 10).report
    services.public_report_accept(cast.office, report.pk)
    assert Case.objects.get().title == ("垃圾桶满了。" * 7)[:39] + "…"  # 40 characters


@pytest.mark.parametrize("who", ["handler", "inspector", "leader", "outsider"])
def test_only_the_office_accepts(world, cast, who):
    report = submit().report
    refused("forbidden", 403, services.public_report_accept, getattr(cast, who), report.pk)
    report.refresh_from_db()
    assert report.status == "pending" and Case.objects.count() == 0


def test_a_category_deactivated_since_the_report_must_be_replaced(world, cast):
    report = submit(category_id=world.category.pk).report
    Category.objects.filter(pk=world.category.pk).update(is_active=False)
    denied = refused(
        "category_inactive", 400, services.public_report_accept, cast.office, report.pk
    )
    assert denied.message == "问题类别“垃圾清运不及时”已停用，请另选类别。"
    report.refresh_from_db()
    assert (report.status, report.case_id, Case.objects.count()) == ("pending", None, 0)
    services.public_report_accept(cast.office, report.pk, category_id=world.category_days.pk)
    assert Case.objects.get().category == world.category_days


def test_accept_needs_a_category_and_keeps_nothing_on_failure(world, cast):
    report = submit(description="这里有点问题").report
    refused("category_required", 400, services.public_report_accept, cast.office, report.pk)
    refused(
        "unknown_category",
        400,
        services.public_report_accept,
        cast.office,
        report.pk,
        category_id=0,
    )
    # Dispatch without a routing rule for the category: the whole accept is undone.
    refused(
        "unit_required",
        400,
        services.public_report_accept,
        cast.office,
        report.pk,
        category_id=world.category_no_rule.pk,
        lat=36.35,
        lon=116.3,
        dispatch=True,
    )
    report.refresh_from_db()
    assert (report.status, report.category, report.lat) == ("pending", None, TIETA[0])
    assert Case.objects.count() == 0
    services.public_report_accept(cast.office, report.pk, category_id=world.category.pk)
    assert Case.objects.get().category == world.category


def test_a_decided_report_cannot_be_decided_again(world, cast):
    report = submit().report
    services.public_report_accept(cast.office, report.pk)
    refused("already_decided", 409, services.public_report_accept, cast.office, report.pk)
    refused(
        "already_decided", 409, services.public_report_reject, cast.office, report.pk, reason="x"
    )
    assert Case.objects.count() == 1


def test_unknown_report_is_404(world, cast):
    refused("not_found", 404, services.public_report_accept, cast.office, 424242)
    refused("not_found", 404, services.public_report_reject, cast.office, "x", reason="重复")


# --- reject and merge ---------------------------------------------------------------------


def test_reject_keeps_the_reason_for_the_citizen(world, cast):
    report = submit().report
    refused("required", 400, services.public_report_reject, cast.office, report.pk, reason=" ")
    refused(
        "too_long", 400, services.public_report_reject, cast.office, report.pk, reason="因" * 501
    )
    refused("forbidden", 403, services.public_report_reject, cast.handler, report.pk, reason="x")
    report.refresh_from_db()
    assert report.status == "pending"
    services.public_report_reject(cast.office, report.pk, reason="照片与描述不符，请重新拍摄")
    report.refresh_from_db()
    assert (report.status, report.reject_reason) == ("rejected", "照片与描述不符，请重新拍摄")
    status = public_status(report)
    assert status.status_text == "未受理"
    assert status.reason == "照片与描述不符，请重新拍摄"
    assert status.is_final is True
    assert [t["text"] for t in status.timeline] == ["已收到您的反映", "未受理"]


def test_merge_into_an_open_case_counts_as_support(world, cast):
    target = case_at(world, cast.inspector, *TIETA)
    report = submit(phone="13812341234").report
    services.public_report_merge(cast.office, report.pk, case_id=target.pk, note="同一垃圾桶")
    report.refresh_from_db()
    assert (report.status, report.case) == ("merged", target)
    assert Support.objects.filter(case=target).count() == 1
    assert public_status(report).status_text == "已受理，正在派遣"
    # The case's timeline records it (for the office: which report); its version stays.
    event = target.events.get(action="merge_report")
    assert (event.actor, event.note, event.data) == (
        cast.office,
        "同一垃圾桶",
        {"public_report_id": report.pk},
    )
    target_version = target.version
    target.refresh_from_db()
    assert target.version == target_version
    # Citizens following the case never read another reporter's tracking code.
    assert report.code not in str(public_status(report).timeline)


def test_merge_refuses_unknown_or_ended_cases(world, cast):
    ended = case_at(world, cast.inspector, *TIETA)
    case_services.case_reject(cast.office, ended.pk, reason="重复")
    report = submit().report
    open_case = case_at(world, cast.inspector, *TIETA)
    for case_id in (ended.pk, 999999, "abc", f" {open_case.pk}", open_case.pk + 0.5, "", None):
        refused(
            "invalid_merge",
            400,
            services.public_report_merge,
            cast.office,
            report.pk,
            case_id=case_id,
        )
    refused(
        "forbidden", 403, services.public_report_merge, cast.handler, report.pk, case_id=ended.pk
    )
    report.refresh_from_db()
    assert report.status == "pending" and Support.objects.count() == 0
    assert not CaseEvent.objects.filter(action="merge_report").exists()
    assert report.events.count() == 1  # its submit only


# --- supports ---------------------------------------------------------------------------


def test_support_once_per_person(world, cast):
    case = case_at(world, cast.inspector, *TIETA)
    assert services.public_support_add(case.pk, client_ip="10.0.0.1") == services.Supported(True, 1)
    assert services.public_support_add(case.pk, client_ip="10.0.0.1") == services.Supported(
        False, 1
    )
    # A phone number identifies the person wherever they are.
    assert (
        services.public_support_add(case.pk, phone="13812341234", client_ip="10.0.0.1").count == 2
    )
    assert services.public_support_add(case.pk, phone="13812341234", client_ip="10.9.9.9") == (
        services.Supported(False, 2)
    )


def test_support_refusals(world, cast, settings):
    case = case_at(world, cast.inspector, *TIETA)
    refused("not_found", 404, services.public_support_add, 999999, client_ip="10.0.0.1")
    refused("identity_required", 400, services.public_support_add, case.pk)
    refused("invalid_phone", 400, services.public_support_add, case.pk, phone="12")
    case_services.case_reject(cast.office, case.pk, reason="不属实")
    refused("case_ended", 409, services.public_support_add, case.pk, client_ip="10.0.0.1")
    assert Support.objects.count() == 0


def test_support_rate_limit(world, cast, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"support_ip": (2, 3600)}
    cases = [case_at(world, cast.inspector, *TIETA) for _ in range(3)]
    services.public_support_add(cases[0].pk, client_ip="10.0.0.1")
    services.public_support_add(cases[1].pk, client_ip="10.0.0.1")
    refused("rate_limited", 429, services.public_support_add, cases[2].pk, client_ip="10.0.0.1")
    assert Support.objects.count() == 2


# --- the citizen's timeline ----------------------------------------------------------------


def test_the_citizen_follows_the_case_without_staff_details(world, cast, clock):
    clock.set(at("2021-03-05 09:00"))
    report = submit(phone="13812341234").report
    status = public_status(report)
    assert (status.status_text, status.is_final) == ("等待创城办审核", False)
    clock.set(at("2021-03-05 09:10"))
    services.public_report_accept(cast.office, report.pk)
    case = Case.objects.get()
    clock.set(at("2021-03-05 09:20"))
    case_services.case_dispatch(cast.office, case.pk, note="内部备注：请环卫处张三处理")
    clock.set(at("2021-03-05 09:30"))
    case_services.case_accept(cast.handler, case.pk, note="handler 已签收")
    clock.set(at("2021-03-05 10:30"))
    case_services.case_submit(cast.handler, case.pk, note="已清运，联系人李四 13900000000")
    clock.set(at("2021-03-05 11:00"))
    case_services.case_verify(cast.inspector, case.pk)
    report.refresh_from_db()
    status = public_status(report)
    assert (status.status_text, status.is_final) == ("已办结", True)
    assert [(t["at"], t["text"]) for t in status.timeline] == [
        (at("2021-03-05 09:00"), "已收到您的反映"),
        (at("2021-03-05 09:10"), "创城办已受理"),
        (at("2021-03-05 09:20"), "已交办责任单位：市环卫处"),
        (at("2021-03-05 09:30"), "责任单位已开始整改"),
        (at("2021-03-05 10:30"), "责任单位已报告整改完成，等待复查"),
        (at("2021-03-05 11:00"), "经复查已整改完成"),
    ]
    shown = repr(status)
    for secret in ("张三", "李四", "13900000000", "handler", "inspector", "office", "内部备注"):
        assert secret not in shown


def test_a_merged_case_is_followed_to_the_surviving_case(world, cast, clock):
    clock.set(at("2021-03-05 09:00"))
    survivor = case_at(world, cast.inspector, *TIETA)
    report = submit().report
    services.public_report_accept(cast.office, report.pk)
    report.refresh_from_db()
    clock.set(at("2021-03-05 09:30"))
    case_services.case_merge(cast.office, report.case_id, into_id=survivor.pk)
    clock.set(at("2021-03-05 10:00"))
    case_services.case_dispatch(cast.office, survivor.pk)
    report.refresh_from_db()
    status = public_status(report)
    assert status.status_text == "已交办责任单位"
    assert [t["text"] for t in status.timeline] == [
        "已收到您的反映",
        "创城办已受理",
        "已与反映同一问题的记录合并办理",
        "已交办责任单位：市环卫处",
    ]


def test_a_report_merged_in_triage_reads_the_case_as_someone_else_s(world, cast, clock):
    clock.set(at("2021-03-05 09:00"))
    report = submit().report
    clock.set(at("2021-03-05 09:05"))
    target = case_at(world, cast.inspector, *TIETA)  # filed after the citizen's report
    clock.set(at("2021-03-05 09:10"))
    services.public_report_merge(cast.office, report.pk, case_id=target.pk)
    clock.set(at("2021-03-05 09:20"))
    case_services.case_dispatch(cast.office, target.pk)
    report.refresh_from_db()
    assert [(t["at"], t["text"]) for t in public_status(report).timeline] == [
        (at("2021-03-05 09:00"), "已收到您的反映"),
        (at("2021-03-05 09:05"), "已由他人上报，列入问题台账"),
        (at("2021-03-05 09:10"), "已并入反映同一问题的已有问题"),
        (at("2021-03-05 09:20"), "已交办责任单位：市环卫处"),
    ]


# --- Open311 clients ----------------------------------------------------------------------


def test_open311_client_keys_are_stored_hashed(world, cast):
    client, key = services.open311_client_create(
        cast.office, name="12345", user_id=cast.office.pk, trusted=True
    )
    assert len(key) >= 32
    assert client.key_hash == Open311Client.hash(key) and key not in client.key_hash
    assert client.key_prefix == key[:6]
    assert (client.source, client.trusted, client.user) == ("hotline", True, cast.office)
    denied = refused(
        "forbidden",
        403,
        services.open311_client_create,
        cast.handler,
        name="x",
        user_id=cast.office.pk,
    )
    assert denied.message == "只有创城办可以登记 Open311 客户端。"
    assert Open311Client.objects.count() == 1
    refused(
        "name_taken",
        400,
        services.open311_client_create,
        cast.office,
        name="12345",
        user_id=cast.office.pk,
    )
    refused("unknown_user", 400, services.open311_client_create, cast.office, name="y", user_id=0)
    refused(
        "invalid_source",
        400,
        services.open311_client_create,
        cast.office,
        name="z",
        user_id=cast.office.pk,
        source="x",
    )
    assert Open311Client.objects.count() == 1


def test_old_and_closed_cases_are_not_nearby(world, cast, clock):
    from wenming.public.selectors import nearby_open_cases

    clock.set(at("2021-03-01 09:00"))
    old = case_at(world, cast.inspector, *TIETA)
    clock.set(at("2021-03-05 09:00"))
    fresh = case_at(world, cast.inspector, *TIETA)
    closed = case_at(world, cast.inspector, *TIETA)
    case_services.case_reject(cast.office, closed.pk, reason="重复")
    clock.set(at("2021-03-08 08:59"))
    # Same distance (0 m): the older case (lower id) first.
    assert [c.case_id for c in nearby_open_cases(*TIETA, world.category.pk)] == [old.pk, fresh.pk]
    clock.set(at("2021-03-08 09:01"))
    assert [c.case_id for c in nearby_open_cases(*TIETA, world.category.pk)] == [fresh.pk]
    assert timezone.now() - fresh.reported_at < timedelta(days=7)


def test_a_location_computed_for_another_point_is_not_reused(world, cast):
    from wenming.geo.locate import locate

    elsewhere = locate(36.455, 115.995)  # 古城社区's grid
    case = case_services.case_report(
        cast.office,
        title="t",
        category_id=world.category.pk,
        lat=TIETA[0],
        lon=TIETA[1],
        located=elsewhere,
    )
    assert (case.community, case.grid) == (world.tieta, world.grid_tieta)
    same = case_services.case_report(
        cast.office,
        title="t",
        category_id=world.category.pk,
        lat=36.455,
        lon=115.995,
        located=elsewhere,
    )
    assert same.community == world.gucheng


def test_open311_client_command_prints_the_key_once(world, cast):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("open311_client", "--name", "12345", "--user", "office", "--trusted", stdout=out)
    client = Open311Client.objects.get()
    key = out.getvalue().strip().split("api_key=")[1]
    assert client.key_hash == Open311Client.hash(key) and client.trusted is True
    with pytest.raises(CommandError):
        call_command("open311_client", "--name", "x", "--user", "handler", stdout=out)
    with pytest.raises(CommandError):
        call_command("open311_client", "--name", "y", "--user", "nobody", stdout=out)
    assert Open311Client.objects.count() == 1


def test_release_gives_back_one_count_and_never_goes_below_zero(world, settings):
    settings.WENMING_PUBLIC_RATE_LIMITS = {"submit_phone": (1, 3600)}
    who = ratelimit.identity_hash("phone", "13812341234")
    ratelimit.release("submit_phone", who)  # nothing counted yet: nothing to give back
    ratelimit.hit("submit_phone", who)
    ratelimit.release("submit_phone", who)
    ratelimit.release("submit_phone", who)
    ratelimit.hit("submit_phone", who)  # one in the window again: allowed
    refused("rate_limited", 429, ratelimit.hit, "submit_phone", who)
    ratelimit.release("submit_phone", "")  # no identity: no-op
