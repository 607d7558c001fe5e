"""The briefing's supervision visit (工作简报 2021 第6期) replayed in a real browser: the
office plans 王建鹏's visit to 第九网格 — the intersection 东昌路卫育路路口 and a compound in
铁塔社区 — the leader fills both checklists on a phone, one of them through a lost network
and a lost answer, and two failures become two cases with the right units and deadlines."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from tests.inspections.conftest import CROSSING, scene, standard  # noqa: F401 (fixtures)
from wenming.cases.models import Case
from wenming.core import calendar
from wenming.inspections.models import InspectionRound, Submission
from wenming.inspections.services import checklist_criteria

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-test-pass-1"


def _login(browser, live_server, username, **context_args):
    context = browser.new_context(locale="zh-CN", **context_args)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/todo/$"))
    return context, page


def _answer_all(page, rnd, point, fail: dict):
    for c in checklist_criteria(rnd, point):
        if c.pk in fail:
            page.click(f"label[for=a-{c.pk}-fail]")
            page.fill(f"#note-{c.pk}", fail[c.pk])
        else:
            page.click(f"label[for=a-{c.pk}-pass]")


def test_supervision_visit_in_the_browser(
    browser,
    live_server,
    world,
    cast,
    scene,  # noqa: F811 (the fixture imported above)
    tmp_path,
    screenshots,
):
    # The office plans the leader's supervision visit of the two points.
    ctx, page = _login(browser, live_server, "office")
    page.goto(f"{live_server.url}/inspections/")
    page.click("#plan-round")
    page.fill("#id_name", "王建鹏到第九网格督导创城工作")
    page.select_option("#id_kind", "supervision")
    page.fill("#id_starts_on", "2021-03-05")
    page.fill("#id_ends_on", "2021-03-05")
    page.fill("#id_point_codes", "P-0901, P-0902")
    page.select_option("#id_leader_id", str(cast.leader.pk))
    page.select_option("#id_inspector_ids", [str(cast.inspector.pk)])
    page.click("#round-submit")
    page.wait_for_url(re.compile(r".*/inspections/rounds/\d+/$"))
    rnd = InspectionRound.objects.get()
    assert rnd.kind == "supervision" and rnd.leader == cast.leader
    assert sorted(rnd.points.values_list("code", flat=True)) == ["P-0901", "P-0902"]
    ctx.close()

    # The leader, on a phone at the intersection, fails the red-light criterion with a photo.
    ctx, page = _login(
        browser,
        live_server,
        "leader",
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": CROSSING[0], "longitude": CROSSING[1] + 0.0003},
        permissions=["geolocation"],
    )
    base = f"{live_server.url}/inspections/rounds/{rnd.pk}/points"
    page.goto(f"{base}/{scene.crossing.pk}/")
    page.wait_for_function("document.querySelector('#gps-status').innerText.includes('米')")
    red = scene.red_light.pk
    page.click(f"label[for=a-{red}-fail]")
    page.fill(f"#note-{red}", "有行人闯红灯、电动车逆行")
    photo = tmp_path / "red.jpg"
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(photo, "JPEG")
    page.set_input_files(f"#photo-{red}", str(photo))
    page.wait_for_function(
        f"document.querySelector('#c-{red} .photo-list').innerText.includes('照片：1')"
    )
    # A reload keeps the half-filled checklist.
    page.reload()
    assert page.is_checked(f"#a-{red}-fail")
    assert page.input_value(f"#note-{red}") == "有行人闯红灯、电动车逆行"
    _answer_all(page, rnd, scene.crossing, {red: "有行人闯红灯、电动车逆行"})
    page.click("#send")
    page.wait_for_selector("#send-status.alert-success")
    assert "已发送" in page.inner_text("#send-status")
    page.screenshot(path=str(screenshots / "inspections-checklist-sent.png"), full_page=True)

    # At the compound the network drops: the checklist waits on the phone.
    page.goto(f"{base}/{scene.compound.pk}/")
    sort = scene.sorting.pk
    _answer_all(page, rnd, scene.compound, {sort: "未设垃圾分类收集容器"})
    ctx.set_offline(True)
    page.click("#send")
    page.wait_for_selector("#send-status.alert-warning")
    assert Submission.objects.filter(point=scene.compound).count() == 0

    # Back online, the server stores it but the answer is lost on the way back ...
    calls = []

    def lose_answer(route):
        calls.append(route.fetch().status)
        route.abort()

    page.route("**/send/", lose_answer)
    ctx.set_offline(False)
    page.wait_for_function("document.querySelector('#send-status').innerText.includes('保存')")
    page.wait_for_timeout(300)
    assert calls == [201]
    assert Submission.objects.filter(point=scene.compound).count() == 1
    page.unroute("**/send/")
    # ... so the phone sends it again on the next load: the server answers with the stored one.
    page.reload()
    page.wait_for_selector("#send-status.alert-success")
    assert Submission.objects.filter(point=scene.compound).count() == 1
    assert Submission.objects.count() == 2
    ctx.close()

    # Two failures, two cases: source 督查, the criteria's categories, the right units, the
    # categories' deadlines counted from dispatch.
    cases = {c.category.code: c for c in Case.objects.select_related("category", "unit")}
    assert sorted(cases) == ["CC07", "CC09"]
    assert cases["CC07"].unit == world.police
    assert cases["CC09"].unit == world.sanitation
    for c in cases.values():
        assert c.source == "inspection" and c.status == "dispatched"
        assert c.deadline == calendar.add_working_days(c.dispatched_at, 3).at
    assert cases["CC07"].photos.count() == 1
    assert Submission.objects.get(point=scene.crossing).distance_m == pytest.approx(26.9, abs=1)

    # The office reads the report: two failed criteria, the score.
    ctx, page = _login(browser, live_server, "office")
    page.goto(f"{live_server.url}/inspections/rounds/{rnd.pk}/report/")
    rows = page.locator("#failed-criteria tbody tr")
    assert rows.count() == 2
    total = Submission.objects.all()
    checked = sum(s.checked for s in total)
    assert (
        page.inner_text("#report-score")
        == f"{round(sum(s.passed for s in total) * 100 / checked, 2)}"
    )
    page.goto(f"{live_server.url}/ledger/?source=inspection")
    assert page.locator("table tbody tr").count() == 2
    ctx.close()


def test_checklist_reloads_without_network(browser, live_server, world, cast, scene):  # noqa: F811
    from wenming.inspections import services

    rnd = services.round_plan(
        cast.office,
        name="第九网格督查",
        starts_on="2021-03-05",
        ends_on="2021-03-05",
        point_ids=[scene.crossing.pk],
        inspector_ids=[cast.inspector.pk],
    )
    ctx, page = _login(browser, live_server, "inspector", viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/inspections/rounds/{rnd.pk}/points/{scene.crossing.pk}/")
    red = scene.red_light.pk
    page.click(f"label[for=a-{red}-fail]")
    page.fill(f"#note-{red}", "闯红灯")
    # The service worker controls the page and the page is cached.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "caches.open('wenming-checklists-v1').then(c => c.match(location.pathname)).then(r => !!r)"
    )
    ctx.set_offline(True)
    page.reload()
    assert page.is_checked(f"#a-{red}-fail")
    assert page.input_value(f"#note-{red}") == "闯红灯"
    _answer_all(page, rnd, scene.crossing, {red: "闯红灯"})
    page.click("#send")
    page.wait_for_selector("#send-status.alert-warning")
    ctx.set_offline(False)
    page.wait_for_selector("#send-status.alert-success")
    assert Submission.objects.get().failed == 1 and Case.objects.count() == 1
    ctx.close()
