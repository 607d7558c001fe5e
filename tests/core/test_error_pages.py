"""The error pages are Chinese, like the rest of the UI (found in review: Django's English
defaults showed, e.g. for the 404 a unit handler gets on another unit's object)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

pytestmark = pytest.mark.django_db


def test_404_and_403_pages(cast):
    c = Client()
    c.force_login(cast.outsider)
    r = c.get("/briefings/")
    assert r.status_code == 404
    page = r.content.decode()
    assert "页面不存在" in page and "该页面不存在，或不在您的职责范围内。" in page
    assert "Not Found" not in page
    r = Client().get("/no-such-page/")
    assert r.status_code == 404 and "页面不存在" in r.content.decode()


def test_403_page(world, cast):
    from wenming.briefings import services

    item = services.work_item_create(
        cast.handler, unit=world.sanitation, headline="甲", date="2021-03-03", paragraphs=["乙。"]
    )
    services.work_item_submit(cast.handler, item.pk)  # a leader reads it, may not edit it
    c = Client()
    c.force_login(cast.leader)
    r = c.get(f"/briefings/items/{item.pk}/edit/")
    assert r.status_code == 403
    assert "无权操作" in r.content.decode() and "请联系创城办" in r.content.decode()


@pytest.mark.parametrize("template, title", [("400.html", "请求有误"), ("500.html", "出错了")])
def test_400_and_500_render_without_a_request(template, title):
    page = render_to_string(template)
    assert f"<h1>{title}</h1>" in page and "返回首页" in page


def test_403_and_404_pages_keep_the_site_header_and_menu(world, cast):
    """A unit's clerk who lands on a page not for them can go on from the menu."""
    c = Client()
    c.force_login(cast.handler)
    for url, status in (("/cases/new/", 403), ("/cases/999999/", 404)):
        r = c.get(url)
        page = r.content.decode()
        assert r.status_code == status
        assert 'class="navbar' in page and 'href="/todo/"' in page and "退出" in page
