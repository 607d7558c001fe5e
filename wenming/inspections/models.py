"""Models of the inspections app: evaluation standard, points and inspection rounds.

The standard (测评体系) is a versioned tree: a :class:`StandardVersion` holds
:class:`StandardItem` rows of two levels — 测评项目 (project) and 测评内容 (content) — and the
content items hold :class:`Criterion` rows (测评标准). Each criterion names the point types it
applies to and the problem category a failure is reported under.

Points (点位) are the places inspected. A round (督查轮次) is planned against the version that
was current at planning time; inspectors submit one checklist (:class:`Submission`) per point,
with one :class:`Result` per criterion; each failure becomes a case, linked by a
:class:`Finding`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PointType(models.Model):
    """A kind of inspection point (点位类型): 交通路口, 小区, 集贸市场 ... (54 in the 2018 manual)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    seq = models.PositiveIntegerField(_("order"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["seq", "code"]
        verbose_name = _("point type")
        verbose_name_plural = _("point types")

    def __str__(self) -> str:
        return self.name


class StandardVersion(models.Model):
    """One version of the evaluation standard (测评体系). Exactly one version is current; a
    round keeps the version that was current when it was planned. ``is_example`` marks the
    shipped example, to be replaced by the office's own manual."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_example = models.BooleanField(_("example"), default=False)
    is_current = models.BooleanField(_("current"), default=False)
    source = models.CharField(_("source"), max_length=500, blank=True)
    imported_from = models.CharField(_("imported from"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="inspections_one_current_standard",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StandardItem(models.Model):
    """A node of the standard tree: a 测评项目 (level ``project``, no parent) or a 测评内容
    (level ``content``, parent is a project)."""

    class Level(models.TextChoices):
        PROJECT = "project", _("evaluation project")
        CONTENT = "content", _("evaluation content")

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    seq = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["version", "seq", "id"]
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="inspections_item_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Criterion(models.Model):
    """A criterion (测评标准) of a content item: what the inspector checks at a point.

    ``score`` is what passing earns (points of the standard); ``deduction`` what a failure
    costs, when the manual says so. ``category`` is the problem category of the case a failure
    opens."""

    class Method(models.TextChoices):
        FIELD = "field", _("field inspection")
        DOCUMENTS = "documents", _("document review")
        SURVEY = "survey", _("questionnaire survey")
        ONLINE = "online", _("online declaration")

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="criteria")
    item = models.ForeignKey(StandardItem, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=32)
    text = models.CharField(_("criterion"), max_length=500)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, default=0)
    deduction = models.DecimalField(
        _("deduction"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    point_types = models.ManyToManyField(PointType, blank=True, related_name="criteria")
    category = models.ForeignKey(
        "taxonomy.Category", on_delete=models.PROTECT, related_name="criteria"
    )
    seq = models.PositiveIntegerField(_("order"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["version", "seq", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="inspections_criterion_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Point(models.Model):
    """An inspection point (点位): a place of one point type, located in WGS-84 degrees.

    ``grid`` (unit grid), ``community`` and ``supervision_grid`` come from
    :func:`wenming.geo.locate.locate` at registration. Responsible units are
    :class:`PointUnit` rows: one default unit (category empty) and optionally a unit per
    problem category (e.g. traffic police for traffic order at an intersection)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    point_type = models.ForeignKey(PointType, on_delete=models.PROTECT, related_name="points")
    lat = models.FloatField(_("latitude (WGS-84)"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    grid = models.ForeignKey(
        "geo.Grid", on_delete=models.SET_NULL, null=True, blank=True, related_name="points"
    )
    community = models.ForeignKey(
        "geo.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="points"
    )
    supervision_grid = models.ForeignKey(
        "geo.SupervisionGrid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="points",
    )
    units = models.ManyToManyField(
        "org.Unit", through="PointUnit", related_name="inspection_points", blank=True
    )
    generated = models.BooleanField(_("generated (demo)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("point")
        verbose_name_plural = _("points")
        indexes = [models.Index(fields=["point_type", "supervision_grid"])]

    def __str__(self) -> str:
        return self.name


class PointUnit(models.Model):
    """A unit responsible at a point: for every problem (``category`` empty) or for one
    category and its sub-categories."""

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="point_units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="point_units")
    category = models.ForeignKey(
        "taxonomy.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("responsible unit of a point")
        verbose_name_plural = _("responsible units of points")
        constraints = [
            models.UniqueConstraint(
                fields=["point", "unit", "category"], name="inspections_point_unit"
            ),
            models.UniqueConstraint(
                fields=["point", "unit"],
                condition=models.Q(category__isnull=True),
                name="inspections_point_unit_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_id}:{self.unit_id}:{self.category_id}"


class InspectionRound(models.Model):
    """A round of inspections (督查轮次): planned by the office over supervision grids and/or
    point types, or an ad-hoc supervision visit (督导) led by a leader.

    ``standard_version`` is the version current when the round was planned; later imports do
    not change what this round checks. The points to inspect are :class:`RoundPoint` rows,
    fixed at planning."""

    class Kind(models.TextChoices):
        PLANNED = "planned", _("planned round")
        SUPERVISION = "supervision", _("supervision visit")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        CLOSED = "closed", _("closed")

    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PLANNED
    )
    standard_version = models.ForeignKey(
        StandardVersion, on_delete=models.PROTECT, related_name="rounds"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_inspection_rounds",
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inspection_rounds"
    )
    supervision_grids = models.ManyToManyField("geo.SupervisionGrid", blank=True, related_name="+")
    point_types = models.ManyToManyField(PointType, blank=True, related_name="+")
    points = models.ManyToManyField(Point, through="RoundPoint", related_name="rounds")
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class RoundPoint(models.Model):
    """A point to be inspected in a round (fixed when the round is planned)."""

    round = models.ForeignKey(
        InspectionRound, on_delete=models.CASCADE, related_name="round_points"
    )
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="round_points")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "point"], name="inspections_round_point"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.point_id}"


class Submission(models.Model):
    """One submitted checklist of a point in a round.

    ``uuid`` is generated by the inspector's browser for this checklist: sending it again
    (after a lost connection) returns the stored submission instead of a second one. One
    submission per point and round. ``lat``/``lon`` is the inspector's GPS fix (WGS-84, may be
    missing), ``distance_m`` its distance to the point in metres; ``far_from_point`` is set
    when it exceeds ``WENMING_INSPECTION_MAX_DISTANCE_M`` (flagged, not refused)."""

    uuid = models.UUIDField(_("submission id"), unique=True)
    round = models.ForeignKey(InspectionRound, on_delete=models.PROTECT, related_name="submissions")
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="submissions")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    lat = models.FloatField(_("inspector latitude"), null=True, blank=True)
    lon = models.FloatField(_("inspector longitude"), null=True, blank=True)
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    distance_m = models.FloatField(_("distance to point (m)"), null=True, blank=True)
    far_from_point = models.BooleanField(_("far from the point"), default=False)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    checked = models.PositiveIntegerField(_("criteria checked"), default=0)
    passed = models.PositiveIntegerField(_("criteria passed"), default=0)
    failed = models.PositiveIntegerField(_("criteria failed"), default=0)
    deductions = models.DecimalField(_("deductions"), max_digits=8, decimal_places=2, default=0)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("checklist submission")
        verbose_name_plural = _("checklist submissions")
        constraints = [
            models.UniqueConstraint(fields=["round", "point"], name="inspections_one_checklist"),
        ]
        indexes = [models.Index(fields=["submitted_at", "id"], name="insp_sub_at")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.point_id}"


class Result(models.Model):
    """The answer to one criterion in a submission: 符合 (pass), 不符合 (fail), 不涉及 (n/a)."""

    class Answer(models.TextChoices):
        PASS = "pass", _("meets the standard")
        FAIL = "fail", _("does not meet the standard")
        NA = "na", _("not applicable")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="results")
    answer = models.CharField(_("answer"), max_length=4, choices=Answer.choices)
    # The unit responsible for this criterion at this point when it was inspected (see
    # services.responsible_unit); failures are dispatched to it and scores counted for it.
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["submission", "criterion__seq", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "criterion"], name="inspections_one_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.criterion_id}={self.answer}"


class Finding(models.Model):
    """The case opened for a failed result (one per failed criterion)."""

    result = models.OneToOneField(Result, on_delete=models.PROTECT, related_name="finding")
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="inspection_finding"
    )
    round = models.ForeignKey(InspectionRound, on_delete=models.PROTECT, related_name="findings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="findings")
    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="findings")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.result_id} -> {self.case_id}"


class InspectionEvent(models.Model):
    """Audit row of every change in this app (standard import, point import, round planning,
    checklist submission, recurrence marks)."""

    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    round = models.ForeignKey(
        InspectionRound, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
