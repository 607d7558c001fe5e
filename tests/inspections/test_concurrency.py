"""The same checklist sent twice at the same moment (a phone resending while the first
request is still running): one submission, one set of cases; both callers get it."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from tests.inspections.conftest import answers_for, new_uuid
from wenming.cases.models import Case
from wenming.core.errors import ApplicationError
from wenming.inspections import services
from wenming.inspections.models import Finding, Submission


@pytest.mark.django_db(transaction=True)
def test_same_uuid_twice_at_once(world, cast, scene):
    rnd = services.round_plan(
        cast.office,
        name="并发",
        starts_on="2021-03-05",
        ends_on="2021-03-05",
        point_ids=[scene.crossing.pk],
        inspector_ids=[cast.inspector.pk],
    )
    args = {
        "round_id": rnd.pk,
        "point_id": scene.crossing.pk,
        "uuid": new_uuid(),
        "answers": answers_for(rnd, scene.crossing, {scene.red_light: "闯红灯"}),
    }
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def run(i):
        try:
            barrier.wait()
            sub, created = services.checklist_submit(cast.inspector, **args)
            outcomes[i] = (sub.pk, created)
        except ApplicationError as e:
            outcomes[i] = e.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    sub = Submission.objects.get()
    assert sorted(outcomes, key=lambda o: not o[1]) == [(sub.pk, True), (sub.pk, False)]
    assert Case.objects.count() == 1 and Finding.objects.count() == 1
