"""Notifications: planning messages, delivering them exactly once, reminders, digests, and
the user's own actions (mark read, preferences).

Guarantees (see docs/operations.md):

- Planning is idempotent: a message's ``key`` and a case event's :class:`EventReceipt` are
  unique, and planning happens in one transaction, so a source is planned once even when the
  on-commit task, the sweep and a second worker all try.
- A delivery is claimed with a conditional ``UPDATE`` (``pending`` and due, or ``sending``
  with an expired lease → ``sending``); only the claimer sends. The in-app inbox row is
  written in the same transaction that marks the delivery sent and is unique per delivery:
  exactly once, whatever dies when. External channels (e-mail, SMS, robots) are sent at least
  once: a worker killed after the remote side accepted but before recording it causes one
  repeat after the lease (``WENMING_NOTIFY_LEASE_SECONDS``).
- Failures are retried with exponential back-off up to ``WENMING_NOTIFY_MAX_ATTEMPTS``; every
  attempt is a :class:`DeliveryAttempt` row (ok, or the reason), shown to the office.
- Nothing here changes a case; a failed channel never affects the case transition (the work
  starts after commit, and errors are caught per delivery).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import UNIT_HOLDS, Case, CaseEvent
from wenming.core import calendar
from wenming.core.errors import ApplicationError, NotFound
from wenming.org.models import Membership
from wenming.org.scope import scope_for

from . import channels, conf, messages
from .models import (
    MANDATORY_KINDS,
    Channel,
    Delivery,
    DeliveryAttempt,
    EventReceipt,
    Kind,
    Marker,
    Message,
    Notification,
    Reminder,
    UnitChannel,
    UnitPreference,
    UserPreference,
)

log = logging.getLogger(__name__)
Status = Delivery.Status

# --- planning -----------------------------------------------------------------------------


def _plan(draft: messages.Draft, now: datetime) -> list[int]:
    """Create the message and its deliveries (caller holds a transaction). Returns the ids
    of the deliveries to send now; [] when the message already exists."""
    try:
        with transaction.atomic():
            message = Message.objects.create(
                key=draft.key,
                kind=draft.kind,
                case_id=draft.case_id,
                event_id=draft.event_id,
                subject=draft.subject,
                body=draft.body,
                url=draft.url,
                created_at=now,
            )
    except IntegrityError:
        return []
    unit_ids = {u for u in draft.unit_ids if u}
    who = Q(pk__in=draft.user_ids)
    if unit_ids:
        who |= Q(memberships__role=Membership.Role.UNIT_HANDLER, memberships__unit_id__in=unit_ids)
    if draft.office:
        who |= Q(memberships__role=Membership.Role.OFFICE)
    users = list(
        get_user_model()
        .objects.filter(who, is_active=True)
        .exclude(pk=draft.exclude_user_id or 0)
        .distinct()
        .order_by("pk")
    )
    prefs = {p.user_id: p for p in UserPreference.objects.filter(user__in=users)}
    robots = UnitChannel.objects.filter(is_active=True).filter(
        Q(unit_id__in=unit_ids) | (Q(unit__isnull=True) if draft.office else Q(pk__in=[]))
    )
    unit_prefs = {p.unit_id: p for p in UnitPreference.objects.filter(unit_id__in=unit_ids)}
    mandatory = draft.kind in MANDATORY_KINDS
    rows = []

    def add(channel, *, user=None, robot=None, address="", held=False):
        rows.append(
            Delivery(
                message=message,
                channel=channel,
                user=user,
                unit_channel=robot,
                address=address,
                status=Status.HELD if held else Status.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )

    for user in users:
        pref = prefs.get(user.pk) or UserPreference(user=user)
        if not mandatory and draft.kind in (pref.muted_kinds or []):
            continue
        add(Channel.INAPP, user=user)
        if pref.email and user.email:
            add(Channel.EMAIL, user=user, address=user.email, held=pref.digest)
        if pref.sms and pref.phone:
            add(Channel.SMS, user=user, address=pref.phone, held=pref.digest)
    for robot in robots:
        pref = unit_prefs.get(robot.unit_id) if robot.unit_id else None
        if pref and not mandatory and draft.kind in (pref.muted_kinds or []):
            continue
        add(robot.kind, robot=robot, held=bool(pref and pref.digest))
    Delivery.objects.bulk_create(rows)
    return list(
        Delivery.objects.filter(message=message, status=Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def plan_event(event_id: int, now: datetime | None = None) -> list[int]:
    """Plan the notification of one committed case event (once: :class:`EventReceipt`).
    Returns the delivery ids to send now."""
    now = now or timezone.now()
    with transaction.atomic():
        event = (
            CaseEvent.objects.select_related(
                "case", "case__unit", "case__category", "case__supervision_grid"
            )
            .filter(pk=event_id)
            .first()
        )
        if event is None:
            return []
        try:
            with transaction.atomic():
                EventReceipt.objects.create(event=event, processed_at=now)
        except IntegrityError:
            return []
        builder = messages.EVENT_BUILDERS.get(event.action)
        if builder is None:
            return []
        return _plan(builder(event), now)


def process_event(event_id: int) -> int:
    """Plan and send the notification of a committed case event (the on-commit path).
    Returns the number of deliveries sent."""
    return deliver_many(plan_event(event_id))


def sweep_outbox(now: datetime | None = None, batch: int = 500) -> int:
    """Plan every case event the on-commit path missed; returns how many were planned.

    Reads events above the cursor (``Marker('outbox')``) of the actions that notify someone
    (:data:`.messages.EVENT_BUILDERS`) that have no receipt and are not
    older than ``WENMING_OUTBOX_MAX_AGE_HOURS`` (default 24: history loaded in bulk, or a
    backlog after a long outage, is not announced late), plans them,
    then moves the cursor up to the newest event older than ``WENMING_OUTBOX_GRACE_SECONDS``
    (an event id can become visible after higher ones when its transaction commits late, so
    the cursor stays behind the recent ones; the receipts keep re-reads cheap and harmless).
    Two sweeps at once are safe: receipts are unique and the cursor moves by a conditional
    update.
    """
    now = now or timezone.now()
    marker, _created = Marker.objects.get_or_create(name="outbox")
    cursor = marker.value
    receipts = EventReceipt.objects.filter(event_id=OuterRef("pk"))
    horizon = now - timedelta(hours=conf.outbox_max_age_hours())
    # Only actions that notify someone (messages.EVENT_BUILDERS): the others get no receipt
    # (the outbox listener skips them too) and never hold the cursor back.
    noticed = Q(action__in=list(messages.EVENT_BUILDERS))
    todo = list(
        CaseEvent.objects.filter(noticed, pk__gt=cursor, at__gte=horizon)
        .exclude(Exists(receipts))
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    planned = 0
    ids: list[int] = []
    for event_id in todo:
        new = plan_event(event_id, now)
        ids += new
        planned += 1
    deliver_many(ids)
    # Advance over the prefix of old-enough events that all have receipts.
    grace_edge = now - timedelta(seconds=conf.outbox_grace_seconds())
    first_gap = (
        CaseEvent.objects.filter(pk__gt=cursor)
        .filter(Q(at__gte=grace_edge) | (noticed & Q(at__gte=horizon) & ~Exists(receipts)))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    newest = (
        CaseEvent.objects.filter(pk__gt=cursor, at__lt=grace_edge)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    target = (first_gap - 1) if first_gap is not None else newest
    if target is not None and target > cursor:
        Marker.objects.filter(name="outbox", value=cursor).update(value=target)
    return planned


def notify(draft: messages.Draft) -> None:
    """Plan a message inside the caller's transaction and send it after commit.

    For other apps' notifications (work information returned, briefing published); build
    the draft with the type's function in :mod:`.messages`. Planning twice is harmless.
    """
    ids = _plan(draft, timezone.now())
    if ids:
        from . import tasks

        transaction.on_commit(lambda: tasks.send(tasks.deliver, ids), robust=True)


def notify_work_item_returned(*, item_id: int, unit_id: int, title: str, reason: str, url: str):
    """Tell a unit that its work information (信息报送) ``item_id`` was returned."""
    notify(
        messages.work_item_returned(
            item_id=item_id, unit_id=unit_id, title=title, reason=reason, url=url
        )
    )


def notify_briefing_published(
    *, issue_id: int, title: str, number: str, url: str, unit_ids: list[int]
):
    """Tell the listed units (and the office) that a briefing issue was published."""
    notify(
        messages.briefing_published(
            issue_id=issue_id, title=title, number=number, url=url, unit_ids=unit_ids
        )
    )


# --- delivering ---------------------------------------------------------------------------


def _claimable(now: datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )


def _claim(delivery_id: int, now: datetime) -> tuple[Delivery, DeliveryAttempt] | None:
    with transaction.atomic():
        won = (
            Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
                status=Status.SENDING,
                lease_until=now + timedelta(seconds=conf.lease_seconds()),
                attempts=F("attempts") + 1,
            )
            == 1
        )
        if not won:
            return None
        delivery = Delivery.objects.select_related("message", "user", "unit_channel").get(
            pk=delivery_id
        )
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempt_log.count() + 1, started_at=now
        )
    return delivery, attempt


def _send_external(delivery: Delivery, subject: str, body: str, url: str) -> None:
    link = conf.base_url() + url if url.startswith("/") else url
    if delivery.channel == Channel.EMAIL:
        channels.send_email(delivery.address, subject, body, link)
    elif delivery.channel == Channel.SMS:
        channels.send_sms(delivery.address, subject, body, link)
    elif delivery.channel == Channel.WECOM:
        channels.send_wecom(delivery.unit_channel.url, subject, body, link)
    elif delivery.channel == Channel.DINGTALK:
        robot = delivery.unit_channel
        channels.send_dingtalk(robot.url, robot.secret, subject, body, link)
    else:  # pragma: no cover - the choices are closed
        raise channels.SendError(f"unknown channel {delivery.channel}")


def _finish(delivery: Delivery, attempt: DeliveryAttempt, error: str | None, now: datetime):
    """Record the outcome of our claim (only if the claim is still ours)."""
    mine = Delivery.objects.filter(
        pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts
    )
    if error is None:
        mine.update(status=Status.SENT, sent_at=now, lease_until=None, last_error="")
    elif delivery.attempts >= conf.max_attempts():
        mine.update(status=Status.FAILED, lease_until=None, last_error=error[:500])
    else:
        mine.update(
            status=Status.PENDING,
            lease_until=None,
            last_error=error[:500],
            next_attempt_at=now + timedelta(seconds=conf.backoff_seconds(delivery.attempts)),
        )
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        finished_at=now, ok=error is None, error=(error or "")[:500]
    )


def deliver_one(delivery_id: int, now: datetime | None = None) -> str | None:
    """Claim and send one delivery; returns its new status, or None if it was not ours to
    send (already sent, held, not due, or claimed by a live worker)."""
    now = now or timezone.now()
    claimed = _claim(delivery_id, now)
    if claimed is None:
        return None
    delivery, attempt = claimed
    message = delivery.message
    if delivery.channel == Channel.INAPP:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    Notification.objects.create(
                        user_id=delivery.user_id, message=message, delivery=delivery, created_at=now
                    )
            except IntegrityError:
                pass  # a previous claim of this delivery already put it in the inbox
            _finish(delivery, attempt, None, now)
        return Status.SENT
    try:
        _send_external(delivery, message.subject, message.body, message.url)
        error = None
    except Exception as e:  # any failure of a channel is recorded, never raised
        error = str(e) or e.__class__.__name__
        log.warning("delivery %s over %s failed: %s", delivery.pk, delivery.channel, error)
    _finish(delivery, attempt, error, timezone.now())
    return Delivery.objects.filter(pk=delivery.pk).values_list("status", flat=True).first()


def deliver_many(ids, now: datetime | None = None) -> int:
    """Send the given deliveries (in order); returns how many were sent."""
    return sum(1 for i in ids if deliver_one(i, now) == Status.SENT)


def deliver_due(now: datetime | None = None, batch: int = 500) -> int:
    """Send every delivery that is due (new, retry time reached, or a dead worker's claim
    whose lease ran out). Returns how many were sent."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(_claimable(now)).order_by("pk").values_list("pk", flat=True)[:batch]
    )
    return deliver_many(ids, now)


# --- reminders ----------------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Due-soon and overdue reminders for the cases the units hold; returns how many.

    Due soon: the deadline is not before ``now`` and at most
    ``WENMING_REMIND_DUE_SOON_WORKING_HOURS`` working hours away (office hours on working days,
    :mod:`wenming.core.calendar`). Overdue: the deadline is before ``now`` (as in the ledger's
    overdue filter). Once per case, kind and deadline (:class:`Reminder` is unique).
    """
    now = now or timezone.now()
    soon_edge = calendar.add_working_hours(now, conf.due_soon_hours()).at
    open_cases = Case.objects.filter(status__in=UNIT_HOLDS, deadline__isnull=False).select_related(
        "unit", "category"
    )

    def not_reminded(kind):
        return ~Exists(
            Reminder.objects.filter(case=OuterRef("pk"), kind=kind, deadline=OuterRef("deadline"))
        )

    work = [
        (Reminder.ReminderKind.DUE_SOON, messages.due_soon, open_cases.filter(
            not_reminded("due_soon"), deadline__gte=now, deadline__lte=soon_edge
        )),
        (Reminder.ReminderKind.OVERDUE, messages.overdue, open_cases.filter(
            not_reminded("overdue"), deadline__lt=now
        )),
    ]  # fmt: skip
    count = 0
    ids: list[int] = []
    for kind, build, cases in work:
        for case in cases.order_by("deadline", "pk"):
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        reminder = Reminder.objects.create(
                            case=case, kind=kind, deadline=case.deadline, created_at=now
                        )
                except IntegrityError:
                    continue  # another worker sent it
                ids += _plan(build(case, reminder.pk), now)
                count += 1
    deliver_many(ids, now)
    return count


# --- digests ------------------------------------------------------------------------------


def send_digests(now: datetime | None = None, *, force: bool = False) -> int:
    """Send the held deliveries as one digest per recipient and channel; returns how many
    digests were sent.

    Runs once a day from ``WENMING_DIGEST_HOUR`` (local): the day is claimed with a unique
    :class:`Marker` (``digest:<date>``), so periodic callers may call it as often as they like.
    ``force`` skips the hour and the daily claim (the office's "send now").
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    if not force:
        if local.hour < conf.digest_hour():
            return 0
        try:
            with transaction.atomic():
                Marker.objects.create(name=f"digest:{local.date().isoformat()}", value=1)
        except IntegrityError:
            return 0
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, channel, user_id, robot_id in (
        Delivery.objects.filter(status=Status.HELD)
        .order_by("pk")
        .values_list("pk", "channel", "user_id", "unit_channel_id")
    ):
        groups[(channel, user_id, robot_id)].append(pk)
    sent = 0
    for ids in groups.values():
        if _send_digest(ids, now):
            sent += 1
    return sent


def _send_digest(ids: list[int], now: datetime) -> bool:
    lease = now + timedelta(seconds=conf.lease_seconds())
    with transaction.atomic():
        Delivery.objects.filter(pk__in=ids, status=Status.HELD).update(
            status=Status.SENDING, lease_until=lease, attempts=F("attempts") + 1
        )
        rows = list(
            Delivery.objects.select_related("message", "unit_channel")
            .filter(pk__in=ids, status=Status.SENDING, lease_until=lease)
            .order_by("message__created_at", "pk")
        )
        numbers = dict(
            DeliveryAttempt.objects.filter(delivery__in=rows)
            .values("delivery_id")
            .annotate(n=Count("pk"))
            .values_list("delivery_id", "n")
        )
        attempts = DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    delivery=d, number=numbers.get(d.pk, 0) + 1, started_at=now, digest=True
                )
                for d in rows
            ]
        )
    if not rows:
        return False
    subject = _("Daily digest: %(n)d notifications") % {"n": len(rows)}
    lines = []
    for d in rows:
        m = d.message
        link = conf.base_url() + m.url if m.url.startswith("/") else m.url
        lines.append(f"- {timezone.localtime(m.created_at):%m-%d %H:%M} {m.subject}  {link}")
    try:
        _send_external(rows[0], subject, "\n".join(lines), "")
        error = None
    except Exception as e:
        error = str(e) or e.__class__.__name__
    with transaction.atomic():
        mine = Delivery.objects.filter(pk__in=[d.pk for d in rows], lease_until=lease)
        if error is None:
            mine.update(status=Status.SENT, sent_at=now, lease_until=None, last_error="")
        else:  # held again: the next digest tries again
            mine.update(status=Status.HELD, lease_until=None, last_error=error[:500])
        DeliveryAttempt.objects.filter(pk__in=[a.pk for a in attempts]).update(
            finished_at=now, ok=error is None, error=(error or "")[:500]
        )
    return error is None


# --- the user's own actions -----------------------------------------------------------------


def notification_mark_read(user, notification_id) -> Notification:
    """Mark one of the user's notifications read (another user's: 404). Idempotent."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("notification")
    try:
        notification = Notification.objects.get(pk=notification_id, user_id=user.pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound("notification") from None
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(user) -> int:
    """Mark all the user's unread notifications read; returns how many."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


_PHONE = re.compile(r"^1[3-9]\d{9}$")


def _clean_kinds(kinds) -> list[str]:
    if kinds is None:
        return []
    if isinstance(kinds, str) or not all(isinstance(k, str) for k in kinds):
        raise ApplicationError(
            "invalid_kinds", _("Unknown notification type."), detail={"field": "muted_kinds"}
        )
    kinds = sorted(set(kinds))
    unknown = [k for k in kinds if k not in Kind.values]
    if unknown:
        raise ApplicationError(
            "invalid_kinds",
            _("Unknown notification type."),
            detail={"field": "muted_kinds", "unknown": unknown},
        )
    mandatory = [k for k in kinds if k in MANDATORY_KINDS]
    if mandatory:
        raise ApplicationError(
            "mandatory_kind",
            _("Supervision notices cannot be muted."),
            detail={"field": "muted_kinds", "kinds": mandatory},
        )
    return kinds


def user_preference_update(
    user, *, muted_kinds=None, email: bool = True, sms: bool = False, phone: str = "",
    digest: bool = False,
) -> UserPreference:  # fmt: skip
    """Save the user's own preferences. ``phone``: an 11-digit mainland mobile number,
    required when ``sms`` is on. Raises ApplicationError 400 (unknown or mandatory type, bad
    phone), 404 (anonymous)."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("user")
    kinds = _clean_kinds(muted_kinds)
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if phone and not _PHONE.match(phone):
        raise ApplicationError(
            "invalid_phone",
            _("Enter an 11-digit mobile phone number."),
            detail={"field": "phone"},
        )
    if sms and not phone:
        raise ApplicationError(
            "invalid_phone",
            _("Enter a mobile phone number to receive SMS."),
            detail={"field": "phone"},
        )
    pref, _created = UserPreference.objects.update_or_create(
        user_id=user.pk,
        defaults={
            "muted_kinds": kinds,
            "email": bool(email),
            "sms": bool(sms),
            "phone": phone,
            "digest": bool(digest),
        },
    )
    return pref


def unit_preference_update(user, unit_id, *, muted_kinds=None, digest: bool = False):
    """Save a unit's robot preferences; by the office or the unit's own handlers (others:
    404 for a unit they cannot see, 403 otherwise). Raises 400 for unknown types."""
    from wenming.org.models import Unit

    scope = scope_for(user)
    if scope.user_id is None:
        raise NotFound("unit")
    try:
        unit = Unit.objects.get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound("unit") from None
    if not (scope.is_office or unit.pk in scope.unit_ids):
        raise ApplicationError(
            "forbidden", _("Only the office or the unit itself can do this."), status=403
        )
    kinds = _clean_kinds(muted_kinds)
    pref, _created = UnitPreference.objects.update_or_create(
        unit=unit, defaults={"muted_kinds": kinds, "digest": bool(digest)}
    )
    return pref


def delivery_retry(user, delivery_id) -> Delivery:
    """The office sends a failed delivery again now (attempts start over)."""
    scope = scope_for(user)
    if not scope.is_office:
        raise NotFound("delivery")
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery_id, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if not updated:
            if not Delivery.objects.filter(pk=delivery_id).exists():
                raise NotFound("delivery")
            raise ApplicationError(
                "not_failed", _("Only a failed delivery can be retried."), status=409
            )
    transaction.on_commit(lambda: deliver_one(int(delivery_id)), robust=True)
    return Delivery.objects.get(pk=delivery_id)
