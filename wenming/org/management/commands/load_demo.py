"""``manage.py load_demo``: the demo world of the sample city (after ``load_reference``).

Creates, inside the real boundary of 东昌府区 (371502), 12 generated supervision grids
第一网格 … 第十二网格 (G01–G12) cut from the urban core (lon 115.93–116.03, lat 36.41–36.49),
192 generated unit grids assigned to real communities, the responsible units, routing rules and
one account per role (password ``wenming-demo``, set only on creation). Idempotent: a second
run changes nothing and says "nothing changed". Details: :mod:`wenming.org.demo`.

Where to put a test or demo case: ``wenming.org.demo.demo_point(community_code)`` returns a
``(lat, lon)`` inside the community's first unit grid. 铁塔社区居委会 (371502001004) has grids
371502001004-01 (lon 115.99875–116.005, lat 36.45–36.456667) and -02 (lon
115.9925–115.99875) in 第九网格; ``demo_point("371502001004")`` is ``(36.453333, 116.001875)``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.org.demo import DEMO_PASSWORD, format_table, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo world of the sample city after load_reference: 12 generated "
        "supervision grids and 192 unit grids inside 东昌府区, units, routing rules and one "
        f"account per role (password {DEMO_PASSWORD}). 铁塔社区 (371502001004): grid "
        "371502001004-01 in 第九网格, centre lat 36.453333, lon 116.001875 "
        "(wenming.org.demo.demo_point)."
    )

    def handle(self, *args, **options):
        try:
            result = load_demo()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for label, counts in result.counts.items():
            self.stdout.write(
                _("%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                % {
                    "label": label,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
        if result.changed:
            self.stdout.write(_("%(count)d rows changed") % {"count": result.changed})
        else:
            self.stdout.write(_("nothing changed"))
        self.stdout.write("")
        header = (_("username"), _("role"), _("unit/area"), _("password"))
        self.stdout.write(format_table([header, *result.accounts]))
