"""API tokens: created by the office, key shown once, usable as a bearer token."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from wenming.core.errors import ApplicationError
from wenming.org.models import ApiToken
from wenming.org.services import api_token_create


def test_office_creates_a_usable_token(world, cast):
    token, key = api_token_create(cast.office, username="inspector", name="12345热线")
    assert len(key) == 43
    assert token.key_hash == ApiToken.hash(key) and key not in token.key_hash
    r = Client().get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 200


@pytest.mark.parametrize(
    "actor,username,name,code",
    [
        ("handler", "inspector", "x", "forbidden"),
        ("office", "nobody", "x", "unknown_user"),
        ("office", "inspector", "  ", "required"),
        ("office", "inspector", "x" * 101, "too_long"),
    ],
)
def test_refused(world, cast, actor, username, name, code):
    with pytest.raises(ApplicationError) as exc:
        api_token_create(getattr(cast, actor), username=username, name=name)
    assert exc.value.code == code
    assert ApiToken.objects.count() == 0


def test_command_prints_the_key_once(world, cast, capsys):
    call_command("create_api_token", "office", "bridge")
    key = capsys.readouterr().out.strip()
    assert ApiToken.objects.get().key_hash == ApiToken.hash(key)
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "bridge")
    assert ApiToken.objects.count() == 1


def test_admin_add_shows_the_key(world, cast, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-test-pass-1")
    c = Client()
    c.force_login(admin)
    r = c.post("/admin/org/apitoken/add/", {"user": cast.inspector.pk, "name": "app"}, follow=True)
    assert r.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in r.context["messages"]]
    assert len(shown) == 2  # the key, and Django's "added" message
    key = re.search(r"复制：([A-Za-z0-9_-]{43})$", shown[0]).group(1)
    assert token.key_hash == ApiToken.hash(key)
