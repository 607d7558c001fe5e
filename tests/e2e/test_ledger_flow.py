"""One case through its whole life in a real browser, with three different logins."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from PIL import Image

from tests.conftest import TIETA
from wenming.cases.models import Case, CasePhoto

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-test-pass-1"


def _login(browser, live_server, username, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/todo/$"))
    return context, page


def _photo(tmp_path):
    path = tmp_path / "after.jpg"
    Image.new("RGB", (800, 600), (30, 160, 60)).save(path, "JPEG")
    return str(path)


def test_case_walks_from_report_to_closure(
    browser, live_server, world, cast, tmp_path, screenshots
):
    # Inspector reports the case at a point of 铁塔社区's unit grid.
    ctx, page = _login(browser, live_server, "inspector")
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_title", "铁塔社区垃圾桶满溢")
    page.fill("#cat-search", "CC05")
    page.click("#cat-results button")
    page.fill("#id_lat", str(TIETA[0]))
    page.fill("#id_lon", str(TIETA[1]))
    page.fill("#id_address", "铁塔社区东门")
    page.click("#new-case-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    assert "已上报" in page.inner_text("#case-status")
    assert "铁塔社区居委会" in page.inner_text("#case-facts")
    case = Case.objects.get()
    case_url = f"{live_server.url}/cases/{case.pk}/"
    ctx.close()

    # Office dispatches it to the proposed unit.
    ctx, page = _login(browser, live_server, "office")
    page.goto(case_url)
    page.click("#action-dispatch button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').innerText.includes('已派遣')")
    ctx.close()

    # The unit accepts and submits the fix with an after-photo.
    ctx, page = _login(browser, live_server, "handler")
    page.goto(case_url)
    page.click("#action-accept button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').innerText.includes('整改中')")
    page.fill("#submit-note", "已清运")
    page.set_input_files("#submit-photos", _photo(tmp_path))
    page.click("#action-submit button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').innerText.includes('待复查')")
    assert CasePhoto.objects.filter(case=case, kind="after").count() == 1
    ctx.close()

    # The inspector sends it back once, the unit resubmits, the inspector verifies.
    ctx, page = _login(browser, live_server, "inspector")
    page.goto(case_url)
    page.click("#action-rework button[type=submit]")  # no reason: refused in place
    page.wait_for_selector("#action-rework .alert-danger")
    assert "为必填项" in page.inner_text("#action-rework")
    page.fill("#rework-reason", "周边仍有散落垃圾")
    page.click("#action-rework button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').innerText.includes('整改中')")
    ctx.close()

    ctx, page = _login(browser, live_server, "handler")
    page.goto(case_url)
    page.fill("#submit-note", "已全部清理")
    page.click("#action-submit button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').innerText.includes('待复查')")
    ctx.close()

    ctx, page = _login(browser, live_server, "inspector")
    page.goto(case_url)
    page.click("#action-verify button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').innerText.includes('已销号')")
    timeline = page.inner_text("#timeline")
    for step in ["上报", "派遣", "签收", "提交整改", "返工", "复查通过"]:
        assert step in timeline
    ctx.close()

    case.refresh_from_db()
    assert (case.status, case.rework_count) == ("closed", 1)

    # The ledger shows it; the export holds it with the right status; screenshots at two widths.
    for width in (390, 1280):
        ctx, page = _login(browser, live_server, "office", width=width)
        page.goto(f"{live_server.url}/ledger/")
        assert case.number in page.inner_text("#ledger-table")
        page.screenshot(path=str(screenshots / f"ledger-{width}.png"), full_page=True)
        page.goto(case_url)
        page.wait_for_selector("#case-map .leaflet-interactive")
        page.screenshot(path=str(screenshots / f"case-{width}.png"), full_page=True)
        if width == 1280:
            with page.expect_download() as dl:
                page.goto(f"{live_server.url}/ledger/")
                page.click("text=导出 Excel")
            data = io.BytesIO(open(dl.value.path(), "rb").read())
            rows = list(load_workbook(data, read_only=True).active.iter_rows(values_only=True))
            assert rows[1][0] == case.number
            assert "已销号" in rows[1]
        ctx.close()
