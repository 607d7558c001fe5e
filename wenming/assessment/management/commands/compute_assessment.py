"""``manage.py compute_assessment --period 2021-03 [--publish --as USERNAME [--note TEXT]]``.

Prints the period's ranking per unit kind (rank, change, unit, score, grade, list, key
indicators) computed now; ``--group grid|subdistrict|city`` prints the indicators of that
grouping instead. ``--publish`` freezes the ranking through
:func:`wenming.assessment.services.assessment_publish` as the office user ``--as`` (default:
the one active office user, when there is exactly one; a correction needs ``--note``). ``--xlsx FILE``
also writes the ranking as an Excel file.

Periods: ``2021``, ``2021-Q1``, ``2021-03``, ``2021-W10``, ``2021-03-01..2021-03-15``.
Bad arguments and refusals raise ``CommandError`` with the (Chinese) message.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.org.models import Membership

from ...export import write_ranking_xlsx
from ...indicators import compute_indicators
from ...periods import period_of
from ...ranking import compute_ranking
from ...services import assessment_publish


def _pct(v) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


class Command(BaseCommand):
    help = "Compute (and optionally publish) the assessment ranking of a period."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2021, 2021-Q1, 2021-03, 2021-W10 …")
        parser.add_argument(
            "--group", default="unit", choices=["unit", "grid", "subdistrict", "city"]
        )
        parser.add_argument("--publish", action="store_true", help="freeze and publish")
        parser.add_argument("--as", dest="username", help="office user who publishes")
        parser.add_argument("--note", default="", help="note (required for a correction)")
        parser.add_argument("--xlsx", help="also write the ranking to this .xlsx file")

    def handle(self, *args, period, group, publish, username, note, xlsx, **opts):
        translation.activate("zh-hans")
        try:
            p = period_of(period)
            if group != "unit":
                self._print_indicators(p, group)
                return
            ranking = compute_ranking(p)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self._print_ranking(ranking)
        if xlsx:
            with open(xlsx, "wb") as out:
                write_ranking_xlsx(out, ranking)
            self.stdout.write(f"xlsx: {xlsx}")
        if publish:
            user = self._publisher(username)
            try:
                pub = assessment_publish(user, p, note=note)
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(
                self.style.SUCCESS(
                    f"published {pub.period_key} version {pub.number} (id {pub.pk}), "
                    f"{pub.rows.count()} units"
                )
            )

    def _publisher(self, username):
        """The ``--as`` user, or the one active office user when there is exactly one."""
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(_("Unknown user %(name)s.") % {"name": username[:40]})
            return user
        office = list(users.filter(memberships__role=Membership.Role.OFFICE).distinct()[:2])
        if len(office) != 1:
            raise CommandError(_("Say which office user publishes: --as USERNAME."))
        return office[0]

    def _print_ranking(self, ranking) -> None:
        p = ranking.period
        self.stdout.write(f"{p.key} {p.label} {p.start}..{p.end}")
        c = ranking.city
        self.stdout.write(
            f"city: report {c.report} register {c.register} dispatch {c.dispatch} "
            f"archive {c.archive} in_time_archive_rate {_pct(c.in_time_archive_rate)} "
            f"escalation {c.escalation}"
        )
        for kind, rows in ranking.tables.items():
            self.stdout.write(f"== {kind}")
            without = [u for u in rows if u.score.score is None]
            for u in rows:
                if u.score.score is None:
                    continue
                change = "" if u.change is None else f"{u.change:+d}"
                score = "—" if u.score.score is None else f"{u.score.score:.2f}"
                self.stdout.write(
                    f"{u.rank or '—':>4} {change:>4} {u.name} {score} {u.score.grade} "
                    f"{u.board} dispatch={u.row.dispatch} "
                    f"in_time_archive_rate={_pct(u.row.in_time_archive_rate)} "
                    f"escalation={u.row.escalation}"
                )
            if without:
                self.stdout.write(f"     ({len(without)} units without data, not ranked)")

    def _print_indicators(self, p, group) -> None:
        self.stdout.write(f"{p.key} {p.label} {p.start}..{p.end} ({group})")
        for r in compute_indicators(p.start, p.end, group_by=group):
            self.stdout.write(
                f"{r.name}: report={r.report} register={r.register} dispatch={r.dispatch} "
                f"dispose={r.dispose} archive={r.archive} "
                f"dispose_rate={_pct(r.dispose_rate)} in_time_archive_rate="
                f"{_pct(r.in_time_archive_rate)} overtime_to_dispose={r.overtime_to_dispose} "
                f"escalation={r.escalation} recurring={r.recurring}"
            )
