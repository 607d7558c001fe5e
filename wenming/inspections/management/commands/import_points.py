"""``manage.py import_points FILE.xlsx|.csv``: create or update inspection points (点位),
with a validation report (row, column, what is wrong) and nothing imported when anything is
wrong. Columns: see :data:`wenming.inspections.services.POINT_COLUMNS`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.inspections import services
from wenming.inspections.tables import format_problems, read_table


class Command(BaseCommand):
    help = (
        "Import inspection points (.xlsx or .csv: 点位编码, 点位名称, 点位类型, 纬度, 经度, "
        "坐标系 (optional: WGS-84, GCJ-02 or BD-09), 地址, 责任单位). Nothing is imported if "
        "any row is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            services.point_types_load(None)
            counts = services.points_import(None, read_table(path), source_name=path.name)
        except ApplicationError as exc:
            report = format_problems(exc.detail.get("problems", []))
            raise CommandError(f"{exc.message}\n{report}".rstrip()) from exc
        self.stdout.write(_("Points: %(created)d created, %(updated)d updated.") % counts)
