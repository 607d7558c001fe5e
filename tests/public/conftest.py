"""Fixtures of the public (citizen and Open311) tests: photos, Open311 clients, a clean
rate-limit cache and a throw-away media folder."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wenming.public import services


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    # Rate-limit counters live in the (per-process) cache: start every test at zero.
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


def jpeg(width=640, height=480, color=(200, 40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG")
    return buf.getvalue()


def upload(name="photo.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else jpeg(), content_type)


@pytest.fixture
def hotline(cast):
    """A trusted Open311 client (the 12345 hotline) acting as the office user: (client, key)."""
    return services.open311_client_create(
        cast.office, name="12345热线", user_id=cast.office.pk, trusted=True
    )


@pytest.fixture
def partner(cast):
    """An untrusted Open311 client: its requests wait for triage and get a token."""
    return services.open311_client_create(
        cast.office, name="合作平台", user_id=cast.office.pk, trusted=False
    )
