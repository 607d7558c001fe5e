"""``manage.py import_tasks FILE.xlsx [--as USERNAME]``: load an implementation plan's task
breakdown (任务分解表) from the spreadsheet offices keep.

The workbook's format (sheets 方案, 测评安排, 任务分解 and their columns) is documented in
:mod:`wenming.campaign.imports`; an example is ``wenming/campaign/data/example_plan.xlsx``.
All or nothing: on any problem the validation report (sheet, row, column, what is wrong, in
the site language) is printed, nothing is written and the command fails. Without ``--as``
the import runs as the system; with ``--as`` as that office user.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.campaign import services
from wenming.core.errors import ApplicationError


def report(error: ApplicationError) -> str:
    """The validation report as text: one line per problem."""
    lines = [error.message]
    for p in error.detail.get("errors", []):
        where = _("sheet %(sheet)s, row %(row)s, column %(column)s") % {
            "sheet": p["sheet"],
            "row": p["row"] if p["row"] is not None else "-",
            "column": p["column"] or "-",
        }
        lines.append(f"  {where}: {p['message']}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Import an implementation plan's task breakdown (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the workbook (.xlsx)")
        parser.add_argument("--as", dest="username", help="run as this office user")

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        user = None
        if options["username"]:
            user = (
                get_user_model()
                .objects.filter(username=options["username"], is_active=True)
                .first()
            )
            if user is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["username"]})
        try:
            with open(options["file"], "rb") as fh:
                result = services.plan_import(user, fh)
        except OSError as e:
            raise CommandError(str(e)) from None
        except ApplicationError as e:
            raise CommandError(report(e)) from None
        self.stdout.write(
            _(
                "%(plan)s: %(created)d tasks created, %(updated)d updated; occurrences: "
                "%(occ_created)d created, %(occ_updated)d moved, %(occ_removed)d removed."
            )
            % {
                "plan": result.plan.title,
                "created": result.tasks_created,
                "updated": result.tasks_updated,
                "occ_created": result.occurrences["created"],
                "occ_updated": result.occurrences["updated"],
                "occ_removed": result.occurrences["removed"],
            }
        )
