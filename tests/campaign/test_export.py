"""The per-criterion evidence folder and its ZIP with an index spreadsheet."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from wenming.campaign import services
from wenming.campaign.models import Occurrence

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(cast, plan, files):
    occ = Occurrence.objects.get(task=plan.once)
    services.occurrence_submit(
        cast.handler,
        occ.pk,
        progress="x",
        files=[files.pdf("=HYPERLINK(1).pdf"), files.jpeg("现场.jpg")],
    )
    services.occurrence_review(cast.office, occ.pk, decision="accept")
    # Evidence of another criterion's task, and submitted-only evidence: not in the folder.
    other = Occurrence.objects.filter(task=plan.monthly).first()
    services.occurrence_submit(
        cast.other_handler, other.pk, progress="y", files=[files.pdf("劝导.pdf")]
    )
    return occ


def test_zip_of_one_criterion(client, cast, criteria, accepted):
    client.force_login(cast.office)
    r = client.get(reverse("campaign:criterion_zip", args=[criteria["P01-04-08"].pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    assert r["Content-Disposition"] == 'attachment; filename="criterion-P01-04-08.zip"'
    names = sorted(archive.namelist())
    assert names == ["1.1/001-=HYPERLINK(1).pdf", "1.1/002-现场.jpg", "index.xlsx"]
    assert archive.read("1.1/001-=HYPERLINK(1).pdf").startswith(b"%PDF-")
    ws = load_workbook(io.BytesIO(archive.read("index.xlsx"))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "压缩包内文件", "任务编号", "任务", "牵头单位")
    assert len(rows) == 3
    assert rows[1][0] == 1 and rows[1][1] == "1.1/001-=HYPERLINK(1).pdf"
    assert rows[1][2:5] == ("1.1", "成立创建工作领导小组", "市环卫处")
    assert rows[1][9] == "'=HYPERLINK(1).pdf"  # formula guard on the original name
    assert rows[2][10] == "JPEG"


def test_folder_page_lists_only_accepted(client, cast, criteria, accepted):
    client.force_login(cast.office)
    page = client.get(
        reverse("campaign:criterion", args=[criteria["P01-04-08"].pk])
    ).content.decode()
    assert "现场.jpg" in page and "劝导.pdf" not in page
    page = client.get(
        reverse("campaign:criterion", args=[criteria["P02-04-01"].pk])
    ).content.decode()
    assert "暂无已通过的材料" in page
    listing = client.get(reverse("campaign:criteria")).content.decode()
    assert "P01-04-08" in listing and "P02-04-01" in listing


def test_zip_scoped_and_unknown_criterion(client, cast, criteria, accepted):
    client.force_login(cast.other_handler)
    r = client.get(reverse("campaign:criterion_zip", args=[criteria["P01-04-08"].pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    assert archive.namelist() == ["index.xlsx"]
    client.force_login(cast.office)
    assert client.get(reverse("campaign:criterion_zip", args=[999999])).status_code == 404


def test_a_task_numbered_dot_dot_stays_inside_the_archive(client, cast, criteria, accepted, plan):
    """Found in review: a task number ".." made the folder "..", so extracting the ZIP wrote
    outside the target directory (zip slip)."""
    plan.once.code = ".."
    plan.once.save(update_fields=["code"])
    client.force_login(cast.office)
    r = client.get(reverse("campaign:criterion_zip", args=[criteria["P01-04-08"].pk]))
    names = sorted(zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))).namelist())
    assert names == ["index.xlsx", "task/001-=HYPERLINK(1).pdf", "task/002-现场.jpg"]
