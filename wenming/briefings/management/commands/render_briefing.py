"""``manage.py render_briefing --series S --year Y --number N --out F.docx``: write a
published issue as DOCX (``--series``: the series' name or id)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from wenming.briefings.documents import issue_docx
from wenming.briefings.models import Issue


class Command(BaseCommand):
    help = "Render a published briefing issue to DOCX."

    def add_arguments(self, parser):
        parser.add_argument("--series", required=True, help="series name or id")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--number", type=int, required=True)
        parser.add_argument("--out", required=True, help="output .docx path")

    def handle(self, *args, **options):
        series = options["series"]
        match = Q(series__name=series) | (Q(series_id=int(series)) if series.isdigit() else Q())
        issue = (
            Issue.objects.filter(match, year=options["year"], number=options["number"])
            .select_related("series")
            .prefetch_related("articles__work_item__photos")
            .first()
        )
        if issue is None:
            raise CommandError(
                f"no issue {options['number']} of {options['year']} in series {series!r}"
            )
        out = Path(options["out"])
        try:
            out.write_bytes(issue_docx(issue))
        except OSError as exc:
            raise CommandError(f"{out}: {exc.strerror}") from exc
        self.stdout.write(f"{out} ({out.stat().st_size} bytes)")
