"""Progress and evidence upload (材料申报): accepted types by content, bad files refused with
nothing stored, permissions and states."""

import pytest

from wenming.campaign import services
from wenming.campaign.models import CampaignEvent, Evidence, Occurrence
from wenming.core.errors import ApplicationError

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def once_occ(plan):
    return Occurrence.objects.get(task=plan.once)


def test_submit_with_every_accepted_type(cast, plan, files, settings):
    occ = once_occ(plan)
    services.occurrence_submit(
        cast.handler,
        occ.pk,
        progress="已成立领导小组，印发通知。",
        figures="成员 7 人",
        files=[files.pdf(), files.docx(), files.xlsx(), files.jpeg()],
        expected_version=occ.version,
    )
    occ.refresh_from_db()
    assert occ.status == "submitted" and occ.progress == "已成立领导小组，印发通知。"
    assert occ.figures == "成员 7 人" and occ.submitted_by == cast.handler
    rows = list(occ.evidence.order_by("pk"))
    assert [e.format for e in rows] == ["pdf", "docx", "xlsx", "jpeg"]
    assert [e.original_name for e in rows] == ["方案.pdf", "计划.docx", "台账.xlsx", "现场.jpg"]
    assert all(e.status == "submitted" for e in rows)
    assert rows[3].thumbnail.name and not rows[0].thumbnail
    # Stored under generated names, never the user's.
    assert all("方案" not in e.file.name for e in rows)
    assert len(stored_files(settings)) == 5  # 4 files + 1 thumbnail
    event = CampaignEvent.objects.get(action="occurrence_submit")
    assert event.object_id == occ.pk and event.data["evidence"] == [e.pk for e in rows]


@pytest.mark.parametrize(
    "make, code",
    [
        ("exe_as_pdf", "file_type"),
        ("empty", "file_empty"),
        ("plain_zip_as_docx", "file_type"),
        ("legacy_doc", "file_type"),
    ],
)
def test_bad_files_refused_and_nothing_stored(cast, plan, files, settings, make, code):
    occ = once_occ(plan)
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.handler, occ.pk, progress="进展", files=[files.pdf(), getattr(files, make)()]
        )
    assert e.value.code == code and e.value.status == 400
    assert e.value.detail["index"] == 1 and e.value.detail["field"] == "files"
    occ.refresh_from_db()
    assert occ.status == "open" and occ.progress == "" and occ.version == 1
    assert Evidence.objects.count() == 0 and stored_files(settings) == []
    assert not CampaignEvent.objects.filter(action="occurrence_submit").exists()


def test_exe_message_is_chinese(cast, plan, files):
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.handler, once_occ(plan).pk, progress="x", files=[files.exe_as_pdf()]
        )
    assert (
        e.value.message
        == "第1个文件（setup.pdf）：不接受此类文件（仅限 PDF、DOCX、XLSX、JPEG、PNG、WebP）。"
    )


def test_oversized_file_refused(cast, plan, files, settings):
    settings.WENMING_EVIDENCE_MAX_BYTES = 30
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.handler, once_occ(plan).pk, progress="x", files=[files.pdf()]
        )
    assert e.value.code == "file_too_large"
    assert Evidence.objects.count() == 0 and stored_files(settings) == []


def test_too_many_files(cast, plan, files, settings):
    settings.WENMING_EVIDENCE_MAX_FILES = 2
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.handler,
            once_occ(plan).pk,
            progress="x",
            files=[files.pdf(), files.pdf(), files.pdf()],
        )
    assert e.value.code == "file_too_many"
    assert Evidence.objects.count() == 0


def test_damaged_image_refused(cast, plan, settings):
    from .conftest import Upload, jpeg_bytes

    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.handler,
            once_occ(plan).pk,
            progress="x",
            files=[Upload(jpeg_bytes()[:60], "坏.jpg")],
        )
    assert e.value.code.startswith("photo_") and e.value.detail["field"] == "files"
    assert stored_files(settings) == []


@pytest.mark.parametrize("progress", ["", "   ", None, "x" * 5001, 12])
def test_bad_progress_refused(cast, plan, files, settings, progress):
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.handler, once_occ(plan).pk, progress=progress, files=[files.pdf()]
        )
    assert e.value.status == 400
    assert Evidence.objects.count() == 0 and stored_files(settings) == []


def test_evidence_required_unless_figures_only(world, cast, plan, files):
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(cast.handler, once_occ(plan).pk, progress="进展")
    assert e.value.code == "evidence_required"
    services.task_update(
        cast.office,
        plan.once.pk,
        code="1.1",
        title="数据任务",
        lead_unit_id=world.sanitation.pk,
        frequency="once",
        deadline="2021-03-31",
        evidence_kinds=["figures"],
    )
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(cast.handler, once_occ(plan).pk, progress="进展")
    assert e.value.detail["field"] == "figures"
    services.occurrence_submit(cast.handler, once_occ(plan).pk, progress="进展", figures="12 场")
    assert once_occ(plan).status == "submitted"


def test_only_lead_unit_submits(cast, plan, files, settings):
    # The police handler does not see the sanitation-led task at all: 404.
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.other_handler, once_occ(plan).pk, progress="x", files=[files.pdf()]
        )
    assert e.value.status == 404
    # The sanitation handler cooperates on the police-led monthly task: sees it, may not submit.
    monthly = Occurrence.objects.filter(task=plan.monthly).first()
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(cast.handler, monthly.pk, progress="x", files=[files.pdf()])
    assert e.value.status == 403
    # The office reviews but does not submit for a unit.
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(cast.office, monthly.pk, progress="x", files=[files.pdf()])
    assert e.value.status == 403
    assert Evidence.objects.count() == 0 and stored_files(settings) == []


def test_submitted_cannot_be_submitted_again_and_stale_refused(cast, plan, files):
    occ = once_occ(plan)
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(
            cast.handler,
            occ.pk,
            progress="x",
            files=[files.pdf()],
            expected_version=occ.version + 5,
        )
    assert e.value.code == "stale" and e.value.status == 409
    services.occurrence_submit(cast.handler, occ.pk, progress="x", files=[files.pdf()])
    with pytest.raises(ApplicationError) as e:
        services.occurrence_submit(cast.handler, occ.pk, progress="y", files=[files.pdf()])
    assert e.value.code == "invalid_state" and e.value.status == 409
    assert Evidence.objects.count() == 1


def test_real_office_files_accepted_whatever_their_names(cast, plan):
    """Files written by python-docx and openpyxl (as Word/WPS/Excel write them) pass; a DOCX
    named .pdf is stored as what it is."""
    import io

    from docx import Document
    from openpyxl import Workbook

    from .conftest import Upload

    doc = io.BytesIO()
    d = Document()
    d.add_paragraph("市审计局2021年度文明创建工作计划")
    d.save(doc)
    book = io.BytesIO()
    Workbook().save(book)
    services.occurrence_submit(
        cast.handler,
        once_occ(plan).pk,
        progress="x",
        files=[Upload(doc.getvalue(), "计划.pdf"), Upload(book.getvalue(), "台账")],
    )
    rows = list(Evidence.objects.order_by("pk"))
    assert [(e.format, e.original_name) for e in rows] == [("docx", "计划.pdf"), ("xlsx", "台账")]
    assert rows[0].file.name.endswith(".docx") and rows[1].file.name.endswith(".xlsx")


def test_evidence_delete(cast, plan, files, settings):
    occ = once_occ(plan)
    services.occurrence_submit(
        cast.handler, occ.pk, progress="x", files=[files.pdf(), files.jpeg()]
    )
    services.occurrence_review(cast.office, occ.pk, decision="return", note="照片不清楚")
    photo = Evidence.objects.get(format="jpeg")
    for user, status in ((cast.other_handler, 404), (cast.office, 403), (cast.leader, 403)):
        with pytest.raises(ApplicationError) as e:
            services.evidence_delete(user, photo.pk)
        assert e.value.status == status
    with pytest.raises(ApplicationError) as e:
        services.evidence_delete(cast.handler, "x")
    assert e.value.status == 404
    assert len(stored_files(settings)) == 3
    services.evidence_delete(cast.handler, photo.pk)
    assert list(Evidence.objects.values_list("format", flat=True)) == ["pdf"]
    assert CampaignEvent.objects.filter(action="evidence_delete").get().data["name"] == "现场.jpg"
    services.occurrence_submit(cast.handler, occ.pk, progress="y")
    services.occurrence_review(cast.office, occ.pk, decision="accept")
    with pytest.raises(ApplicationError) as e:
        services.evidence_delete(cast.handler, Evidence.objects.get().pk)
    assert e.value.status == 409
    assert Evidence.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_evidence_delete_removes_stored_file(cast, plan, files, settings):
    occ = once_occ(plan)
    services.occurrence_submit(cast.handler, occ.pk, progress="x", files=[files.jpeg()])
    services.occurrence_review(cast.office, occ.pk, decision="return", note="重传")
    assert len(stored_files(settings)) == 2
    services.evidence_delete(cast.handler, Evidence.objects.get().pk)
    assert stored_files(settings) == []
