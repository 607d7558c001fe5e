"""Models of the assessment app: scoring schemes, adjustments, published rankings (红黑榜).

Indicators themselves are not stored: :mod:`wenming.assessment.indicators` computes them from
the ledger. What is stored is what the office decides (schemes and their versions, bonus and
penalty adjustments) and what it publishes (immutable snapshots). All writes go through
:mod:`wenming.assessment.services`; the admin shows these rows read-only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.org.models import Unit


class Scheme(models.Model):
    """A scoring scheme (考核方案) for one kind of unit (blank kind: the default for all
    kinds without their own). Its content lives in immutable :class:`SchemeVersion` rows;
    the newest version is the one in force."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    unit_kind = models.CharField(
        _("unit kind"), max_length=24, choices=Unit.Kind.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["unit_kind", "name"]
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")
        constraints = [
            models.UniqueConstraint(
                fields=["unit_kind"],
                condition=models.Q(is_active=True),
                name="one_active_scheme_per_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SchemeVersion(models.Model):
    """One immutable version of a scheme's configuration (weights, penalties, grade bands,
    denominators); see :mod:`wenming.assessment.scoring` for the shape of ``config``.
    ``number`` counts 1, 2, … per scheme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    config = models.JSONField(_("configuration"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["scheme", "-number"]
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme versions")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="scheme_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} v{self.number}"


class Adjustment(models.Model):
    """A bonus (加分, positive) or penalty (减分, negative) the office gives a unit for a
    period, with its reason (e.g. praised by the provincial office; a media exposure).
    Withdrawn adjustments stay for the record and no longer count."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    period_key = models.CharField(_("period"), max_length=32)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["period_key", "unit", "id"]
        verbose_name = _("score adjustment")
        verbose_name_plural = _("score adjustments")
        indexes = [models.Index(fields=["period_key", "unit"], name="adjustment_period_unit")]

    def __str__(self) -> str:
        return f"{self.period_key} {self.unit_id} {self.points}"


class Publication(models.Model):
    """A published ranking (红黑榜) of one period: an immutable snapshot.

    ``number`` counts the versions of the same period (1, 2 …); a correction is a new
    publication with ``supersedes`` set and a ``note``. ``as_of`` is the moment the
    indicators were computed; ``city`` the whole-city indicator row (JSON).
    """

    period_key = models.CharField(_("period"), max_length=32)
    period_kind = models.CharField(max_length=8)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    number = models.PositiveIntegerField(_("version"))
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))
    as_of = models.DateTimeField(_("computed at"))
    board_size = models.PositiveSmallIntegerField(_("board size"))
    city = models.JSONField(default=dict)

    class Meta:
        ordering = ["-period_key", "-number"]
        verbose_name = _("published ranking")
        verbose_name_plural = _("published rankings")
        constraints = [
            models.UniqueConstraint(fields=["period_key", "number"], name="publication_unique")
        ]

    def __str__(self) -> str:
        return f"{self.period_key} #{self.number}"


class PublishedRow(models.Model):
    """One unit's frozen result in a publication: name and kind as they were, the scheme
    version used, rank (within its kind), rank change against the previous period, score,
    grade, the indicators, the score's parts, and the case ids behind every count
    (``case_ids``: ``{count key: [ids]}``). ``board`` is ``red``, ``black`` or blank, with
    its ``reason``."""

    class Board(models.TextChoices):
        RED = "red", _("red list")
        BLACK = "black", _("black list")
        NONE = "", _("none")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="rows")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_name = models.CharField(max_length=100)
    unit_kind = models.CharField(max_length=24)
    scheme_version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(null=True, blank=True)
    previous_rank = models.PositiveIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    grade = models.CharField(max_length=8, blank=True)
    indicators = models.JSONField(default=dict)
    parts = models.JSONField(default=dict)
    case_ids = models.JSONField(default=dict)
    board = models.CharField(max_length=8, choices=Board.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["publication", "unit_kind", "rank", "unit_name"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "unit"], name="published_row_unique")
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.unit_name} {self.rank}"


class AuditEntry(models.Model):
    """The audit trail of every assessment write: who did what, when, to which object."""

    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    object_type = models.CharField(max_length=32)
    object_id = models.PositiveBigIntegerField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("assessment audit entry")
        verbose_name_plural = _("assessment audit entries")

    def __str__(self) -> str:
        return f"{self.at} {self.action} {self.object_type}#{self.object_id}"
