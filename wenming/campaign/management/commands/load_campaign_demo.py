"""``manage.py load_campaign_demo``: campaign data for the demo, after ``load_demo`` and
``load_inspections_demo``. Idempotent and deterministic.

What it loads, after the briefing (工作简报 2021 第6期): the example plan
(``wenming/campaign/data/example_plan.xlsx``) **moved to the current period** — the shipped
file keeps the source's 2021–2023; the demo imports a copy whose years, evaluation dates and
one-off deadlines are shifted so the plan runs three years from January of the current year
(Asia/Shanghai), titled “…（示例，按当前年份）” — with its occurrences; a plausible history
of the months already past (see :func:`simulate_history`); 市审计局's annual plan for the
current year with a leading group and a contact person (the names are made up); pairings
市审计局 → 铁塔社区 and 市工业行业服务中心 → 古城社区; the example 双报到 counts. Everything
goes through the services, as the demo ``office`` account and the lead units' handlers.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
from datetime import date, datetime, time, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from wenming.campaign import services
from wenming.campaign.management.commands.import_tasks import report
from wenming.campaign.models import Occurrence, Pairing
from wenming.core.errors import ApplicationError
from wenming.geo.models import Region
from wenming.org.models import Membership, Unit

DATA = settings.BASE_DIR / "wenming" / "campaign" / "data"
PLAN_YEARS = 3
SHIFT_MARK = "（示例，按当前年份）"

AUDIT_PLAN = {
    "division_of_work": (
        "办公室：统筹协调、材料申报和信息报送；\n"
        "机关党委：帮扶社区、党员双报到和志愿服务；\n"
        "各业务科室：按照分工落实本科室创建任务。"
    ),
    "contact_name": "王某（演示）",
    "contact_phone": "0635-0000000",
    "members": [
        {"name": "局长（演示）", "position": "党组书记、局长", "role": "组长"},
        {"name": "副局长（演示）", "position": "党组成员、副局长", "role": "副组长"},
        {"name": "主任（演示）", "position": "办公室主任", "role": "成员"},
    ],
}

PAIRS = [("市审计局", "371502001004"), ("市工业行业服务中心", "371502001001")]

#: A minimal, well-formed PDF used as the evidence of simulated reports.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


#: The outcomes the past reportable occurrences take in turn (see :func:`simulate_history`).
OUTCOMES = (
    "on_time",
    "on_time",
    "late",
    "on_time",
    "returned",
    "on_time",
    "missing",
    "late",
    "on_time",
    "submitted",
)


def _shift_date(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February into a common year
        return d.replace(year=d.year + years, day=28)


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def shifted_plan(first_year: int) -> bytes:
    """The shipped example workbook moved to ``first_year`` .. ``first_year + 2``: the
    plan's years and title (``2021年-2023年`` → the new years, ``（示例）`` →
    :data:`SHIFT_MARK`), the evaluations' names and dates, and one-off deadlines all move by
    the same number of years. Returns the .xlsx bytes (the shipped file is not changed)."""
    from openpyxl import load_workbook

    wb = load_workbook(DATA / "example_plan.xlsx")
    rows = {ws_row[0].value: ws_row[1] for ws_row in wb["方案"].iter_rows(min_row=1)}
    start, end = int(rows["起始年份"].value), int(rows["结束年份"].value)
    offset = first_year - start
    rows["起始年份"].value = first_year
    rows["结束年份"].value = first_year + PLAN_YEARS - 1
    title = str(rows["方案名称"].value).replace(
        f"{start}年-{end}年", f"{first_year}年-{first_year + PLAN_YEARS - 1}年"
    )
    rows["方案名称"].value = title.replace("（示例）", SHIFT_MARK)

    def years_in(text: str) -> str:
        return re.sub(r"(\d{4})年", lambda m: f"{int(m[1]) + offset}年", text)

    for name_cell, date_cell in wb["测评安排"].iter_rows(min_row=2, max_col=2):
        if name_cell.value:
            name_cell.value = years_in(str(name_cell.value))
        if (d := _as_date(date_cell.value)) is not None:
            date_cell.value = _shift_date(d, offset)
    ws = wb["任务分解"]
    header = [c.value for c in ws[1]]
    column = header.index("完成时限")
    for row in ws.iter_rows(min_row=2):
        if (d := _as_date(row[column].value)) is not None:
            row[column].value = _shift_date(d, offset)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@contextlib.contextmanager
def _clock(at: datetime):
    """Run the services as if ``timezone.now()`` were ``at`` (the demo's back-dated
    history: timestamps and audit rows then agree)."""
    with mock.patch.object(timezone, "now", lambda: at):
        yield


def _local(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour, 0), tzinfo=timezone.get_default_timezone())


def simulate_history(office, plan, now: datetime) -> dict[str, int]:
    """Give the past occurrences of ``plan`` a plausible history, through the services.

    Only tasks whose lead unit has an active handler account (the first by id) are
    reported; the others' past occurrences stay open (missing, overdue). The past
    occurrences (due at least 3 days before ``now``'s local date), in due-date order, take
    the outcomes of :data:`OUTCOMES` in turn (position modulo its length, so the same
    occurrence always gets the same outcome: half reported on time and accepted, some late
    and accepted, some returned, one awaiting review, one missing); the number of days early
    or late comes from a generator seeded with the plan's title, the task's number and the
    occurrence key. A simulated moment that would fall after ``now`` makes the occurrence
    missing instead. Occurrences already submitted once, or not open, are never touched
    again, so a second run does
    nothing. Returns counts by outcome."""
    today = timezone.localtime(now).date()
    counts = {"on_time": 0, "late": 0, "returned": 0, "submitted": 0}
    handlers: dict[int, object] = {}
    for m in (
        Membership.objects.filter(role=Membership.Role.UNIT_HANDLER, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        handlers.setdefault(m.unit_id, m.user)
    past = (
        Occurrence.objects.filter(
            task__plan=plan,
            task__lead_unit_id__in=list(handlers),
            due__lte=today - timedelta(days=3),
        )
        .select_related("task")
        .order_by("due", "task__seq", "key")
    )
    for position, occ in enumerate(past):
        outcome = OUTCOMES[position % len(OUTCOMES)]
        if (
            outcome == "missing"
            or occ.status != Occurrence.Status.OPEN
            or occ.submitted_at is not None
        ):
            continue
        task = occ.task
        rng = random.Random(f"{plan.title}|{task.code}|{occ.key}")
        if outcome == "late":
            submitted = _local(occ.due + timedelta(days=rng.randint(2, 12)), 16)
        else:
            submitted = _local(occ.due - timedelta(days=rng.randint(0, 4)), 16)
        reviewed = submitted + timedelta(days=1, hours=-6)
        if reviewed >= now:
            continue
        kinds = task.evidence_kinds or []
        with _clock(submitted):
            occ = services.occurrence_submit(
                handlers[task.lead_unit_id],
                occ.pk,
                progress=f"{occ.label}：已按要求完成本期工作（演示数据）。",
                figures="完成率100%（演示）" if "figures" in kinds else "",
                files=[] if kinds == ["figures"] else [ContentFile(DEMO_PDF, name="工作台账.pdf")],
            )
        if outcome != "submitted":
            with _clock(reviewed):
                services.occurrence_review(
                    office,
                    occ.pk,
                    decision="return" if outcome == "returned" else "accept",
                    note="佐证材料不全，请补充现场照片（演示）。" if outcome == "returned" else "",
                )
        counts[outcome] += 1
    return counts


class Command(BaseCommand):
    help = "Load campaign demo data (plan for the current period, annual plan, pairings, 双报到)."

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        office = get_user_model().objects.filter(username="office", is_active=True).first()
        if office is None:
            raise CommandError("Run load_demo first (no demo office account).")
        now = timezone.now()
        year = timezone.localtime(now).year
        try:
            result = services.plan_import(office, shifted_plan(year))
            history = simulate_history(office, result.plan, now)
            audit = Unit.objects.get(name="市审计局")
            services.unit_plan_save(
                office,
                unit_id=audit.pk,
                year=year,
                title=f"市审计局{year}年度文明创建工作计划",
                **AUDIT_PLAN,
            )
            for unit_name, community_code in PAIRS:
                unit = Unit.objects.get(name=unit_name)
                community = Region.objects.get(code=community_code)
                if not Pairing.objects.filter(unit=unit, community=community).exists():
                    services.pairing_create(
                        office, unit_id=unit.pk, community_id=community.pk, since="2021-03-03"
                    )
            services.registrations_import(office, str(DATA / "example_registrations.xlsx"))
        except ApplicationError as e:
            raise CommandError(
                report(e) + "\n(load_demo and load_inspections_demo must run first.)"
            ) from None
        except (Unit.DoesNotExist, Region.DoesNotExist) as e:
            raise CommandError(f"{e} (load_demo must run first.)") from None
        reports = sum(history.values())
        self.stdout.write(
            f"{result.plan.title}: {result.plan.tasks.count()} tasks; "
            f"{Pairing.objects.count()} pairings; "
            + (
                "simulated reports: {on_time} on time, {late} late, {returned} returned, "
                "{submitted} awaiting review.".format(**history)
                if reports
                else "no new simulated reports (already loaded)."
            )
        )
