"""``manage.py import_standard FILE.xlsx|.csv --code C --name N``: import an evaluation
standard (测评体系) as a new version, with a validation report (row, column, what is wrong)
and nothing imported when anything is wrong. Columns: see
:data:`wenming.inspections.services.STANDARD_COLUMNS`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.inspections import services
from wenming.inspections.tables import format_problems, read_table


class Command(BaseCommand):
    help = (
        "Import an evaluation standard (.xlsx or .csv) as a new version; it becomes the "
        "current one unless --not-current. Nothing is imported if any row is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--code", required=True, help="version code, e.g. 2021")
        parser.add_argument("--name", required=True, help="version name")
        parser.add_argument("--example", action="store_true", help="mark as an example")
        parser.add_argument("--source", default="", help="where the standard comes from")
        parser.add_argument("--not-current", action="store_true")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            services.point_types_load(None)
            version = services.standard_import(
                None,
                read_table(path),
                code=options["code"],
                name=options["name"],
                is_example=options["example"],
                source=options["source"],
                imported_from=path.name,
                make_current=not options["not_current"],
            )
        except ApplicationError as exc:
            report = format_problems(exc.detail.get("problems", []))
            raise CommandError(f"{exc.message}\n{report}".rstrip()) from exc
        self.stdout.write(
            _("Imported standard %(code)s: %(items)d items, %(criteria)d criteria.")
            % {
                "code": version.code,
                "items": version.items.count(),
                "criteria": version.criteria.count(),
            }
        )
