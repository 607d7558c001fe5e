"""The shipped default scoring scheme (version 1), so that a fresh site can rank at once.

The configuration is a copy of ``wenming.assessment.scoring.DEFAULT_CONFIG`` as of this
migration (a migration must not change when the code's default changes later).
"""

from django.db import migrations
from django.utils import timezone

CONFIG = {
    "weights": {
        "in_time_archive_rate": 40,
        "archive_rate": 20,
        "rework_rate": 10,
        "extension_rate": 5,
        "overtime_rate": 5,
        "inspection_score": 10,
        "task_on_time_rate": 10,
    },
    "penalties": {"escalation_per_100": 0.5, "listed_escalation": 1},
    "penalty_cap": 20,
    "grades": [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]],
    "denominators": {
        "dispose": "dispatch",
        "archive": "dispatch",
        "rework": "dispatch",
        "rework_count": "cases",
        "extension": "dispatch",
    },
    "no_data": "exclude",
    "min_dispatched": 0,
    "board_size": 3,
}


def create(apps, schema_editor):
    Scheme = apps.get_model("assessment", "Scheme")
    SchemeVersion = apps.get_model("assessment", "SchemeVersion")
    if Scheme.objects.exists():
        return
    now = timezone.now()
    scheme = Scheme.objects.create(name="默认考核方案", unit_kind="", created_at=now)
    SchemeVersion.objects.create(
        scheme=scheme,
        number=1,
        config=CONFIG,
        note="默认方案：按期结案率40、结案率20、返工率10、延期率5、超期未处置率5、测评10、任务10",
        created_at=now,
    )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
