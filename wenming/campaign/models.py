"""Models of the campaign app: implementation plans, tasks, evidence and community pairing.

- :class:`Plan` (实施方案) with a period of whole years and its evaluation dates
  (:class:`EvaluationDate`), broken down into :class:`Task` rows (创建任务): a lead unit,
  cooperating units, the criteria of the evaluation standard it serves, a frequency and what
  counts as evidence.
- :class:`Occurrence`: one due instance of a task (once, each month, each quarter, before each
  evaluation), with the unit's progress report and the office's review.
- :class:`Evidence` (佐证材料): a file uploaded against an occurrence.
- :class:`UnitPlan` (a unit's own annual plan) with its :class:`LeadingGroupMember` rows.
- :class:`Pairing` (帮扶社区), :class:`Activity` and :class:`ActivityPhoto`,
  :class:`Registration` (双报到 counts).
- :class:`CampaignEvent`: the audit row every service writes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.geo.models import Region
from wenming.org.models import Unit


class Plan(models.Model):
    """An implementation plan (实施方案), e.g. 《2021年-2023年创建全国文明城市实施方案》.

    ``start_year``..``end_year`` (inclusive) bound every task's occurrences."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-start_year", "id"]
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")

    def __str__(self) -> str:
        return self.title


class EvaluationDate(models.Model):
    """A date of an evaluation (测评) within the plan's period; tasks of frequency
    ``before_evaluation`` fall due a number of days before each."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="evaluations")
    name = models.CharField(_("name"), max_length=100)
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "date"], name="campaign_evaluation_date")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.date}"


class Frequency(models.TextChoices):
    ONCE = "once", _("once")
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    BEFORE_EVALUATION = "before_evaluation", _("before each evaluation")


class EvidenceKind(models.TextChoices):
    DOCUMENTS = "documents", _("documents")
    PHOTOS = "photos", _("photos")
    FIGURES = "figures", _("figures")


class Task(models.Model):
    """A task (创建任务) of a plan.

    Schedule by ``frequency``: ``once`` falls due on ``deadline``; ``monthly`` on day
    ``due_day`` of each month (clipped to the month's last day; empty = last day);
    ``quarterly`` on day ``due_day`` of each quarter's last month; ``before_evaluation``
    ``due_day`` calendar days before each of the plan's evaluation dates (0 = on the day).
    A date on a weekend or holiday moves to the next working day (see ``services``).
    ``evidence_kinds``: list of :class:`EvidenceKind` values."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    code = models.CharField(_("number"), max_length=32)
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("content"), blank=True)
    lead_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="campaign_tasks_led")
    cooperating_units = models.ManyToManyField(
        Unit, blank=True, related_name="campaign_tasks_cooperating"
    )
    criteria = models.ManyToManyField(
        "inspections.Criterion", blank=True, related_name="campaign_tasks"
    )
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    due_day = models.PositiveSmallIntegerField(_("due day"), null=True, blank=True)
    evidence_kinds = models.JSONField(_("evidence"), default=list, blank=True)
    evidence_note = models.CharField(_("what counts as evidence"), max_length=500, blank=True)
    seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "seq", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="campaign_task_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def evidence_kind_labels(self) -> list[str]:
        """The translated names of ``evidence_kinds``, for display."""
        return [EvidenceKind(k).label for k in self.evidence_kinds if k in EvidenceKind.values]


class Occurrence(models.Model):
    """One due instance of a task for its lead unit.

    ``key`` names the period (``once``, ``2021-03``, ``2021Q1``, ``eval-<id>``) and is unique
    per task, which makes generation idempotent. ``nominal_due`` is the date the schedule
    gives, ``due`` that date moved to the next working day. Status: open → submitted →
    accepted, or submitted → returned → submitted … Overdue is derived: open or returned and
    ``due`` before today. ``completed_at`` is the time of the submission the office accepted."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("occurrence", "open")
        SUBMITTED = "submitted", pgettext_lazy("occurrence", "submitted")
        RETURNED = "returned", pgettext_lazy("occurrence", "returned")
        ACCEPTED = "accepted", pgettext_lazy("occurrence", "accepted")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="occurrences")
    key = models.CharField(max_length=32)
    label = models.CharField(pgettext_lazy("occurrence", "period"), max_length=64)
    nominal_due = models.DateField()
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default="open")
    progress = models.TextField(_("progress"), blank=True)
    figures = models.CharField(_("figures"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "key"], name="campaign_occurrence_key")
        ]
        indexes = [models.Index(fields=["due", "status"])]

    def __str__(self) -> str:
        return f"{self.task.code} {self.label}"


class Evidence(models.Model):
    """A file proving an occurrence (佐证材料). ``format``: ``pdf``, ``docx``, ``xlsx``,
    ``jpeg`` or ``png`` (sniffed from the content). ``size`` in bytes. Status follows the
    review of its occurrence: submitted, then accepted when the occurrence is accepted."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("evidence", "submitted")
        ACCEPTED = "accepted", pgettext_lazy("evidence", "accepted")

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="campaign/evidence/%Y/%m/", max_length=200)
    thumbnail = models.FileField(upload_to="campaign/evidence/%Y/%m/", max_length=200, blank=True)
    format = models.CharField(max_length=8)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default="submitted")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class UnitPlan(models.Model):
    """A unit's own annual plan (e.g. 市审计局2021年度文明创建工作计划): its internal division
    of work, its contact person (联络员), and its leading group (:class:`LeadingGroupMember`)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="campaign_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    division_of_work = models.TextField(_("division of work"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="campaign_unit_plan_unique")
        ]

    def __str__(self) -> str:
        return self.title


class LeadingGroupMember(models.Model):
    """A member of a unit's leading group (领导小组): name, position (职务) and role in the
    group (组长, 副组长, 成员 ...)."""

    plan = models.ForeignKey(UnitPlan, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=100, blank=True)
    role = models.CharField(_("role in the group"), max_length=50)
    seq = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return f"{self.role} {self.name}"


class Pairing(models.Model):
    """A unit paired with a community (帮扶社区), set by the office."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="pairings")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="pairings")
    since = models.DateField(_("since"))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__code", "community__code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "community"], name="campaign_pairing_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.community}"


class Activity(models.Model):
    """An activity of a unit in its paired community. ``hours``: total volunteer hours.
    ``work_item_id``: the briefing work item it was offered as, once offered."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("training")
        VOLUNTEER = "volunteer", _("volunteer service")
        CLEANUP = "cleanup", _("clean-up")
        OTHER = "other", _("other")

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    participants = models.PositiveIntegerField(_("participants"))
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    work_item_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class ActivityPhoto(models.Model):
    """A photo of an activity (through the shared photo pipeline)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="campaign/activities/%Y/%m/")
    thumbnail = models.ImageField(upload_to="campaign/activities/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.image.name


class Registration(models.Model):
    """Party members of a unit registered in a community (双报到), as counted on ``as_of``."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="registrations")
    community = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="registrations")
    members = models.PositiveIntegerField(_("party members"))
    as_of = models.DateField(_("as of"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit__code", "community__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "community"], name="campaign_registration_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.community} {self.members}"


class CampaignEvent(models.Model):
    """The audit row of every campaign write: who did what to which object, when.
    ``object_type`` is the model name (``plan``, ``task``, ``occurrence`` ...)."""

    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=20)
    object_id = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
