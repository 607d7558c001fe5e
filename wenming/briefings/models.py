"""Models of the briefings app: work information (信息报送) and the numbered work briefing
(工作简报).

- :class:`WorkItem`: a unit's news submission (headline, date, paragraphs, photos), reviewed
  by the office: ``draft → submitted → accepted | returned``; ``returned → submitted`` again;
  ``accepted → published`` when an issue carrying it is published.
- :class:`Series`: a briefing series (name, issuing office) that numbers its issues per year.
- :class:`Issue`: one issue; ``draft`` while the office composes it, ``published`` (immutable)
  once numbered. A correction is a new issue whose ``corrects`` names the published one.
- :class:`Article`: one article of an issue (a snapshot of a work item, a leader's activity
  or an imported article).
- :class:`RecipientList`: a saved 报 or 发 list, reusable across issues.
- :class:`WorkItemEvent` / :class:`IssueEvent`: the audit trail, one row per change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.org.models import Unit


class WorkItem(models.Model):
    """A unit's work information. ``paragraphs``: list of body paragraphs (plain text, in
    order). ``origin``: where it came from when another app offered it (e.g.
    ``campaign.activity:12``), empty when typed. ``return_reason``: the office's comment on
    the last return. ``version`` grows with every change (stale-form check)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("work item", "draft")
        SUBMITTED = "submitted", pgettext_lazy("work item", "submitted")
        RETURNED = "returned", pgettext_lazy("work item", "returned")
        ACCEPTED = "accepted", pgettext_lazy("work item", "accepted")
        PUBLISHED = "published", pgettext_lazy("work item", "published")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="work_items")
    headline = models.CharField(_("headline"), max_length=100)
    date = models.DateField(_("date"))
    paragraphs = models.JSONField(_("paragraphs"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    origin = models.CharField(_("origin"), max_length=100, blank=True)
    return_reason = models.CharField(_("reason for return"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("work information")
        verbose_name_plural = _("work information")
        indexes = [models.Index(fields=["status", "date"], name="workitem_status_date")]

    def __str__(self) -> str:
        return self.headline


class WorkItemPhoto(models.Model):
    """A photo of a work item, cleaned by :func:`wenming.core.photos.process_photos`."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveIntegerField(default=0)
    image = models.ImageField(upload_to="briefings/%Y/%m/")
    thumbnail = models.ImageField(upload_to="briefings/%Y/%m/thumbs/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    original_name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["item_id", "position", "id"]

    def __str__(self) -> str:
        return self.image.name


class WorkItemEvent(models.Model):
    """One change of a work item (audit): ``action`` create, update, submit, accept, return,
    publish; ``data`` what changed (e.g. the office's edits)."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["item_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"


class Series(models.Model):
    """A briefing series: ``name`` (聊城市创建全国文明城市工作简报) and the issuing office
    (聊城市创建全国文明城市工作办公室). Issues are numbered per calendar year from 1."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    office = models.CharField(_("issuing office"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("briefing series")
        verbose_name_plural = _("briefing series")

    def __str__(self) -> str:
        return self.name

    def sequence_name(self, year: int) -> str:
        """The :mod:`wenming.core.sequences` counter of this series' ``year``."""
        return f"briefing:{self.pk}:{year}"


class Issue(models.Model):
    """One issue of a series. ``number`` (第N期) is empty until publication, then unique per
    (series, year). ``toc``: the table of contents (本期要目), list of str. ``report_to`` (报)
    and ``send_to`` (发): the distribution lists as printed. ``copies``: 共印 N 份.
    ``data_section``: the computed figures (see ``services.issue_fill_data``) or None.
    ``imported``: taken in from an old document (``source_name``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("briefing issue", "draft")
        PUBLISHED = "published", pgettext_lazy("briefing issue", "published")

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="issues")
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    date = models.DateField(_("date"))
    office = models.CharField(_("issuing office"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    toc = models.JSONField(_("table of contents"), default=list, blank=True)
    report_to = models.TextField(_("report to"), max_length=2000, blank=True)
    send_to = models.TextField(_("send to"), max_length=2000, blank=True)
    copies = models.PositiveIntegerField(_("copies"), default=0)
    data_section = models.JSONField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    correction_note = models.CharField(_("correction"), max_length=1000, blank=True)
    imported = models.BooleanField(default=False)
    source_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "-number", "-id"]
        verbose_name = _("briefing issue")
        verbose_name_plural = _("briefing issues")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "number"], name="briefing_issue_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(number__isnull=False),
                name="briefing_published_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year} {self.number or '-'}"


class Article(models.Model):
    """One article of an issue, in ``position`` order. ``headline`` may differ from the table
    of contents (an imported briefing keeps both as printed). ``paragraphs``: list of str.
    ``work_item``: the unit's submission it was taken from, if any."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="articles")
    position = models.PositiveIntegerField()
    headline = models.CharField(_("headline"), max_length=100)
    paragraphs = models.JSONField(_("paragraphs"), default=list)
    work_item = models.ForeignKey(
        WorkItem, on_delete=models.PROTECT, null=True, blank=True, related_name="articles"
    )

    class Meta:
        ordering = ["issue_id", "position", "id"]

    def __str__(self) -> str:
        return self.headline


class RecipientList(models.Model):
    """A saved distribution list: ``kind`` report (报) or send (发); ``text`` as printed."""

    class Kind(models.TextChoices):
        REPORT = "report", _("report to")
        SEND = "send", _("send to")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    text = models.TextField(_("recipients"), max_length=2000)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="briefing_recipient_list_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class IssueEvent(models.Model):
    """One change of an issue (audit): create, update, add_items, add_article, move,
    remove, toc, data, publish, import, correct."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["issue_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.action}"
