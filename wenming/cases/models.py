"""The problem ledger (问题台账): cases, their events, photos and extension requests.

State changes happen only in :mod:`wenming.cases.services`; see the state table there.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.geo.models import Grid, Region, SupervisionGrid
from wenming.org.models import Unit
from wenming.taxonomy.models import Category


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")
    DISPATCHED = "dispatched", _("dispatched")
    ACCEPTED = "accepted", _("rectifying")
    SUBMITTED = "submitted", _("awaiting verification")
    CLOSED = "closed", _("closed")
    RETURNED = "returned", _("returned")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")


class Source(models.TextChoices):
    INSPECTION = "inspection", _("inspection")
    PUBLIC = "public", _("citizen report")
    HOTLINE = "hotline", _("12345 hotline")
    LEADER = "leader", _("assigned by leader")
    MEDIA = "media", _("media exposure")
    EVALUATION = "evaluation", _("evaluation feedback")
    OFFICE = "office", _("campaign office")


# Statuses in which the responsible unit holds the case and its deadline runs.
UNIT_HOLDS = (Status.DISPATCHED, Status.ACCEPTED)
# Statuses that end a case.
FINAL = (Status.CLOSED, Status.REJECTED, Status.MERGED)


class Case(models.Model):
    """One problem on the ledger.

    Location is WGS-84 degrees (``lat``, ``lon``). Region fields are filled by routing from
    the location at report time. ``deadline`` is set at dispatch from the category's rule in
    working time and changed only by an approved extension. ``rectified_on_time`` (last
    submission before the deadline) and ``closed_on_time`` (closed before the deadline) are
    stored when the case closes. ``version`` increases with every transition.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REPORTED
    )

    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subdistrict = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True)
    supervision_grid = models.ForeignKey(
        SupervisionGrid, on_delete=models.PROTECT, null=True, blank=True
    )
    near_boundary = models.BooleanField(_("near a boundary"), default=False)
    routing_note = models.CharField(_("routing note"), max_length=300, blank=True)

    proposed_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    reported_at = models.DateTimeField(_("reported at"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    deadline_warning = models.CharField(_("deadline warning"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rectified_on_time = models.BooleanField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True, blank=True)
    rework_count = models.PositiveIntegerField(default=0)
    extension_count = models.PositiveIntegerField(default=0)
    # Highest supervision level issued (0 none, 1 督办, 2 挂牌督办); see Escalation.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )
    # Recurrence (顽疾): the same problem again at the same place; see cases.services.
    recurring = models.BooleanField(_("recurring"), default=False)
    recurrence_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="recurrences"
    )
    recurrence_reason = models.CharField(_("recurrence reason"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "subdistrict", "deadline", "id"], name="case_st_sub_dl"),
            models.Index(fields=["status", "deadline", "id"], name="case_st_dl"),
            models.Index(fields=["unit", "status", "deadline", "id"], name="case_unit_st_dl"),
            models.Index(fields=["reported_at", "id"], name="case_reported"),
            models.Index(fields=["community", "status"], name="case_comm_st"),
            models.Index(fields=["county", "status"], name="case_county_st"),
            models.Index(fields=["category", "status"], name="case_cat_st"),
            # The recurrence rule (same category, 50 m, 30 days; cases.services) and the
            # citizen's nearby-duplicates offer, on every report: the latitude band of the
            # search box is a range of this index, longitude and date are checked in it, so
            # only the rows inside the box are read. By category and date alone, a busy
            # category's whole month was read on every report (bench/open311.py).
            models.Index(fields=["category", "lat", "lon", "reported_at"], name="case_cat_place"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One step in a case's timeline; also the outbox that notifications read.

    ``seq`` orders the events of one case (1, 2, …), unique per case: timestamps alone can
    tie. ``data`` holds the action's parameters (unit id, deadline, reason …).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(max_length=2000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique")
        ]
        indexes = [models.Index(fields=["at", "id"], name="case_event_at")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class CasePhoto(models.Model):
    """A photo attached to a case at one step (before: reported; after: submitted)."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("before")
        AFTER = "after", _("after")
        OTHER = "other", _("other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    image = models.ImageField(upload_to="cases/%Y/%m/")
    thumbnail = models.ImageField(upload_to="cases/%Y/%m/thumbs/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.image.name}"


class ExtensionRequest(models.Model):
    """A unit's request for more time (延期申请), decided by the office."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("extension request", "pending")
        APPROVED = "approved", _("approved")
        DENIED = "denied", _("denied")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    requested_deadline = models.DateTimeField()
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=2000, blank=True)
    previous_deadline = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="one_pending_extension_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status} {self.requested_deadline}"


class Escalation(models.Model):
    """A supervision notice (督办单) issued on a case the unit holds (督办).

    Level 1 is 督办 (issued by rule when the case becomes overdue, or by the office), level 2
    挂牌督办 (listed supervision: by rule when the case is still overdue
    ``WENMING_ESCALATE_LEVEL2_WORKING_DAYS`` working days after level 1, or by the office).
    At most one notice per case, unit and level (unique constraint), so two workers running
    the periodic job at once never issue two; a case the first unit returned and the office
    sent to another unit starts again at level 1 for the new unit (each unit answers for its
    own delay). ``number`` is ``"<year>-<serial>"`` from the gapless
    counter ``escalation:<year>`` (shown on paper as ``〔2021〕3号``). ``unit`` and
    ``deadline`` are the responsible unit and the case deadline when the notice was issued;
    ``respond_by`` is the time by which the unit must report back. Assessment counts these
    rows per unit and period. Written only by :mod:`wenming.cases.services`.
    """

    class Level(models.IntegerChoices):
        SUPERVISE = 1, _("supervision")
        LISTED = 2, _("listed supervision")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    year = models.PositiveIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial number"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="escalations")
    deadline = models.DateTimeField(_("case deadline"), null=True, blank=True)
    respond_by = models.DateTimeField(_("respond by"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    auto = models.BooleanField(_("issued by rule"), default=False)
    reason = models.TextField(_("reason"), max_length=2000)
    requirements = models.TextField(_("requirements"), max_length=2000)
    event = models.OneToOneField(
        CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="escalation"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit", "level"], name="escalation_case_unit_level_unique"
            ),
            models.UniqueConstraint(
                fields=["year", "serial"], name="escalation_year_serial_unique"
            ),
        ]
        indexes = [models.Index(fields=["unit", "issued_at"], name="escalation_unit_issued")]

    def __str__(self) -> str:
        return f"{self.number} {self.case_id} L{self.level}"
