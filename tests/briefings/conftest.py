"""Fixtures of the briefing tests: the real briefing (read from ../shared/data/seed), its
five units with one handler each, and its series."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from wenming.briefings.models import Series
from wenming.org.models import Membership, Unit

SEED = settings.BASE_DIR.parent / "shared" / "data" / "seed"
REAL = SEED / "liaocheng-chuangcheng-briefing-2021-no6.txt"
SERIES = "聊城市创建全国文明城市工作简报"
OFFICE = "聊城市创建全国文明城市工作办公室"
PASSWORD = "x-test-pass-1"

# The five units of the real briefing, in the order of its articles, and their handlers.
UNITS = [
    ("U-TT", "铁塔社区居委会", "community_committee", "tieta_handler"),
    ("U-ZY", "聊城市中级人民法院", "department", "court_handler"),
    ("U-SJ", "市审计局", "department", "audit_handler"),
    ("U-GY", "市工业行业服务中心", "department", "industry_handler"),
    (None, "古楼街道办事处", None, "gulou_handler"),  # the world's subdistrict office
]


@dataclass
class Units:
    units: list
    handlers: list


@pytest.fixture
def real_text() -> str:
    return Path(REAL).read_text(encoding="utf-8")


@pytest.fixture
def real_bytes() -> bytes:
    return Path(REAL).read_bytes()


@pytest.fixture
def five(world, cast) -> Units:
    User = get_user_model()
    units, handlers = [], []
    for code, name, kind, username in UNITS:
        if code is None:
            unit = world.gulou_office
        else:
            unit = Unit.objects.create(code=code, name=name, kind=kind)
        user = User.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, role=Membership.Role.UNIT_HANDLER, unit=unit)
        units.append(unit)
        handlers.append(user)
    return Units(units, handlers)


@pytest.fixture
def series(db) -> Series:
    return Series.objects.create(name=SERIES, office=OFFICE)


def texts(path_or_file) -> list[str]:
    """Non-empty paragraph texts of a DOCX, in order."""
    from docx import Document

    return [p.text for p in Document(path_or_file).paragraphs if p.text.strip()]
