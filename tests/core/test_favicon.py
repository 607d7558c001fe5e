"""The site's icon: linked from the pages and served at /favicon.ico."""

from django.contrib.staticfiles import finders
from django.test import Client


def test_favicon_ico_redirects_to_the_icon(client, db):
    r = client.get("/favicon.ico")
    assert (r.status_code, r["Location"]) == (302, "/static/wenming/favicon.svg")
    assert r["Cache-Control"] == "max-age=86400, public"
    assert client.post("/favicon.ico").status_code == 405
    icon = finders.find("wenming/favicon.svg")
    assert icon and open(icon, encoding="utf-8").read().startswith("<svg ")


def test_pages_link_the_icon(world, cast):
    office = Client()
    office.force_login(cast.office)
    body = office.get("/", follow=True).content.decode()
    assert '<link rel="icon" href="/static/wenming/favicon.svg" type="image/svg+xml">' in body
