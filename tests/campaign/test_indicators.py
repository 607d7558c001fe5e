"""unit_task_indicators: the contract the assessment counts."""

from datetime import date

import pytest

from tests.conftest import at
from wenming.campaign import services
from wenming.campaign.models import Occurrence
from wenming.campaign.selectors import unit_task_indicators

pytestmark = pytest.mark.django_db


def test_on_time_late_missing_and_evidence(world, cast, plan, files, clock):
    monthly = {o.key: o for o in Occurrence.objects.filter(task=plan.monthly)}
    # January (due 2021-01-25): submitted on the due date, accepted later → on time.
    clock.set(at("2021-01-25 16:00"))
    services.occurrence_submit(
        cast.other_handler, monthly["2021-01"].pk, progress="x", files=[files.pdf(), files.jpeg()]
    )
    clock.set(at("2021-02-02 09:00"))
    services.occurrence_review(cast.office, monthly["2021-01"].pk, decision="accept")
    # February (due 2021-02-25): submitted late.
    clock.set(at("2021-03-01 09:00"))
    services.occurrence_submit(
        cast.other_handler, monthly["2021-02"].pk, progress="x", files=[files.pdf()]
    )
    services.occurrence_review(cast.office, monthly["2021-02"].pk, decision="accept")
    # March: submitted, not accepted yet; April: nothing.
    services.occurrence_submit(
        cast.other_handler, monthly["2021-03"].pk, progress="x", files=[files.pdf()]
    )
    clock.set(at("2021-04-30 09:00"))  # "today" for missing: 2021-04-30
    result = unit_task_indicators(date(2021, 1, 1), date(2021, 4, 30))
    police = result[world.police.pk]
    assert police == {
        "due": 4,
        "on_time": 1,
        "late": 1,
        # March (due 25 March, waiting for review) and April (due 25 April, nothing).
        "missing": 2,
        "evidence_accepted": 3,
        "occurrence_ids": [monthly[k].pk for k in ("2021-01", "2021-02", "2021-03", "2021-04")],
    }
    # 2021-04-25 is a Sunday but a make-up working day (调休 before 劳动节): it stays.
    assert monthly["2021-04"].due == date(2021, 4, 25)
    # sanitation: the one-off task due 2021-03-31, nothing done.
    assert result[world.sanitation.pk]["due"] == 1
    assert result[world.sanitation.pk]["missing"] == 1
    assert world.gulou_office.pk not in result
    assert unit_task_indicators(date(2020, 1, 1), date(2020, 12, 31)) == {}
