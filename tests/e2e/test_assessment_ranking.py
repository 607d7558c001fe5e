"""Assessment in a real browser: the office inspects, drills into cases, publishes; a unit
sees which cases made its score; the trend chart draws (ECharts served locally)."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from tests.assessment.conftest import build_march, open_red_list

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-test-pass-1"


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/todo/$"))
    return context, page


@pytest.fixture
def default_scheme(db):
    """The shipped default scheme. A data migration creates it, but a transactional test run
    earlier on the same worker flushes every table, so recreate it the same way."""
    from wenming.assessment.models import Scheme

    if not Scheme.objects.exists():
        importlib.import_module("wenming.assessment.migrations.0002_default_scheme").create(
            apps, None
        )


def test_office_publishes_and_unit_sees_its_cases(
    browser, live_server, world, cast, clock, monkeypatch, screenshots, default_scheme
):
    monkeypatch.setattr("wenming.assessment.ranking.external_inputs", lambda s, e: (None, None))
    march = build_march(world, cast, clock)
    open_red_list()  # March's best unit scores 41.67, below the default floor

    ctx, page = _login(browser, live_server, "office")
    page.goto(f"{live_server.url}/assessment/?period=2021-03")
    assert "市环卫处" in page.inner_text("#red-list")
    assert "市公安局交警支队" in page.inner_text("#black-list")
    table = page.locator("table.ranking[data-kind=department]")
    assert "41.7" in table.inner_text()
    page.click(f"a[href*='indicator=in_time_archive'][href*='key={world.sanitation.pk}']")
    page.wait_for_url(re.compile(r".*/assessment/explain/.*"))
    assert page.inner_text("#case-count") == "问题 2 件"
    assert march.a.number in page.inner_text("#case-list")
    page.screenshot(path=str(screenshots / "assessment-explain.png"), full_page=True)

    page.goto(f"{live_server.url}/assessment/?period=2021-03")
    page.click("#publish-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/assessment/published/\d+/$"))
    assert "第 1 版" in page.inner_text("h1")
    page.screenshot(path=str(screenshots / "assessment-published.png"), full_page=True)
    published_url = page.url

    page.goto(f"{live_server.url}/assessment/trend/?months=3")
    page.wait_for_selector("#trend-chart canvas")
    ctx.close()

    ctx, page = _login(browser, live_server, "handler")
    page.goto(published_url)
    page.click(f"a[href*='/unit/{world.sanitation.pk}/']")
    page.click("#frozen-counts a[href='?indicator=overtime_to_dispose']")
    page.wait_for_selector("#case-list")
    assert march.d.number in page.inner_text("#case-list")
    assert page.locator(f"a[href*='/unit/{world.police.pk}/']").count() == 0
    ctx.close()
