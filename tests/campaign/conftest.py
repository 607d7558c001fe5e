"""Fixtures of the campaign tests: a current evaluation standard with a few criteria, the
briefing's units, a plan with tasks, and sample files of every accepted and refused kind."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest
from PIL import Image

from wenming.campaign import services
from wenming.inspections.models import Criterion, StandardItem, StandardVersion
from wenming.org.models import Unit


@pytest.fixture
def criteria(world) -> dict[str, Criterion]:
    """The criteria of the current standard that the example plan names, by code."""
    version = StandardVersion.objects.create(code="T2021", name="测评体系（测试）", is_current=True)
    project = StandardItem.objects.create(
        version=version, level="project", code="P01", name="农贸市场"
    )
    content = StandardItem.objects.create(
        version=version, level="content", code="P01-04", name="公共服务", parent=project
    )
    out = {}
    for seq, (code, text) in enumerate(
        [
            ("P01-04-08", "经营户证照齐全"),
            ("P01-04-09", "从业人员持健康证明"),
            ("P04-01-09", "设精神文明创建宣传栏"),
            ("P02-04-01", "早中晚高峰有志愿者宣传劝导"),
            ("P04-02-02", "定期清扫，垃圾及时清运"),
            ("P01-04-01", "环境干净整洁"),
        ]
    ):
        out[code] = Criterion.objects.create(
            version=version,
            item=content,
            code=code,
            text=text,
            method="documents",
            category=world.category,
            seq=seq,
        )
    return out


@pytest.fixture
def briefing_units(world) -> dict[str, Unit]:
    """The demo's departments the example plan names."""
    names = [
        ("DEP-COURT", "聊城市中级人民法院"),
        ("DEP-AUDIT", "市审计局"),
        ("DEP-INDUSTRY", "市工业行业服务中心"),
        ("DEP-TRAFFIC", "市公安局交警支队"),
        ("DEP-SANITATION", "市环境卫生管理处"),
        ("DEP-URBAN", "市城市管理局"),
    ]
    out = {}
    for code, name in names:
        out[name] = Unit.objects.filter(name=name).first() or Unit.objects.create(
            code=code, name=name, kind="department"
        )
    return out


@dataclass
class PlanWorld:
    plan: object
    once: object  # lead: sanitation (handler), criterion P01-04-08
    monthly: object  # lead: police (other_handler), cooperating: sanitation


@pytest.fixture
def plan(world, cast, criteria) -> PlanWorld:
    p = services.plan_create(
        cast.office, title="2021年-2023年创建全国文明城市实施方案", start_year=2021, end_year=2021
    )
    once = services.task_create(
        cast.office,
        p.pk,
        code="1.1",
        title="成立创建工作领导小组",
        lead_unit_id=world.sanitation.pk,
        frequency="once",
        deadline="2021-03-31",
        criterion_ids=[criteria["P01-04-08"].pk],
        evidence_kinds=["documents", "photos"],
    )
    monthly = services.task_create(
        cast.office,
        p.pk,
        code="4.1",
        title="文明交通志愿劝导",
        lead_unit_id=world.police.pk,
        cooperating_unit_ids=[world.sanitation.pk],
        frequency="monthly",
        due_day=25,
        criterion_ids=[criteria["P02-04-01"].pk],
        evidence_kinds=["photos"],
    )
    return PlanWorld(p, once, monthly)


# --- sample files ---------------------------------------------------------------------------


class Upload(io.BytesIO):
    """A named in-memory upload."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name
        self.size = len(data)


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ooxml_bytes(kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        if kind == "docx":
            z.writestr("word/document.xml", "<w:document/>")
        elif kind == "xlsx":
            z.writestr("xl/workbook.xml", "<workbook/>")
        else:
            z.writestr("readme.txt", "just a zip")
    return buf.getvalue()


def jpeg_bytes(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200


@pytest.fixture
def files():
    """Factories of named uploads."""

    class Files:
        pdf = staticmethod(lambda name="方案.pdf": Upload(pdf_bytes(), name))
        docx = staticmethod(lambda name="计划.docx": Upload(ooxml_bytes("docx"), name))
        xlsx = staticmethod(lambda name="台账.xlsx": Upload(ooxml_bytes("xlsx"), name))
        jpeg = staticmethod(lambda name="现场.jpg": Upload(jpeg_bytes(), name))
        exe_as_pdf = staticmethod(lambda: Upload(EXE, "setup.pdf"))
        empty = staticmethod(lambda: Upload(b"", "空.pdf"))
        plain_zip_as_docx = staticmethod(lambda: Upload(ooxml_bytes("zip"), "假.docx"))
        legacy_doc = staticmethod(lambda: Upload(OLE_DOC, "旧.doc"))

    return Files


def stored_files(settings) -> list:
    """Every file under MEDIA_ROOT (to check that nothing was stored)."""
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
