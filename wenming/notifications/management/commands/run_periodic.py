"""Run the periodic jobs once, or every N seconds (the embedded default has no beat).

Order: escalate overdue cases, plan missed case events (including the new escalations),
reminders, the daily digest (from WENMING_DIGEST_HOUR, once a day), then due deliveries
(retries and deliveries whose worker died). Each job is idempotent, so this may run beside
Celery beat or twice at once.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run escalation, reminder, digest and delivery jobs once (or every --loop seconds)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, default=None, metavar="SECONDS", help="repeat every SECONDS"
        )

    def handle(self, *args, loop=None, **options):
        if loop is not None and loop <= 0:
            raise CommandError("--loop needs a positive number of seconds.")
        while True:
            counts = run_once()
            if options["verbosity"] >= 1:
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            if loop is None:
                return
            time.sleep(loop)


def run_once() -> dict[str, int]:
    """Run every periodic job once; returns what each did (counts)."""
    from wenming.cases import services as case_services
    from wenming.notifications import services

    return {
        "escalated": len(case_services.cases_escalate_overdue()),
        "planned": services.sweep_outbox(),
        "reminders": services.send_reminders(),
        "digests": services.send_digests(),
        "delivered": services.deliver_due(),
    }
