"""A citizen reports from a phone-width browser; the report becomes a case and is fixed; a
second citizen at the same spot is offered the first case and adds +1 instead."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from tests.conftest import TIETA
from wenming.cases import services as case_services
from wenming.cases.models import Case, CasePhoto
from wenming.public.models import PublicReport, Support

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-test-pass-1"
PHONE = {"width": 390, "height": 844}  # a common phone's CSS pixels


def _phone(browser):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": TIETA[0], "longitude": TIETA[1], "accuracy": 10},
        permissions=["geolocation"],
    )
    return context, context.new_page()


def _no_sideways_scrolling(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _fill_report(page, live_server, description):
    page.goto(f"{live_server.url}/report/")
    _no_sideways_scrolling(page)
    page.click("#gps-button")
    page.wait_for_function("document.querySelector('#id_lat').value !== ''")
    page.fill("#id_description", description)
    # The category follows the suggestion from the words.
    page.wait_for_function(
        "document.querySelector('#suggestion').innerText.includes('垃圾清运不及时')"
    )
    assert page.input_value("#id_category") != ""


def test_citizen_reports_from_a_phone_and_follows_the_case(
    browser, live_server, world, cast, tmp_path, screenshots
):
    photo = tmp_path / "bins.jpg"
    Image.new("RGB", (1200, 900), (120, 90, 40)).save(photo, "JPEG")

    # 1. A citizen files a report with a photo.
    ctx, page = _phone(browser)
    _fill_report(page, live_server, "铁塔社区东门的垃圾桶满了，好几天没人清运")
    assert page.inner_text("#id_description + .form-text") == "20/1000"
    # The map's zoom buttons are titled from the catalogue, not Leaflet's English.
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "放大"
    assert page.get_attribute(".leaflet-control-zoom-out", "title") == "缩小"
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_phone", "13812341234")
    assert page.locator("#nearby-cases").count() == 0  # nothing nearby yet
    page.screenshot(path=str(screenshots / "public_report_form_phone.png"), full_page=True)
    page.click("#submit-button")
    page.wait_for_url(re.compile(r".*/report/t/[A-Z0-9]{8}/\?new=1$"))
    code = page.inner_text("#tracking-code")
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", code)
    assert page.inner_text("#public-status") == "等待创城办审核"
    assert page.inner_text("#masked-phone") == "138****1234"
    assert page.locator("#own-photos img").count() == 1
    assert page.evaluate("document.querySelector('#own-photos img').naturalWidth") == 320
    _no_sideways_scrolling(page)
    page.screenshot(path=str(screenshots / "public_report_receipt_phone.png"), full_page=True)
    report = PublicReport.objects.get(code=code)
    assert (report.category, report.phone) == (world.category, "13812341234")

    # 2. The office accepts it on its triage page and dispatches it at once.
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    op = office.new_page()
    op.goto(f"{live_server.url}/login/")
    op.fill("#id_username", "office")
    op.fill("#id_password", PASSWORD)
    op.click("button[type=submit]")
    op.wait_for_url(re.compile(r".*/todo/$"))
    op.goto(f"{live_server.url}/report/office/")
    op.click(f"text={code}")
    assert "13812341234" in op.inner_text("#full-phone")
    op.check("#accept-dispatch")
    op.click("#accept-form button[type=submit]")
    op.wait_for_function("document.querySelector('#report-status').innerText.includes('已受理')")
    case = Case.objects.get()
    assert (case.status, case.source, case.unit) == ("dispatched", "public", world.sanitation)
    assert CasePhoto.objects.filter(case=case, kind="before").count() == 1
    office.close()

    page.goto(f"{live_server.url}/report/t/{code}/")
    assert page.inner_text("#public-status") == "已交办责任单位"
    assert "已交办责任单位：市环卫处" in page.inner_text("#timeline")

    # 3. A second citizen at the same spot is offered the open case and adds +1.
    ctx2, page2 = _phone(browser)
    _fill_report(page2, live_server, "东门垃圾桶满了")
    page2.wait_for_selector(f"#nearby-{case.pk}")
    assert "附近50米内7天内已有人反映" in page2.inner_text("#nearby-cases")
    page2.screenshot(path=str(screenshots / "public_report_nearby_phone.png"), full_page=True)
    page2.click(f"#nearby-{case.pk} .support-button")
    page2.wait_for_selector("#support-done")
    assert "谢谢！已为该问题 +1。" in page2.inner_text(f"#nearby-{case.pk}")
    assert Support.objects.filter(case=case).count() == 1
    assert PublicReport.objects.count() == 1  # no duplicate filed
    ctx2.close()

    # 4. The unit fixes it, the inspector verifies; the citizen sees every public step.
    case_services.case_accept(cast.handler, case.pk, note="张三签收")
    page.reload()
    assert page.inner_text("#public-status") == "整改中"
    case_services.case_submit(cast.handler, case.pk, note="已清运，联系人李四")
    case_services.case_verify(cast.inspector, case.pk)
    page.reload()
    assert page.inner_text("#public-status") == "已办结"
    steps = page.locator("#timeline li").all_inner_texts()
    assert [re.sub(r"^\S+ \S+ ", "", s) for s in steps] == [
        "已收到您的反映",
        "创城办已受理",
        "已交办责任单位：市环卫处",
        "责任单位已开始整改",
        "责任单位已报告整改完成，等待复查",
        "经复查已整改完成",
    ]
    text = page.inner_text("body")
    for secret in ("张三", "李四", "handler", "inspector", "13812341234"):
        assert secret not in text
    _no_sideways_scrolling(page)
    page.screenshot(path=str(screenshots / "public_report_closed_phone.png"), full_page=True)
    ctx.close()
