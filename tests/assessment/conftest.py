"""A small hand-computed March 2021 for the assessment tests.

All cases go through the case services with a fixed clock (Asia/Shanghai times):

=====  =========  ===============================================================  ==========
case   unit       story                                                            final
=====  =========  ===============================================================  ==========
A      sanitation  dl 03-04; submitted 03-02, verified 03-03; marked recurring       closed, on time
B      sanitation  dl 03-02 10:00; submitted 03-03, verified 03-03                   closed, late
C      sanitation  dl 03-10; submitted 03-04, rework 03-05, submitted+verified 03-06 closed, on time
D      sanitation  dl 03-05 → extension approved to 03-20; accepted; 督办 level 1     accepted, overdue
E      sanitation  dl 03-25; submitted 03-10                                         submitted, on time
L      sanitation  dl 04-15; dispatched                                              dispatched
F      —           rejected                                                          rejected
G      —           merged into D                                                     merged
H      —           dispatched to police, returned                                    returned
I      police      dl 03-08; accepted                                                accepted, overdue
J      sanitation  reported 2021-04-02 (outside March), dispatched                   dispatched
=====  =========  ===============================================================  ==========

``AS_OF`` = 2021-03-31 12:00.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import at
from wenming.cases import services
from wenming.cases.models import Case

AS_OF = at("2021-03-31 12:00")


@dataclass
class March:
    a: Case
    b: Case
    c: Case
    d: Case
    e: Case
    l: Case  # noqa: E741
    f: Case
    g: Case
    h: Case
    i: Case
    j: Case

    def ids(self, *names) -> list[int]:
        return sorted(getattr(self, n).pk for n in names)


def _report(cast, world, clock, when, title):
    # Each case at its own place (≥ 180 m apart) so that the recurrence rule (same
    # category within 50 m and 30 days) marks none of them by itself.
    i = "ABCDELFGHIJ".index(title)
    clock.set(at(when))
    return services.case_report(
        cast.inspector,
        title=title,
        category_id=world.category.pk,
        lat=36.4505 + (i // 4) * 0.002,
        lon=115.9815 + (i % 4) * 0.002,
    )


def _dispatch(cast, world, clock, case, when, deadline, unit=None):
    clock.set(at(when))
    return services.case_dispatch(
        cast.office, case.pk, unit_id=(unit or world.sanitation).pk, deadline=at(deadline)
    )


def _step(clock, when, func, *args, **kw):
    clock.set(at(when))
    return func(*args, **kw)


def build_march(world, cast, clock) -> March:
    s = services
    h, o, i = cast.handler, cast.office, cast.inspector
    a = _report(cast, world, clock, "2021-03-01 09:00", "A")
    _dispatch(cast, world, clock, a, "2021-03-01 10:00", "2021-03-04 17:30")
    _step(clock, "2021-03-01 11:00", s.case_accept, h, a.pk)
    _step(clock, "2021-03-02 10:00", s.case_submit, h, a.pk, note="done")
    _step(clock, "2021-03-03 10:00", s.case_verify, i, a.pk)
    Case.objects.filter(pk=a.pk).update(recurring=True)

    b = _report(cast, world, clock, "2021-03-01 09:10", "B")
    _dispatch(cast, world, clock, b, "2021-03-01 10:00", "2021-03-02 10:00")
    _step(clock, "2021-03-01 11:00", s.case_accept, h, b.pk)
    _step(clock, "2021-03-03 09:00", s.case_submit, h, b.pk, note="done")
    _step(clock, "2021-03-03 10:00", s.case_verify, i, b.pk)

    c = _report(cast, world, clock, "2021-03-02 09:00", "C")
    _dispatch(cast, world, clock, c, "2021-03-02 10:00", "2021-03-10 17:30")
    _step(clock, "2021-03-02 11:00", s.case_accept, h, c.pk)
    _step(clock, "2021-03-04 10:00", s.case_submit, h, c.pk, note="done")
    _step(clock, "2021-03-05 10:00", s.case_rework, i, c.pk, reason="still dirty")
    _step(clock, "2021-03-06 09:00", s.case_submit, h, c.pk, note="done again")
    _step(clock, "2021-03-06 10:00", s.case_verify, i, c.pk)

    d = _report(cast, world, clock, "2021-03-03 09:00", "D")
    _dispatch(cast, world, clock, d, "2021-03-03 10:00", "2021-03-05 17:30")
    _step(clock, "2021-03-03 11:00", s.case_accept, h, d.pk)
    req = _step(
        clock,
        "2021-03-04 10:00",
        s.case_request_extension,
        h,
        d.pk,
        requested_deadline=at("2021-03-20 17:30"),
        reason="materials",
    )
    _step(clock, "2021-03-04 11:00", s.case_decide_extension, o, req.pk, approve=True)
    _step(clock, "2021-03-22 09:00", s.case_escalate, o, d.pk, level=1, note="overdue")

    e = _report(cast, world, clock, "2021-03-08 09:00", "E")
    _dispatch(cast, world, clock, e, "2021-03-08 10:00", "2021-03-25 17:30")
    _step(clock, "2021-03-08 11:00", s.case_accept, h, e.pk)
    _step(clock, "2021-03-10 10:00", s.case_submit, h, e.pk, note="done")

    ll = _report(cast, world, clock, "2021-03-30 09:00", "L")
    _dispatch(cast, world, clock, ll, "2021-03-30 10:00", "2021-04-15 17:30")

    f = _report(cast, world, clock, "2021-03-05 09:00", "F")
    _step(clock, "2021-03-05 10:00", s.case_reject, o, f.pk, reason="not a problem")

    g = _report(cast, world, clock, "2021-03-05 09:30", "G")
    _step(clock, "2021-03-05 10:30", s.case_merge, o, g.pk, into_id=d.pk)

    hh = _report(cast, world, clock, "2021-03-06 09:00", "H")
    _dispatch(cast, world, clock, hh, "2021-03-06 10:00", "2021-03-12 17:30", unit=world.police)
    _step(clock, "2021-03-06 11:00", s.case_return, cast.other_handler, hh.pk, reason="not ours")

    ii = _report(cast, world, clock, "2021-03-07 09:00", "I")
    _dispatch(cast, world, clock, ii, "2021-03-07 10:00", "2021-03-08 17:30", unit=world.police)
    _step(clock, "2021-03-07 11:00", s.case_accept, cast.other_handler, ii.pk)

    j = _report(cast, world, clock, "2021-04-02 09:00", "J")
    _dispatch(cast, world, clock, j, "2021-04-02 10:00", "2021-04-09 17:30")

    clock.set(AS_OF)
    return March(*(Case.objects.get(pk=x.pk) for x in (a, b, c, d, e, ll, f, g, hh, ii, j)))


@pytest.fixture
def march(world, cast, clock) -> March:
    return build_march(world, cast, clock)


def open_red_list() -> None:
    """Drop the red-list floor (``red_min_score`` 0) of the default scheme's newest version
    in place, for tests of the list mechanics on the March data: its best unit scores 41.67
    (D), below the default floor of 75. Edited in place, not as a new version, so that the
    tests still see version 1."""
    from wenming.assessment.models import SchemeVersion

    version = (
        SchemeVersion.objects.filter(scheme__unit_kind="", scheme__is_active=True)
        .order_by("-number")
        .first()
    )
    version.config = {**version.config, "red_min_score": 0}
    version.save(update_fields=["config"])
