"""``manage.py load_briefings_demo``: the demo briefing series, after ``load_demo``.

Creates the series 聊城市创建全国文明城市工作简报 (issued by 聊城市创建全国文明城市工作办公室)
and its usual 报 and 发 lists as reusable templates, as printed in 工作简报 2021 第6期
(``wenming/briefings/data/demo_series.json``, source in ``SOURCES.md`` there), so the demo
``office`` account can compose an issue at once. Everything goes through the services, as the
demo ``office`` account. Idempotent: an existing series is left as it is, the lists are saved
by name (overwritten with the shipped text).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from wenming.briefings import services
from wenming.briefings.models import Series
from wenming.core.errors import ApplicationError

DATA = settings.BASE_DIR / "wenming" / "briefings" / "data" / "demo_series.json"


def load(office) -> tuple[Series, bool, int]:
    """Load the demo series and lists as ``office``. Returns (series, created, lists saved).
    Raises ApplicationError from the services (403 when ``office`` is not the office)."""
    spec = json.loads(DATA.read_text(encoding="utf-8"))
    created = False
    series = Series.objects.filter(name=spec["series"]["name"]).first()
    if series is None:
        series = services.series_create(office, **spec["series"])
        created = True
    for row in spec["recipient_lists"]:
        services.recipient_list_save(office, kind=row["kind"], name=row["name"], text=row["text"])
    return series, created, len(spec["recipient_lists"])


class Command(BaseCommand):
    help = "Load the demo briefing series and its 报/发 lists (after load_demo)."

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        office = get_user_model().objects.filter(username="office", is_active=True).first()
        if office is None:
            raise CommandError("Run load_demo first (no demo office account).")
        try:
            series, created, lists = load(office)
        except ApplicationError as e:
            raise CommandError(e.message) from None
        state = "created" if created else "exists already"
        self.stdout.write(f"{series.name} ({series.office}): {state}; {lists} 报/发 lists saved.")
