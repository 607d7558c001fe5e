"""Scoped reads of the inspections app: rounds, checklists, results and scores.

Who sees what:
- office and leaders: every round, point and result;
- inspectors: the rounds they are assigned to (and the points of those rounds);
- unit handlers: the results of the criteria their unit is responsible for
  (``Result.unit``), through :func:`unit_results`;
- anyone else: nothing (404).

Scores (:func:`score`): a score is the pass rate ``passed / checked * 100`` rounded to two
decimals, where ``checked`` counts criteria answered 符合 or 不符合 (不涉及 is not counted).
Deductions (扣分) of failed criteria are summed and shown beside the score; they do not
change it (the example standard gives 1 point per criterion, so the two agree in rank).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from wenming.core.errors import NotFound
from wenming.org.scope import Scope, scope_for

from .models import Finding, InspectionRound, Point, Result, RoundPoint, Submission


def _scope(user) -> Scope:
    return user if isinstance(user, Scope) else scope_for(user)


def score(passed: int, checked: int) -> float | None:
    """Pass rate 0–100 rounded to 2 decimals, or None when nothing was checked."""
    return round(passed * 100 / checked, 2) if checked else None


def rounds_visible_to(user) -> QuerySet[InspectionRound]:
    """Rounds the user may read: all for office and leaders, assigned ones for inspectors
    (as inspector or leader of the round)."""
    scope = _scope(user)
    qs = InspectionRound.objects.all()
    if scope.is_office or scope.is_leader:
        return qs
    if scope.user_id is None:
        return qs.none()
    if scope.is_inspector:
        return qs.filter(Q(inspectors__id=scope.user_id) | Q(leader_id=scope.user_id)).distinct()
    return qs.none()


def round_detail(user, round_id) -> InspectionRound:
    """One visible round (404 otherwise), with its version and leader loaded."""
    try:
        return (
            rounds_visible_to(user)
            .select_related("standard_version", "leader", "created_by")
            .get(pk=round_id)
        )
    except (InspectionRound.DoesNotExist, ValueError, TypeError):
        raise NotFound("round") from None


def round_points(rnd: InspectionRound) -> list[dict]:
    """The round's points with their checklist state: dicts ``{"point", "submission"}``
    (submission None while not inspected), in point code order. Two queries."""
    points = list(
        Point.objects.filter(round_points__round=rnd)
        .select_related("point_type", "community", "supervision_grid", "grid")
        .order_by("code")
    )
    subs = {s.point_id: s for s in Submission.objects.filter(round=rnd).select_related("inspector")}
    return [{"point": p, "submission": subs.get(p.pk)} for p in points]


def points_visible_to(user) -> QuerySet[Point]:
    """Points: all for office and leaders; for inspectors those of their rounds; for unit
    handlers those their units are responsible at."""
    scope = _scope(user)
    qs = Point.objects.all()
    if scope.is_office or scope.is_leader:
        return qs
    if scope.user_id is None:
        return qs.none()
    cond = Q(pk__in=[])
    if scope.is_inspector:
        cond |= Q(
            pk__in=RoundPoint.objects.filter(round__in=rounds_visible_to(scope)).values("point_id")
        )
    if scope.unit_ids:
        cond |= Q(point_units__unit_id__in=scope.unit_ids)
    return qs.filter(cond).distinct()


def _group(rows, key) -> list[dict]:
    groups: dict = defaultdict(
        lambda: {"checked": 0, "passed": 0, "failed": 0, "points": 0, "deductions": Decimal(0)}
    )
    labels = {}
    for r in rows:
        k, label = key(r)
        g = groups[k]
        labels[k] = label
        g["checked"] += r["checked"]
        g["passed"] += r["passed"]
        g["failed"] += r["failed"]
        g["deductions"] += r["deductions"]
        g["points"] += 1
    out = []
    for k, g in groups.items():
        out.append({"key": k, "label": labels[k], **g, "score": score(g["passed"], g["checked"])})
    out.sort(
        key=lambda g: (
            g["score"] is None,
            g["score"] if g["score"] is not None else 0,
            str(g["label"]),
        )
    )
    return out


def previous_round(rnd: InspectionRound) -> InspectionRound | None:
    """The round of the same kind that started last before this one (ties: lower id)."""
    return (
        InspectionRound.objects.filter(kind=rnd.kind)
        .filter(Q(starts_on__lt=rnd.starts_on) | Q(starts_on=rnd.starts_on, id__lt=rnd.pk))
        .order_by("-starts_on", "-id")
        .first()
    )


def round_scores(rnd: InspectionRound) -> dict:
    """The round's scores: ``{"points": [...], "grids": [...], "types": [...],
    "units": [...], "total": {...}, "failed_criteria": [...]}``.

    ``points``: one dict per inspected point (point, submission, checked, passed, failed,
    deductions, score). ``grids`` (supervision grids), ``types`` (point types): groups of
    points, lowest score first. ``units``: per responsible unit of the results
    (``Result.unit``). ``failed_criteria``: ``{"criterion", "count", "points"}``, most
    common first (ties by the standard's order). A fixed number of queries.
    """
    subs = list(
        Submission.objects.filter(round=rnd)
        .select_related("point__point_type", "point__supervision_grid", "inspector")
        .order_by("point__code")
    )
    rows = [
        {
            "point": s.point,
            "submission": s,
            "checked": s.checked,
            "passed": s.passed,
            "failed": s.failed,
            "deductions": s.deductions,
            "score": score(s.passed, s.checked),
        }
        for s in subs
    ]
    grids = _group(
        rows,
        lambda r: (
            r["point"].supervision_grid_id,
            r["point"].supervision_grid.name if r["point"].supervision_grid_id else "—",
        ),
    )
    types = _group(rows, lambda r: (r["point"].point_type_id, r["point"].point_type.name))
    unit_rows = (
        Result.objects.filter(submission__round=rnd, answer__in=("pass", "fail"))
        .values("unit_id", "unit__name")
        .annotate(
            checked=Count("id"),
            passed=Count("id", filter=Q(answer="pass")),
            failed=Count("id", filter=Q(answer="fail")),
            deductions=Sum("criterion__deduction", filter=Q(answer="fail")),
        )
        .order_by("unit__name")
    )
    units = [
        {
            "key": u["unit_id"],
            "label": u["unit__name"] or "—",
            "checked": u["checked"],
            "passed": u["passed"],
            "failed": u["failed"],
            "deductions": u["deductions"] or Decimal(0),
            "score": score(u["passed"], u["checked"]),
        }
        for u in unit_rows
    ]
    units.sort(key=lambda g: (g["score"] if g["score"] is not None else 101, g["label"]))
    failures = Counter()
    where: dict[int, list[str]] = defaultdict(list)
    crits = {}
    for r in (
        Result.objects.filter(submission__round=rnd, answer="fail")
        .select_related("criterion", "submission__point")
        .order_by("criterion__seq", "submission__point__code")
    ):
        failures[r.criterion_id] += 1
        crits[r.criterion_id] = r.criterion
        where[r.criterion_id].append(r.submission.point.name)
    failed_criteria = [
        {"criterion": crits[cid], "count": n, "points": where[cid]}
        for cid, n in sorted(failures.items(), key=lambda kv: (-kv[1], crits[kv[0]].seq, kv[0]))
    ]
    checked = sum(r["checked"] for r in rows)
    passed = sum(r["passed"] for r in rows)
    total = {
        "points_planned": RoundPoint.objects.filter(round=rnd).count(),
        "points_inspected": len(rows),
        "checked": checked,
        "passed": passed,
        "failed": sum(r["failed"] for r in rows),
        "deductions": sum((r["deductions"] for r in rows), Decimal(0)),
        "score": score(passed, checked),
        "far": sum(1 for s in subs if s.far_from_point),
        "cases": Finding.objects.filter(round=rnd).count(),
    }
    return {
        "points": rows,
        "grids": grids,
        "types": types,
        "units": units,
        "total": total,
        "failed_criteria": failed_criteria,
    }


def compare(current: list[dict], previous: list[dict]) -> list[dict]:
    """Add ``previous`` and ``change`` (score points) to each group of ``current`` from the
    group with the same key in ``previous`` (None when absent)."""
    before = {g["key"]: g["score"] for g in previous}
    out = []
    for g in current:
        prev = before.get(g["key"])
        change = (
            round(g["score"] - prev, 2) if g["score"] is not None and prev is not None else None
        )
        out.append({**g, "previous": prev, "change": change})
    return out


def round_report(rnd: InspectionRound) -> dict:
    """:func:`round_scores` of the round, with each grid, type and unit compared with the
    previous round (:func:`previous_round`); adds ``"previous_round"`` and
    ``"previous_total"``."""
    now = round_scores(rnd)
    prev_round = previous_round(rnd)
    prev = round_scores(prev_round) if prev_round else None
    for key in ("grids", "types", "units"):
        now[key] = compare(now[key], prev[key] if prev else [])
    now["previous_round"] = prev_round
    now["previous_total"] = prev["total"] if prev else None
    return now


def submission_detail(user, submission_id) -> Submission:
    """A checklist visible to the user (its round visible, or a unit handler whose unit is
    responsible for one of its results); 404 otherwise."""
    scope = _scope(user)
    qs = Submission.objects.select_related("round", "point__point_type", "inspector")
    cond = Q(round__in=rounds_visible_to(scope))
    if scope.unit_ids:
        cond |= Q(results__unit_id__in=scope.unit_ids)
    try:
        return qs.filter(cond).distinct().get(pk=submission_id)
    except (Submission.DoesNotExist, ValueError, TypeError):
        raise NotFound("submission") from None


def case_finding(user, case_id) -> Finding:
    """The finding (failed result of a checklist) that opened case ``case_id``, when the user
    may read that checklist (see :func:`submission_detail`); NotFound otherwise, also for a
    case not opened by an inspection."""
    try:
        found = Finding.objects.select_related("result").get(case_id=case_id)
    except (Finding.DoesNotExist, ValueError, TypeError):
        raise NotFound("finding") from None
    submission_detail(user, found.result.submission_id)
    return found


def submission_results(sub: Submission) -> list[Result]:
    """The results of a checklist with criterion, unit and finding's case loaded."""
    return list(
        sub.results.select_related("criterion__item__parent", "unit", "finding__case").order_by(
            "criterion__seq", "criterion_id"
        )
    )


def unit_results(user, *, limit: int = 200) -> list[Result]:
    """Results of the criteria the user's units are responsible for, newest first (what a
    unit handler sees of inspections at its points)."""
    scope = _scope(user)
    if not scope.unit_ids:
        return []
    return list(
        Result.objects.filter(unit_id__in=scope.unit_ids)
        .exclude(answer="na")
        .select_related(
            "criterion", "submission__point", "submission__round", "unit", "finding__case"
        )
        .order_by("-submission__submitted_at", "-id")[:limit]
    )


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def unit_inspection_scores(start: dt.date, end: dt.date) -> dict[int, dict]:
    """Inspection scores per responsible unit, for assessment.

    ``{unit_id: {"checked", "passed", "failed", "score", "result_ids"}}`` over the results
    of checklists submitted from ``start`` to ``end`` (local calendar dates, inclusive).
    A result belongs to the unit responsible for its criterion at its point when it was
    inspected (``Result.unit``, see :func:`wenming.inspections.services.responsible_unit`).
    ``checked``: results answered 符合 or 不符合 (不涉及 is not counted); ``score``:
    ``passed / checked * 100`` rounded to 2 decimals (deductions do not enter it);
    ``result_ids``: the counted result rows, ascending, to explain the score item by item.
    Units without a counted result are absent. One query.
    """
    lo, hi = _day_bounds(start, end)
    out: dict[int, dict] = {}
    for rid, unit_id, answer in (
        Result.objects.filter(
            submission__submitted_at__gte=lo,
            submission__submitted_at__lt=hi,
            unit_id__isnull=False,
            answer__in=(Result.Answer.PASS, Result.Answer.FAIL),
        )
        .order_by("id")
        .values_list("id", "unit_id", "answer")
    ):
        row = out.setdefault(
            unit_id, {"checked": 0, "passed": 0, "failed": 0, "score": 0.0, "result_ids": []}
        )
        row["checked"] += 1
        row["passed" if answer == Result.Answer.PASS else "failed"] += 1
        row["result_ids"].append(rid)
    for row in out.values():
        row["score"] = score(row["passed"], row["checked"])
    return out


def round_progress(round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """round id -> (points planned, points inspected), two queries for all rounds."""
    planned = dict(
        RoundPoint.objects.filter(round_id__in=round_ids)
        .values_list("round_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    done = dict(
        Submission.objects.filter(round_id__in=round_ids)
        .values_list("round_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {rid: (planned.get(rid, 0), done.get(rid, 0)) for rid in round_ids}
