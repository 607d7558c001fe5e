"""``manage.py import_registrations FILE.xlsx``: load 双报到 counts (party members of each unit
registered in each community). Columns 单位 | 社区 | 报到党员人数 | 统计日期 (see
:mod:`wenming.campaign.imports`). All or nothing; the validation report is printed on failure.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.campaign import services
from wenming.campaign.management.commands.import_tasks import report
from wenming.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Import party members' community registrations (双报到) as counts (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the workbook (.xlsx)")

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        try:
            with open(options["file"], "rb") as fh:
                count = services.registrations_import(None, fh)
        except OSError as e:
            raise CommandError(str(e)) from None
        except ApplicationError as e:
            raise CommandError(report(e)) from None
        self.stdout.write(_("%(count)d rows imported.") % {"count": count})
