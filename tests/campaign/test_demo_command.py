"""load_campaign_demo: the briefing's story as demo data, idempotent."""

import pytest
from django.core.management import CommandError, call_command

from wenming.campaign.models import Pairing, Plan, Registration, UnitPlan

pytestmark = pytest.mark.django_db


def test_loads_and_is_idempotent(cast, criteria, briefing_units, capsys):
    call_command("load_campaign_demo")
    call_command("load_campaign_demo")
    assert Plan.objects.get().tasks.count() == 8
    plan = UnitPlan.objects.get()
    assert plan.title == "市审计局2021年度文明创建工作计划" and plan.members.count() == 3
    assert sorted(Pairing.objects.values_list("unit__name", "community__code")) == [
        ("市审计局", "371502001004"),
        ("市工业行业服务中心", "371502001001"),
    ]
    assert Registration.objects.count() == 2
    assert "8 tasks; 2 pairings." in capsys.readouterr().out


def test_needs_the_standard(cast, briefing_units):
    with pytest.raises(CommandError) as e:
        call_command("load_campaign_demo")
    assert "load_inspections_demo" in str(e.value)
    assert Plan.objects.count() == 0
