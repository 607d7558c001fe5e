"""The office loads the plan's task breakdown, a unit reports evidence, the office accepts it
and sees at a glance which units are behind — in a real browser."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.campaign.conftest import briefing_units, criteria, pdf_bytes  # noqa: F401 - fixtures
from wenming.campaign.models import Evidence, Occurrence
from wenming.org.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-test-pass-1"
EXAMPLE = settings.BASE_DIR / "wenming" / "campaign" / "data" / "example_plan.xlsx"


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/todo/$"))
    return context, page


def test_plan_import_evidence_and_review(
    browser,
    live_server,
    cast,
    criteria,  # noqa: F811 - the imported fixture
    briefing_units,  # noqa: F811 - the imported fixture
    tmp_path,
    screenshots,
):
    audit = get_user_model().objects.create_user("audit", password=PASSWORD)
    Membership.objects.create(user=audit, role="unit_handler", unit=briefing_units["市审计局"])

    ctx, page = _login(browser, live_server, "office")
    page.click("text=创建任务")
    page.wait_for_url(re.compile(r".*/campaign/$"))
    page.set_input_files("form[action$='/plans/import/'] input[type=file]", str(EXAMPLE))
    page.click("form[action$='/plans/import/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/campaign/plans/\d+/\?imported=1$"))
    assert "成立创建工作领导机构" in page.inner_text("#tasks")
    ctx.close()

    ctx, page = _login(browser, live_server, "audit")
    page.goto(f"{live_server.url}/campaign/occurrences/?show=all")
    page.click("#occurrences >> text=成立创建工作领导机构")
    page.wait_for_url(re.compile(r".*/campaign/occurrences/\d+/$"))
    pdf = tmp_path / "领导小组通知.pdf"
    pdf.write_bytes(pdf_bytes())
    page.fill("textarea[name=progress]", "已成立领导小组并印发通知。")
    page.set_input_files("input[name=files]", str(pdf))
    page.click("text=提交审核")
    page.wait_for_selector("#occ-status")
    assert "待审核" in page.inner_text("#occ-status")
    occ_url = page.url
    ctx.close()

    ctx, page = _login(browser, live_server, "office")
    page.goto(occ_url)
    assert "领导小组通知.pdf" in page.inner_text("#evidence")
    page.screenshot(path=str(screenshots / "campaign-occurrence.png"), full_page=True)
    page.click("button[value=accept]")
    page.wait_for_function("document.querySelector('#occ-status').innerText.includes('已通过')")
    page.goto(f"{live_server.url}/campaign/")
    assert "市审计局" in page.inner_text("#units-behind")
    page.screenshot(path=str(screenshots / "campaign-overview.png"), full_page=True)
    ctx.close()
    assert Evidence.objects.get().status == "accepted"
    assert Occurrence.objects.filter(status="accepted").count() == 1
