"""``manage.py import_briefing FILE.txt|FILE.docx``: take in an old briefing as a published
issue (series, number, issuing office, date, table of contents, articles, 报, 发, copies).

A file that is not a briefing is refused with the missing parts named; nothing is written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.briefings import services
from wenming.briefings.parse import parse_file
from wenming.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Import an old work briefing (.txt extracted from print, or .docx)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of a .txt or .docx briefing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            parsed = parse_file(path.name, data)
            issue = services.issue_import(None, parsed, source_name=path.name)
        except ApplicationError as exc:
            raise CommandError(f"{path}: {exc.message}") from exc
        self.stdout.write(
            f"{issue.series.name} {issue.year} no. {issue.number} of {issue.date:%Y-%m-%d}: "
            f"{issue.articles.count()} articles, {issue.copies} copies (issue id {issue.pk})"
        )
