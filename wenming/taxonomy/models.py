"""Problem categories (问题类别): a tree of 部件/事件 classes and 创城 problems."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A problem category with its deadline rule and legal basis.

    ``deadline_amount`` with ``deadline_unit`` is the disposal time limit (处置时限) counted
    from dispatch: working hours (工作时) within office hours, or working days (工作日).
    A category without a rule inherits its parent's; see :func:`wenming.taxonomy.services.deadline_rule`.
    """

    class Kind(models.TextChoices):
        COMPONENT = "component", _("component (部件)")
        EVENT = "event", _("event (事件)")
        CAMPAIGN = "campaign", _("campaign problem (创城)")

    class DeadlineUnit(models.TextChoices):
        WORKING_HOURS = "working_hours", _("working hours")
        WORKING_DAYS = "working_days", _("working days")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    deadline_amount = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    deadline_unit = models.CharField(
        _("time limit unit"), max_length=16, choices=DeadlineUnit.choices, blank=True
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    default_unit_kind = models.CharField(_("default unit kind"), max_length=32, blank=True)
    pinyin_initials = models.CharField(_("pinyin initials"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
