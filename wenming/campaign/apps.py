"""App config: implementation plans, tasks, evidence and community pairing."""

from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "wenming.campaign"
    label = "campaign"
