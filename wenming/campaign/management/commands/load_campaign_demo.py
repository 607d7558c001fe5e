"""``manage.py load_campaign_demo``: campaign data for the demo, after ``load_demo`` and
``load_inspections_demo``. Idempotent.

What it loads, after the briefing (工作简报 2021 第6期): the example plan
(``wenming/campaign/data/example_plan.xlsx``) with its occurrences; 市审计局's annual plan
《市审计局2021年度文明创建工作计划》 with a leading group and a contact person (the names are
made up); pairings 市审计局 → 铁塔社区 and 市工业行业服务中心 → 古城社区; the example 双报到
counts. Everything goes through the services, as the demo ``office`` account.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from wenming.campaign import services
from wenming.campaign.management.commands.import_tasks import report
from wenming.campaign.models import Pairing
from wenming.core.errors import ApplicationError
from wenming.geo.models import Region
from wenming.org.models import Unit

DATA = settings.BASE_DIR / "wenming" / "campaign" / "data"

AUDIT_PLAN = {
    "title": "市审计局2021年度文明创建工作计划",
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


class Command(BaseCommand):
    help = "Load campaign demo data (plan, annual plan, pairings, 双报到)."

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        office = get_user_model().objects.filter(username="office", is_active=True).first()
        if office is None:
            raise CommandError("Run load_demo first (no demo office account).")
        try:
            result = services.plan_import(office, str(DATA / "example_plan.xlsx"))
            audit = Unit.objects.get(name="市审计局")
            services.unit_plan_save(office, unit_id=audit.pk, year=2021, **AUDIT_PLAN)
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
        self.stdout.write(
            f"{result.plan.title}: {result.plan.tasks.count()} tasks; "
            f"{Pairing.objects.count()} pairings."
        )
