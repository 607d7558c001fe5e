"""The office's review: accept, or return with what is missing; resubmission."""

import pytest
from django.utils import timezone

from wenming.campaign import services
from wenming.campaign.models import CampaignEvent, Evidence, Occurrence
from wenming.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def submitted(cast, plan, files):
    occ = Occurrence.objects.get(task=plan.once)
    return services.occurrence_submit(cast.handler, occ.pk, progress="已完成", files=[files.pdf()])


def test_accept(cast, plan, files):
    occ = submitted(cast, plan, files)
    services.occurrence_review(cast.office, occ.pk, decision="accept", expected_version=occ.version)
    occ.refresh_from_db()
    assert occ.status == "accepted" and occ.reviewed_by == cast.office
    assert occ.completed_at == occ.submitted_at
    ev = Evidence.objects.get()
    assert ev.status == "accepted" and ev.accepted_at is not None
    assert CampaignEvent.objects.filter(action="occurrence_accept", object_id=occ.pk).count() == 1


def test_return_requires_note_then_resubmit(cast, plan, files):
    occ = submitted(cast, plan, files)
    for note in ["", "   "]:
        with pytest.raises(ApplicationError) as e:
            services.occurrence_review(cast.office, occ.pk, decision="return", note=note)
        assert e.value.status == 400
    assert Occurrence.objects.get(pk=occ.pk).status == "submitted"
    services.occurrence_review(cast.office, occ.pk, decision="return", note="缺少盖章的通知文件")
    occ.refresh_from_db()
    assert occ.status == "returned" and occ.review_note == "缺少盖章的通知文件"
    assert Evidence.objects.get().status == "submitted"
    # Resubmission with one more file keeps the first.
    services.occurrence_submit(
        cast.handler, occ.pk, progress="补充盖章文件", files=[files.pdf("盖章.pdf")]
    )
    services.occurrence_review(cast.office, occ.pk, decision="accept")
    assert list(Evidence.objects.values_list("status", flat=True)) == ["accepted", "accepted"]
    actions = list(
        CampaignEvent.objects.filter(object_type="occurrence", object_id=occ.pk).values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "occurrence_submit",
        "occurrence_return",
        "occurrence_submit",
        "occurrence_accept",
    ]


@pytest.mark.parametrize("decision", ["", "approve", None])
def test_bad_decision(cast, plan, files, decision):
    occ = submitted(cast, plan, files)
    with pytest.raises(ApplicationError) as e:
        services.occurrence_review(cast.office, occ.pk, decision=decision, note="x")
    assert e.value.code == "invalid_decision"
    assert Occurrence.objects.get(pk=occ.pk).status == "submitted"


def test_only_office_reviews_and_only_submitted(cast, plan, files):
    occ = submitted(cast, plan, files)
    with pytest.raises(ApplicationError) as e:
        services.occurrence_review(cast.handler, occ.pk, decision="accept")
    assert e.value.status == 403
    with pytest.raises(ApplicationError) as e:
        services.occurrence_review(cast.leader, occ.pk, decision="accept")
    assert e.value.status == 403
    with pytest.raises(ApplicationError) as e:
        services.occurrence_review(cast.other_handler, occ.pk, decision="accept")
    assert e.value.status == 404
    with pytest.raises(ApplicationError) as e:
        services.occurrence_review(cast.office, occ.pk, decision="accept", expected_version=1)
    assert e.value.code == "stale"
    assert Occurrence.objects.get(pk=occ.pk).status == "submitted"
    services.occurrence_review(cast.office, occ.pk, decision="accept")
    with pytest.raises(ApplicationError) as e:
        services.occurrence_review(cast.office, occ.pk, decision="return", note="x")
    assert e.value.status == 409
    open_occ = Occurrence.objects.filter(task=plan.monthly).first()
    with pytest.raises(ApplicationError) as e:
        services.occurrence_review(cast.office, open_occ.pk, decision="accept")
    assert e.value.status == 409


def test_overdue_marking(cast, plan, files):
    from wenming.campaign.selectors import is_overdue

    occ = Occurrence.objects.get(task=plan.once)  # due 2021-03-31
    assert is_overdue(occ, timezone.localdate())
    from datetime import date

    assert not is_overdue(occ, date(2021, 3, 31))
    assert is_overdue(occ, date(2021, 4, 1))
    occ = submitted(cast, plan, files)
    assert not is_overdue(occ, date(2021, 4, 1))  # waiting for the office is not the unit's delay


def test_overview_counts_follow_the_review(cast, plan, files):
    from wenming.campaign.selectors import overview
    from wenming.org.scope import scope_for

    def row():
        return next(r for r in overview(scope_for(cast.office)) if r["unit"] == plan.once.lead_unit)

    assert (row()["overdue"], row()["missing"], row()["waiting"]) == (1, 1, 0)
    occ = submitted(cast, plan, files)
    assert (row()["overdue"], row()["missing"], row()["waiting"]) == (0, 0, 1)
    services.occurrence_review(cast.office, occ.pk, decision="return", note="缺材料")
    # Returned past its due date: overdue again, but it was reported.
    assert (row()["overdue"], row()["missing"], row()["waiting"]) == (1, 0, 0)
    services.occurrence_submit(cast.handler, occ.pk, progress="补充", files=[files.pdf()])
    services.occurrence_review(cast.office, occ.pk, decision="accept")
    assert (row()["overdue"], row()["accepted"], row()["tasks"]) == (0, 1, 1)
