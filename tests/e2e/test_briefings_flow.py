"""From a unit's submission to a printable DOCX of the next numbered issue, in a browser."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from PIL import Image

from wenming.briefings.models import Issue, Series, WorkItem

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-test-pass-1"
PARAGRAPHS = [
    "3月3日，市环卫处召开创建全国文明城市工作动员会。",
    "会议要求，要对标对表抓好落实。",
]


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/todo/$"))
    return context, page


def test_unit_submission_to_published_docx(
    browser, live_server, world, cast, tmp_path, screenshots
):
    Series.objects.create(
        name="聊城市创建全国文明城市工作简报", office="聊城市创建全国文明城市工作办公室"
    )
    photo = tmp_path / "meeting.jpg"
    Image.new("RGB", (1024, 768), (200, 40, 40)).save(photo, "JPEG")

    # The unit's handler submits work information with a photo.
    ctx, page = _login(browser, live_server, "handler")
    page.click("#nav-briefings")
    page.click("#new-item")
    page.fill("#id_headline", "市环卫处 召开创建全国文明城市工作动员会")
    page.fill("#id_date", "2021-03-03")
    page.fill("#id_body", "\n".join(PARAGRAPHS))
    page.set_input_files("#id_photos", str(photo))
    page.click("#submit-item")
    page.wait_for_url(re.compile(r".*/briefings/items/\d+/$"))
    assert page.inner_text("#item-status") == "已报送"
    assert page.locator("#item-photos img").count() == 1
    ctx.close()

    # The office accepts it, starts the next issue, adds it, and publishes.
    ctx, page = _login(browser, live_server, "office")
    page.goto(f"{live_server.url}/briefings/")
    page.click("#to-review a")
    page.click("#accept-form button[type=submit]")
    page.wait_for_function("document.querySelector('#item-status').innerText.includes('已采用')")
    page.goto(f"{live_server.url}/briefings/")
    page.fill("#id_issue_date", "2021-03-07")
    page.click("#new-issue-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/briefings/issues/\d+/$"))
    item = WorkItem.objects.get()
    page.check(f"#pool-{item.pk}")
    page.click("#add-items")
    page.wait_for_selector(".article")
    page.click("#make-toc")
    page.wait_for_function(
        "document.querySelector('#id_toc').value === '市环卫处召开创建全国文明城市工作动员会'"
    )
    page.fill("#id_report_to", "市委常委")
    page.fill("#id_send_to", "各成员单位")
    page.fill("#id_copies", "120")
    page.screenshot(path=str(screenshots / "briefing_compose.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#publish-issue")
    page.wait_for_selector("#issue-title")
    assert "2021年第1期" in page.inner_text("#issue-title")
    paper = page.inner_text("#briefing-paper")
    for text in ("第1期", "2021年3月7日", "本期要目", *PARAGRAPHS, "报：市委常委", "共印 120 份"):
        assert text in paper
    assert page.locator("#briefing-paper .bp-photo img").count() == 1
    page.screenshot(path=str(screenshots / "briefing_published.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#docx-link")
    data = open(info.value.path(), "rb").read()
    ctx.close()

    issue = Issue.objects.get()
    assert (issue.status, issue.number) == ("published", 1)
    doc = Document(io.BytesIO(data))
    body = [p.text for p in doc.paragraphs if p.text.strip()]
    assert body[:2] == ["聊城市创建全国文明城市工作简报", "第1期"]
    assert PARAGRAPHS[0] in body and body[-1] == "共印 120 份"
    assert len(doc.inline_shapes) == 1  # the unit's photo is in the briefing
