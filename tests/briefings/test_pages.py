"""Page flows: five units submit through the pages, the office accepts and composes the real
briefing (2021 第6期) and gets the same document as importing the printed one."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from tests.briefings.conftest import REAL, SERIES, texts
from wenming.briefings import services
from wenming.briefings.models import Issue, WorkItem
from wenming.briefings.parse import parse_file
from wenming.core.models import Sequence


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _compose_fields(issue, **over):
    data = {
        "date": issue.date.isoformat(),
        "toc": "\n".join(issue.toc),
        "report_to": issue.report_to,
        "send_to": issue.send_to,
        "copies": str(issue.copies),
        "expected_version": str(issue.version),
    }
    for a in issue.articles.all():
        data.setdefault("article_ids", []).append(str(a.pk))
        data[f"headline_{a.pk}"] = a.headline
        data[f"body_{a.pk}"] = "\n".join(a.paragraphs)
    data.update(over)
    return data


def test_five_units_to_the_real_issue_through_the_pages(five, cast, series, real_bytes):
    printed = parse_file(REAL.name, real_bytes)
    # Issues 1–5 of 2021 were published before.
    Sequence.objects.create(name=series.sequence_name(2021), value=5)

    # 1. Each unit's handler submits its article as work information (the page form).
    dates = [dt.date(2021, 3, 5)] + [dt.date(2021, 3, 3)] * 4
    for handler, article, date in zip(five.handlers, printed.articles, dates, strict=True):
        c = login(handler)
        assert c.get("/briefings/items/new/").status_code == 200
        r = c.post(
            "/briefings/items/new/",
            {
                "headline": article.headline,
                "date": date.isoformat(),
                "body": "\n".join(article.paragraphs),
                "op": "submit",
            },
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        item = WorkItem.objects.latest("id")
        assert (item.unit, item.status) == (five.units[five.handlers.index(handler)], "submitted")
        page = c.get("/briefings/").content.decode()
        assert "已报送" in page and article.headline in page

    # 2. The office sees them to review and accepts each (the court's, after a return).
    office = login(cast.office)
    page = office.get("/briefings/").content.decode()
    assert page.count("/briefings/items/") >= 5
    court = WorkItem.objects.get(unit=five.units[1])
    r = office.post(
        f"/briefings/items/{court.pk}/do/return/",
        {"reason": "请核对会议名称", "expected_version": str(court.version)},
    )
    assert r.status_code == 302
    court_handler = login(five.handlers[1])
    assert "请核对会议名称" in court_handler.get("/briefings/").content.decode()
    history = court_handler.get(f"/briefings/items/{court.pk}/").content.decode()
    assert "退回：请核对会议名称" in history and "报送创城办" in history
    r = court_handler.post(f"/briefings/items/{court.pk}/do/submit/", {})
    assert r.status_code == 302
    for item in WorkItem.objects.order_by("id"):
        r = office.post(
            f"/briefings/items/{item.pk}/do/accept/",
            {
                "headline": item.headline,
                "body": "\n".join(item.paragraphs),
                "expected_version": str(item.version),
            },
        )
        assert r.status_code == 302
    assert set(WorkItem.objects.values_list("status", flat=True)) == {"accepted"}

    # 3. The office starts the issue, adds all five, puts 铁塔's (the leader's visit) first.
    r = office.post("/briefings/issues/new/", {"series": series.pk, "date": "2021-03-07"})
    issue = Issue.objects.get(status="draft")
    assert r["Location"] == f"/briefings/issues/{issue.pk}/"
    page = office.get(r["Location"]).content.decode()
    assert "待编发" in page
    items = list(WorkItem.objects.order_by("id").values_list("pk", flat=True))
    r = office.post(
        f"/briefings/issues/{issue.pk}/",
        _compose_fields(issue, op="add_items", items=[str(i) for i in items]),
    )
    assert r.status_code == 302
    issue.refresh_from_db()
    order = list(issue.articles.values_list("work_item__unit__name", flat=True))
    # Added in the order chosen (the printed one); moving an article down and back up.
    assert order == [u.name for u in five.units]
    first = issue.articles.get(position=1)
    office.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, op=f"down:{first.pk}"))
    issue.refresh_from_db()
    assert issue.articles.get(position=2) == first
    office.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, op=f"up:{first.pk}"))
    issue.refresh_from_db()
    assert list(issue.articles.values_list("work_item__unit", flat=True)) == [
        u.pk for u in five.units
    ]

    # 4. Table of contents from the headlines, then the printed wording of the last entry.
    office.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, op="toc"))
    issue.refresh_from_db()
    assert issue.toc[:4] == printed.toc[:4]
    assert issue.toc[4] == "古楼街道规范城市物业管理"
    # 5. Distribution: save the 报 list as a template, apply it next time; copies.
    r = office.post(
        f"/briefings/issues/{issue.pk}/",
        _compose_fields(
            issue,
            toc="\n".join(printed.toc),
            report_to=printed.report_to,
            send_to=printed.send_to,
            copies="260",
            op="save_report",
            report_list_name="常用报送范围",
        ),
    )
    assert r.status_code == 302
    issue.refresh_from_db()
    assert issue.toc == printed.toc
    # 6. Preview, then publish: it becomes 第6期.
    preview = office.get(f"/briefings/issues/{issue.pk}/preview/").content.decode()
    assert "第（发布时编号）期" in preview and "共印 260 份" in preview
    r = office.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, op="publish"))
    assert r.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.year, issue.number) == ("published", 2021, 6)
    page = office.get(f"/briefings/issues/{issue.pk}/").content.decode()
    assert "第6期" in page and "2021年3月7日" in page
    composed = office.get(f"/briefings/issues/{issue.pk}/docx/")
    assert composed.status_code == 200
    assert composed["Content-Disposition"].startswith("attachment;")
    composed_texts = texts(io.BytesIO(b"".join(composed.streaming_content)))

    # The same document as the printed briefing imported and rendered.
    issue.delete()
    imported = services.issue_import(cast.office, printed, source_name=REAL.name)
    rendered = office.get(f"/briefings/issues/{imported.pk}/docx/")
    assert composed_texts == texts(io.BytesIO(b"".join(rendered.streaming_content)))
    assert composed_texts[:3] == [SERIES, "第6期", "聊城市创建全国文明城市工作办公室\t2021年3月7日"]


def test_a_refused_form_keeps_what_was_typed(five, cast):
    c = login(five.handlers[2])
    r = c.post(
        "/briefings/items/new/",
        {"headline": "", "date": "2021-03-03", "body": "我写的第一段。\n第二段。", "op": "submit"},
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "我写的第一段。\n第二段。" in page
    assert WorkItem.objects.count() == 0


def test_compose_errors_keep_the_typed_values(world, cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    services.issue_add_article(cast.office, issue.pk, headline="甲", paragraphs=["乙。"])
    issue.refresh_from_db()
    c = login(cast.office)
    article = issue.articles.get()
    r = c.post(
        f"/briefings/issues/{issue.pk}/",
        _compose_fields(issue, copies="-3", **{f"headline_{article.pk}": "新标题"}),
    )
    assert r.status_code == 400
    assert 'value="新标题"' in r.content.decode()
    issue.refresh_from_db()
    assert (issue.copies, issue.articles.get().headline) == (0, "甲")
    r = c.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, op="add_items"))
    assert r.status_code == 400
    assert "请至少选择一条工作信息" in r.content.decode()
    # A stale form (someone saved meanwhile) is refused with 409.
    r = c.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, expected_version="1"))
    assert r.status_code == 409


def test_who_sees_which_page(five, cast, series):
    item = services.work_item_create(
        five.handlers[1], unit=five.units[1], headline="甲", date=dt.date(2021, 3, 3),
        paragraphs=["乙。"],
    )  # fmt: skip
    draft = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    other = login(five.handlers[2])
    assert other.get(f"/briefings/items/{item.pk}/").status_code == 404
    assert other.get(f"/briefings/issues/{draft.pk}/").status_code == 404
    assert other.get(f"/briefings/issues/{draft.pk}/docx/").status_code == 404
    assert other.get("/briefings/series/").status_code == 404
    assert other.get("/briefings/import/").status_code == 404
    assert login(cast.outsider).get("/briefings/").status_code == 404
    assert Client().get("/briefings/").status_code == 302
    assert login(five.handlers[1]).get(f"/briefings/items/{item.pk}/").status_code == 200
    # A unit handler cannot accept (403), and nothing changes.
    r = login(five.handlers[1]).post(
        f"/briefings/items/{item.pk}/do/accept/", {"headline": "甲", "body": "乙。"}
    )
    assert r.status_code in (403, 409)
    item.refresh_from_db()
    assert item.status == "draft"


def test_pdf_button_explains_when_libreoffice_is_missing(world, cast, series, monkeypatch):
    from wenming.briefings import documents

    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    r = login(cast.office).get(f"/briefings/issues/{issue.pk}/pdf/")
    assert r.status_code == 503
    assert "LibreOffice" in r.content.decode() and "下载DOCX" in r.content.decode()


def test_import_page(cast, real_bytes):
    c = login(cast.office)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post("/briefings/import/", {"file": SimpleUploadedFile(REAL.name, real_bytes)})
    issue = Issue.objects.get()
    assert r["Location"] == f"/briefings/issues/{issue.pk}/"
    page = c.get(r["Location"]).content.decode()
    assert "第6期" in page and "市工业行业服务中心" in page
    r = c.post("/briefings/import/", {"file": SimpleUploadedFile("x.txt", "会议纪要".encode())})
    assert r.status_code == 400
    assert "这不是一份工作简报" in r.content.decode()
    assert Issue.objects.count() == 1


@pytest.mark.parametrize("n", [3, 12])
def test_the_overview_does_not_grow_queries(five, cast, series, django_assert_max_num_queries, n):
    for k in range(n):
        item = services.work_item_create(
            cast.office, unit=five.units[k % 5], headline=f"标题{k}", date=dt.date(2021, 3, 3),
            paragraphs=["乙。"],
        )  # fmt: skip
        services.work_item_submit(cast.office, item.pk)
        if k % 2:
            services.work_item_accept(cast.office, item.pk)
    c = login(cast.office)
    with django_assert_max_num_queries(14):
        assert c.get("/briefings/").status_code == 200


def test_the_menu_shows_briefings_only_to_accounts_with_a_role(five, cast):
    """Found in review: the 简报 link showed for an account without a role, whose click
    then ended in a 404."""
    link = 'id="nav-briefings"'
    assert link not in login(cast.outsider).get("/password/").content.decode()
    assert login(cast.outsider).get("/briefings/").status_code == 404
    for user in (cast.office, cast.leader, cast.inspector, cast.area_staff, five.handlers[0]):
        assert link in login(user).get("/password/").content.decode(), user.username


def test_only_the_units_side_gets_the_edit_form(five, cast):
    """Found in review: a leader (who may read, not change) got the edit form; a submitted
    item's edit form could only fail."""
    item = services.work_item_create(
        five.handlers[1], unit=five.units[1], headline="甲", date=dt.date(2021, 3, 3),
        paragraphs=["乙。"],
    )  # fmt: skip
    url = f"/briefings/items/{item.pk}/edit/"
    # An unsent draft is the unit's own: the office and leaders do not see it yet.
    assert login(cast.leader).get(url).status_code == 404
    assert login(cast.office).get(url).status_code == 404
    assert login(five.handlers[2]).get(url).status_code == 404
    assert login(five.handlers[1]).get(url).status_code == 200
    services.work_item_submit(five.handlers[1], item.pk)
    assert login(cast.leader).get(url).status_code == 403
    assert login(cast.leader).get(f"/briefings/items/{item.pk}/").status_code == 200
    c = login(five.handlers[1])
    r = c.get(url)
    assert r.status_code == 302 and r["Location"] == f"/briefings/items/{item.pk}/"
    assert "现在不能执行此操作" in c.get(r["Location"]).content.decode()
    item.refresh_from_db()
    assert (item.status, item.headline) == ("submitted", "甲")


def test_a_table_of_contents_of_thousands_of_lines_is_refused(world, cast, series):
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    c = login(cast.office)
    r = c.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, toc="要目\n" * 101))
    assert r.status_code == 400
    page = r.content.decode()
    assert "本期要目有 101 条，最多 100 条。" in page and "要目\n要目" in page
    issue.refresh_from_db()
    assert issue.toc == [] and issue.version == 1
    r = c.post(f"/briefings/issues/{issue.pk}/", _compose_fields(issue, toc="要目\n" * 100))
    assert r.status_code == 302
    issue.refresh_from_db()
    assert issue.toc == ["要目"] * 100


def test_a_refused_operation_can_be_sent_again_without_a_false_conflict(world, cast, series):
    """Found in review: a refused operation (adding an article without a headline) saved the
    other fields first, so the re-rendered form carried an old version and sending it again
    was refused as “someone else changed this”."""
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    c = login(cast.office)
    url = f"/briefings/issues/{issue.pk}/"
    fields = _compose_fields(issue, copies="260", new_body="只写了正文。", op="add_article")
    r = c.post(url, fields)
    assert r.status_code == 400 and "标题为必填项" in r.content.decode()
    page = r.content.decode()
    assert "只写了正文。" in page and 'value="260"' in page
    issue.refresh_from_db()
    assert (issue.version, issue.copies, issue.articles.count()) == (1, 0, 0)
    r = c.post(url, {**fields, "new_headline": "补上标题"})
    assert r.status_code == 302
    issue.refresh_from_db()
    assert (issue.copies, [a.headline for a in issue.articles.all()]) == (260, ["补上标题"])


def test_compose_warns_when_the_table_of_contents_no_longer_fits_the_articles(world, cast, series):
    """Found in review: after the table of contents was generated, adding an article left it
    one entry short without a word, and publishing kept it so."""
    issue = services.issue_create(cast.office, series_id=series.pk, date=dt.date(2021, 3, 7))
    services.issue_add_article(cast.office, issue.pk, headline="甲", paragraphs=["一。"])
    services.issue_generate_toc(cast.office, issue.pk)
    c = login(cast.office)
    url = f"/briefings/issues/{issue.pk}/"
    assert 'id="toc-mismatch"' not in c.get(url).content.decode()
    services.issue_add_article(cast.office, issue.pk, headline="乙", paragraphs=["二。"])
    page = c.get(url).content.decode()
    assert "本期要目 1 条，文章 2 篇，请核对，或按文章标题重新生成。" in page
    services.issue_generate_toc(cast.office, issue.pk)
    assert 'id="toc-mismatch"' not in c.get(url).content.decode()


def test_older_published_issues_stay_reachable_by_year(
    world, cast, series, django_assert_max_num_queries
):
    """Found in review: the overview listed the latest 50 published issues and nothing led to
    older ones."""
    from django.utils import timezone

    now = timezone.now()
    Issue.objects.bulk_create(
        [
            Issue(series=series, year=year, number=n, date=dt.date(year, 1, 1) + dt.timedelta(days=n),
                  office=series.office, status=Issue.Status.PUBLISHED, created_at=now, published_at=now)
            for year, count in ((2020, 3), (2021, 52))
            for n in range(1, count + 1)
        ]
    )  # fmt: skip
    c = login(cast.leader)
    page = c.get("/briefings/").content.decode()
    assert page.count("2021年第") == 50 and "2020年第" not in page
    assert 'href="?year=2020#published"' in page and "2020年</a>" in page
    with django_assert_max_num_queries(12):
        page = c.get("/briefings/?year=2020").content.decode()
    assert page.count("2020年第") == 3 and "2021年第" not in page
    assert c.get("/briefings/?year=2021").content.decode().count("2021年第") == 52
    # A year without issues, or nonsense, shows the latest.
    assert c.get("/briefings/?year=1999").content.decode().count("2021年第") == 50
    assert c.get("/briefings/?year=x").content.decode().count("2021年第") == 50


def test_the_office_accepts_work_information_with_采用_not_签收(five, cast):
    # 签收 is a case's word (a unit signs for a dispatched case); the office adopts (采用)
    # work information for a briefing.
    item = services.work_item_create(
        five.handlers[1], unit=five.units[1], headline="甲", date=dt.date(2021, 3, 3),
        paragraphs=["乙。"],
    )  # fmt: skip
    services.work_item_submit(five.handlers[1], item.pk, expected_version=item.version)
    html = login(cast.office).get(f"/briefings/items/{item.pk}/").content.decode()
    form = html.split('id="accept-form"')[1].split("</form>")[0]
    assert '<button class="btn btn-success btn-sm" type="submit">采用</button>' in form
    assert "签收" not in form
