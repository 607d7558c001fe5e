"""Notifications: messages, their deliveries per recipient and channel, the in-app inbox,
preferences, webhook channels of units, reminders and the outbox bookkeeping.

Flow: a source (a committed :class:`~wenming.cases.models.CaseEvent`, a reminder, another
app's call) becomes one :class:`Message` (unique ``key``: planned once), which fans out into
one :class:`Delivery` per (recipient, channel) (unique: delivered once). Each try to send is a
:class:`DeliveryAttempt`. An in-app delivery writes one :class:`Notification` (the inbox row,
unique per delivery) in the same transaction that marks the delivery sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Case, CaseEvent
from wenming.org.models import Unit


class Kind(models.TextChoices):
    """Notification types (one builder function each in :mod:`.messages`)."""

    CASE_DISPATCHED = "case_dispatched", _("case dispatched")
    CASE_RETURNED = "case_returned", _("case returned")
    CASE_REWORKED = "case_reworked", _("rework required")
    DUE_SOON = "due_soon", _("deadline approaching")
    OVERDUE = "overdue", _("overdue")
    ESCALATED = "escalated", _("supervision notice")
    EXTENSION_DECIDED = "extension_decided", _("extension decided")
    WORK_ITEM_RETURNED = "work_item_returned", _("work information returned")
    BRIEFING_PUBLISHED = "briefing_published", _("briefing published")


#: Kinds nobody may mute: a supervision notice is counted in assessment.
MANDATORY_KINDS = frozenset({Kind.ESCALATED})


class Channel(models.TextChoices):
    INAPP = "inapp", _("inbox")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


USER_CHANNELS = (Channel.INAPP, Channel.EMAIL, Channel.SMS)
WEBHOOK_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


class Message(models.Model):
    """One notification, rendered once (``subject``, plain-text ``body``, site-relative
    ``url``), before it fans out to recipients. ``key`` names its source
    (``event:<id>``, ``reminder:<id>``, ``work_item_returned:<id>`` …) so that planning the
    same source twice creates nothing."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    event = models.ForeignKey(
        CaseEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=4000)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class UnitChannel(models.Model):
    """A group-robot webhook (企业微信 / 钉钉) that receives a unit's messages.

    ``unit`` empty: the campaign office's own group. ``url`` is the robot's full webhook
    address (it carries the robot's key); ``secret`` is DingTalk's signing secret (加签),
    empty when the robot uses keywords or IP ranges instead.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="notify_channels"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=[(c.value, c.label) for c in WEBHOOK_CHANNELS]
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit_id", "name"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.unit or _('campaign office')} {self.get_kind_display()} {self.name}"


class Delivery(models.Model):
    """One message to one recipient (a user, or a unit's group robot) over one channel.

    Status: ``pending`` (due at ``next_attempt_at``), ``held`` (waits for the daily digest),
    ``sending`` (claimed by a worker until ``lease_until``; a worker killed mid-send leaves
    it to be reclaimed when the lease runs out), ``sent``, ``failed`` (gave up after
    ``WENMING_NOTIFY_MAX_ATTEMPTS``). ``address`` is the e-mail address or phone number used.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        HELD = "held", _("held for digest")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_deliveries",
    )
    unit_channel = models.ForeignKey(
        UnitChannel, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                "message",
                "channel",
                Coalesce("user", 0),
                Coalesce("unit_channel", 0),
                name="delivery_once_per_recipient_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, unit_channel__isnull=True)
                | models.Q(user__isnull=True, unit_channel__isnull=False),
                name="delivery_one_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["status", "lease_until"], name="delivery_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel} {self.user_id or self.unit_channel_id}"


class DeliveryAttempt(models.Model):
    """One try to send a delivery. ``ok`` None with no ``finished_at``: the worker died."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    error = models.CharField(max_length=500, blank=True)
    digest = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number} {self.ok}"


class Notification(models.Model):
    """A message in a user's inbox (one per in-app delivery: never twice)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notifications")
    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="inbox")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "-created_at", "-id"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.message_id}"


class UserPreference(models.Model):
    """A user's choices: which types to mute (all channels), e-mail and SMS on or off, and a
    daily digest instead of immediate e-mail/SMS. The inbox always receives unmuted types.
    Without a row: every type, inbox and e-mail, no SMS, no digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref"
    )
    muted_kinds = models.JSONField(_("muted types"), default=list, blank=True)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    digest = models.BooleanField(_("daily digest"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class UnitPreference(models.Model):
    """A unit's choices for its group robots: muted types and a daily digest."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="notification_pref")
    muted_kinds = models.JSONField(_("muted types"), default=list, blank=True)
    digest = models.BooleanField(_("daily digest"), default=False)

    class Meta:
        verbose_name = _("unit notification preference")
        verbose_name_plural = _("unit notification preferences")

    def __str__(self) -> str:
        return str(self.unit)


class Reminder(models.Model):
    """A reminder sent for a case's deadline: once per (case, kind, deadline), so a moved
    deadline (approved extension) gets its own reminders and a rerun gets none."""

    class ReminderKind(models.TextChoices):
        DUE_SOON = "due_soon", _("deadline approaching")
        OVERDUE = "overdue", _("overdue")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    deadline = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "deadline"], name="reminder_once_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.deadline}"


class EventReceipt(models.Model):
    """A case event that notifications has planned (unique: planned once)."""

    event = models.OneToOneField(CaseEvent, on_delete=models.CASCADE, related_name="+")
    processed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.event_id} {self.processed_at}"


class Marker(models.Model):
    """Named bookkeeping values: the outbox sweep's cursor (``outbox`` = highest event id
    below which every event is planned) and once-a-day job claims (``digest:2021-03-08``)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
