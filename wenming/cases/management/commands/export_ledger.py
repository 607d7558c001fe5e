"""``manage.py export_ledger --out F.xlsx [filters] [--as USERNAME]``: the ledger as .xlsx.

Filters (same names and rules as ``GET /api/cases`` and the download view, parsed by
``selectors.parse_ledger_filter``): ``--status S [S ...]`` (repeatable), ``--category CODE``,
``--category-id ID``, ``--unit ID``, ``--region ID``, ``--source S``, ``--overdue yes|no``, ``--from YYYY-MM-DD``,
``--to YYYY-MM-DD`` (reported date, inclusive), ``--sort KEY``.

Scope: without ``--as`` the export covers every case, as the campaign office sees the ledger
(whoever can run management commands on the server can read the database anyway); with
``--as USERNAME`` that (active) user's scope applies, exactly as in the download view.
Headers and labels are in the site language (``settings.LANGUAGE_CODE``, zh-hans).

The file is written next to its final name and moved into place only when complete, so a
failure leaves no half-written file (and an existing file untouched). Bad arguments raise
``CommandError``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.cases import selectors
from wenming.cases.export import write_ledger_xlsx
from wenming.core.errors import ApplicationError
from wenming.org.models import Membership
from wenming.org.scope import Scope

# The whole ledger, as the campaign office sees it (no user: the command's operator).
OFFICE_SCOPE = Scope(
    user_id=0,
    roles=frozenset({Membership.Role.OFFICE}),
    unit_ids=frozenset(),
    region_ids=frozenset(),
)


class Command(BaseCommand):
    help = "Export the problem ledger (问题台账) as an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="output file (.xlsx)")
        parser.add_argument(
            "--status", nargs="+", action="extend", default=[], help="one or more statuses"
        )
        parser.add_argument("--category", help="category code (exact)")
        parser.add_argument("--category-id", help="category id")
        parser.add_argument("--unit", help="responsible unit id")
        parser.add_argument("--region", help="county, subdistrict or community id")
        parser.add_argument("--source", help="source (inspection, public, hotline …)")
        parser.add_argument("--overdue", help="yes or no: currently overdue")
        parser.add_argument("--from", dest="date_from", help="reported on or after YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="reported on or before YYYY-MM-DD")
        parser.add_argument("--sort", help="sort order (default -reported_at)")
        parser.add_argument("--as", dest="as_user", help="export with this user's scope")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(options)

    def _handle(self, options):
        params = {
            key: options[key]
            for key in (
                "status",
                "category",
                "category_id",
                "unit",
                "region",
                "source",
                "overdue",
                "sort",
            )
            if options.get(key) not in (None, [])
        }
        for key in ("date_from", "date_to"):
            if options.get(key) is not None:
                params[key] = options[key]
        try:
            f, sort = selectors.parse_ledger_filter(params)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

        scope = OFFICE_SCOPE
        if options.get("as_user"):
            User = get_user_model()
            user = User.objects.filter(
                **{User.USERNAME_FIELD: options["as_user"]}, is_active=True
            ).first()
            if user is None:
                raise CommandError(
                    _("No active user named %(name)s.") % {"name": options["as_user"]}
                )
            scope = user

        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx."))
        if out.is_dir():
            raise CommandError(_("%(path)s is a folder.") % {"path": out})
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise CommandError(_("The folder %(path)s does not exist.") % {"path": folder})

        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as tmp:
                count = write_ledger_xlsx(scope, f, tmp, sort=sort)
            os.replace(tmp_name, out)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        self.stdout.write(_("Wrote %(count)d cases to %(path)s.") % {"count": count, "path": out})
