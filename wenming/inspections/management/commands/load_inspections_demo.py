"""``manage.py load_inspections_demo`` (after ``load_demo``): the shipped example standard
(marked as an example), the 54 point types and generated demo points in the demo grids —
among them 东昌路卫育路路口 and 铁塔社区铁塔小区 of 第九网格 for the briefing's supervision
visit. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.inspections.demo import load_demo_points
from wenming.inspections.services import standard_load_example


class Command(BaseCommand):
    help = (
        "Load the example evaluation standard, the point types and demo inspection points "
        "(run after load_demo). Idempotent."
    )

    def handle(self, *args, **options):
        try:
            version = standard_load_example(None)
            created = load_demo_points()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if version is not None:
            self.stdout.write(
                _("Example standard loaded: %(n)d criteria.") % {"n": version.criteria.count()}
            )
        self.stdout.write(_("Demo points: %(n)d created.") % {"n": created})
