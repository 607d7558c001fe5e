"""The citizens' pre-ledger (随手拍) and the Open311 clients.

A :class:`PublicReport` is what a citizen (or an Open311 client) sends; it is not a case yet.
The office triages it: accepted reports become cases through
:func:`wenming.cases.services.case_report`, rejected ones keep the reason that the citizen
sees, merged ones point to the surviving case. :class:`Support` is a citizen's "+1" on an
existing case instead of a duplicate report. All changes go through
:mod:`wenming.public.services`.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Case, Source
from wenming.taxonomy.models import Category


class Open311Client(models.Model):
    """A system allowed to post service requests through Open311 (the 12345 hotline, another
    platform). Only the SHA-256 of its ``api_key`` is stored (``key_prefix``: the first
    characters, to recognise a key in lists).

    The client acts as ``user``: that user's scope decides what the client may read, and its
    role must allow reporting from ``source`` (case_report checks it). A ``trusted`` client's
    requests with a location become cases at once; an untrusted client's requests wait for
    the office's triage like a citizen's report and the client gets a token.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=8, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open311_clients"
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.HOTLINE
    )
    trusted = models.BooleanField(_("trusted (requests become cases at once)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash(key: str) -> str:
        """SHA-256 hex digest of an api_key."""
        return hashlib.sha256(key.encode()).hexdigest()


def validate_attribute_values(value) -> None:
    """The ``values`` of a service attribute: a list of ``{"key": text, "name": text}``
    objects with distinct, non-empty keys (Open311 GeoReport v2, service definition).
    Raises ValidationError."""
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and str(v.get("key", "")).strip() for v in value
    ):
        raise ValidationError(
            _('Values must be a list of objects such as {"key": "s", "name": "小"}.'),
            code="not_key_name_list",  # not "invalid": the field would put its own words
        )
    keys = [str(v["key"]).strip() for v in value]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("Each value needs its own key."), code="duplicate_key")


def attribute_options(values) -> list[tuple[str, str]]:
    """``(key, name)`` of an attribute's stored ``values``. Rows written before
    :func:`validate_attribute_values` (or by SQL) may hold plain texts: a text is its own key
    and name, anything else is skipped, so one bad row cannot break the service."""
    out = []
    for v in values if isinstance(values, list) else []:
        if isinstance(v, dict) and str(v.get("key", "")).strip():
            out.append((str(v["key"]), str(v.get("name", ""))))
        elif isinstance(v, str | int | float) and str(v).strip():
            out.append((str(v), str(v)))
    return out


class ServiceAttribute(models.Model):
    """An extra question of an Open311 service (GeoReport v2 service definition attribute).

    ``category`` empty: the attribute belongs to every service. ``values`` is a list of
    ``{"key": ..., "name": ...}`` for the list datatypes. Posted answers arrive as
    ``attribute[code]`` and are kept on the report (and in the case's report event).
    """

    class Datatype(models.TextChoices):
        STRING = "string", "string"
        NUMBER = "number", "number"
        DATETIME = "datetime", "datetime"
        TEXT = "text", "text"
        SINGLE = "singlevaluelist", "singlevaluelist"
        MULTI = "multivaluelist", "multivaluelist"

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=40)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(_("variable"), default=True)
    description = models.CharField(_("description"), max_length=300)
    datatype_description = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=1)
    values = models.JSONField(default=list, blank=True, validators=[validate_attribute_values])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        constraints = [
            models.UniqueConstraint(
                Coalesce("category", 0), "code", name="service_attribute_unique"
            )
        ]

    def __str__(self) -> str:
        return self.code


class PublicReport(models.Model):
    """A citizen's report (随手拍) waiting for, or after, the office's triage.

    ``code``: the tracking code given to the citizen (8 characters from an alphabet without
    0/O/1/I/L). ``idempotency_key``: sent with the form; a retried submission with the same
    key returns this report instead of creating another (``fingerprint`` is the SHA-256 of
    the normalised content, so a reused key with other content is refused). ``lat``/``lon``:
    WGS-84 degrees (``input_datum`` is what the client sent, converted at the edge); empty
    only for an Open311 request with an address but no coordinates. ``phone``: shown masked
    except to the office. ``phone_hash``/``ip_hash``: keyed hashes (HMAC-SHA256 with the
    secret key) for rate limits and supports, never reversible without the key.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("not accepted")
        MERGED = "merged", _("merged with an existing case")

    class Channel(models.TextChoices):
        WEB = "web", _("web page")
        OPEN311 = "open311", "Open311"

    code = models.CharField(_("tracking code"), max_length=12, unique=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    open311_client = models.ForeignKey(
        Open311Client, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    description = models.TextField(_("description"), max_length=4000, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    suggested_category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    input_datum = models.CharField(max_length=8, default="wgs84")
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    contact = models.JSONField(default=dict, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reject_reason = models.TextField(_("reason"), max_length=500, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="public_reports"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        indexes = [
            models.Index(fields=["status", "submitted_at", "id"], name="public_report_st"),
            # A web resubmission (Back, then 提交 again) is matched by its content.
            models.Index(fields=["fingerprint", "submitted_at"], name="public_report_fp"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.status}"

    @property
    def phone_masked(self) -> str:
        """The phone as shown to anyone but the office: ``138****1234``."""
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; shorter numbers keep only their last 2 digits."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * (len(phone) - 2) + phone[-2:]


class PublicReportPhoto(models.Model):
    """A cleaned photo of a report (from :func:`wenming.core.photos.process_photos`)."""

    report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="public/%Y/%m/")
    thumbnail = models.ImageField(upload_to="public/%Y/%m/thumbs/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    original_name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class PublicReportEvent(models.Model):
    """One step of a report's triage (submit, accept, reject, merge): the audit row."""

    report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(max_length=2000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["report_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"


class Support(models.Model):
    """A citizen's "+1" on an open case (我也遇到了). One per case and person: ``who_hash`` is
    the keyed hash of the phone number when given, else of the IP address."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supports")
    who_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "who_hash"], name="support_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +1"
