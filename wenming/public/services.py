"""State changes of the citizens' pre-ledger (随手拍) and of Open311 clients.

=============================  ===========================  =============================
function                       from → to                    who
=============================  ===========================  =============================
public_report_submit           (new) → pending              anyone (rate-limited), Open311
                               (new) → accepted             a trusted Open311 client
public_report_accept           pending → accepted (+ case)  office
public_report_reject           pending → rejected           office (reason shown to citizen)
public_report_merge            pending → merged (→ case)    office
public_support_add             (+1 on an open case)         anyone (rate-limited)
open311_client_create          (new client + api_key)       office
=============================  ===========================  =============================

Each function validates, then writes the report (or support) and its
:class:`~wenming.public.models.PublicReportEvent` in one transaction. Anything that changes a
case goes through :mod:`wenming.cases.services` (``case_report``, ``case_dispatch``) inside
the same transaction, so an accepted report and its case are written together or not at all.
Refusals raise :class:`ApplicationError` and change nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases import services as case_services
from wenming.cases.models import FINAL, Case, Source
from wenming.core import reference
from wenming.core.datum import normalize_datum, to_wgs84
from wenming.core.errors import ApplicationError, NotFound
from wenming.core.inserts import insert
from wenming.core.photos import process_photos
from wenming.core.text import clean_text
from wenming.geo.locate import Location, locate, validate_point
from wenming.org.scope import scope_for
from wenming.taxonomy.models import Category
from wenming.taxonomy.selectors import reportable_categories

from . import ratelimit
from .models import (
    Open311Client,
    PublicReport,
    PublicReportEvent,
    PublicReportPhoto,
    ServiceAttribute,
    Support,
    attribute_options,
)
from .selectors import CODE_ALPHABET, CODE_LENGTH
from .suggest import suggest_category

DESCRIPTION_MAX_WEB = 1000  # characters a citizen may type
DESCRIPTION_MAX_OPEN311 = 4000  # GeoReport v2's limit
ADDRESS_MAX = 300
REASON_MAX = 500
TITLE_MAX = 200
AUTO_TITLE_CHARS = 40
PHOTO_MAX_WEB = 4
ATTRIBUTE_VALUE_MAX = 500
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")


@dataclass(frozen=True)
class Submitted:
    """The result of :func:`public_report_submit`: the report, and ``created`` False when
    an earlier submission with the same idempotency key was returned instead."""

    report: PublicReport
    created: bool


# --- helpers ----------------------------------------------------------------------------


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError("forbidden", message, status=403)


def _require_office(user) -> None:
    if not scope_for(user).is_office:
        raise _forbidden(_("Only the campaign office can review citizen reports."))


def normalize_phone(phone) -> str:
    """A phone number as digits: separators and a leading +86/86 removed.

    Empty stays empty. Accepts a mobile number (11 digits starting with 1) or a landline of
    7 to 12 digits (with its area code). Raises ApplicationError 400 ``invalid_phone``.
    """
    if phone is None:
        return ""
    if not isinstance(phone, str):
        raise _invalid_phone()
    digits = PHONE_SEPARATORS.sub("", phone.replace("\x00", ""))
    if not digits:
        return ""
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit() or not (7 <= len(digits) <= 12):
        raise _invalid_phone()
    if len(digits) == 11 and digits[0] == "1" and digits[1] not in "3456789":
        raise _invalid_phone()
    return digits


def _invalid_phone() -> ApplicationError:
    return ApplicationError(
        "invalid_phone",
        _("Enter an 11-digit mobile number (or a landline with its area code), or leave it empty."),
        detail={"field": "phone"},
    )


def _location(lat, lon, coord_system) -> tuple[float, float, str, Location]:
    """Validate a point in ``coord_system``; return WGS-84 (lat, lon), the datum and the
    point's :class:`~wenming.geo.locate.Location` (reused by case_report, so that the point
    is not located again inside a transaction).

    Raises ApplicationError 400: unknown coordinate system, missing or invalid numbers,
    (0, 0), or a point outside the city (from :func:`wenming.geo.locate.locate`).
    """
    try:
        datum = normalize_datum(coord_system or "wgs84")
    except ValueError:
        raise ApplicationError(
            "invalid_coord_system",
            _("Unknown coordinate system; use wgs84, gcj02 or bd09."),
            detail={"field": "coord_system"},
        ) from None
    try:
        lat_f, lon_f = validate_point(lat, lon)
        w_lon, w_lat = to_wgs84(lon_f, lat_f, datum)
        where = locate(w_lat, w_lon)
    except ApplicationError as exc:
        exc.detail = {**exc.detail, "field": "location"}
        raise
    return where.lat, where.lon, datum, where


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _category(category_id, field: str = "category_id") -> Category | None:
    if isinstance(category_id, Category) and category_id.is_active:
        return category_id  # already read by the caller (Open311's service_code)
    if _blank(category_id):
        return None
    try:
        category = reportable_categories().get(pk=int(category_id))
    except (Category.DoesNotExist, ValueError, TypeError, OverflowError):
        raise ApplicationError(
            "unknown_category", _("Unknown category."), detail={"field": field}
        ) from None
    if category.broad:  # the office could not accept it without changing it
        raise ApplicationError(
            "category_too_broad",
            _("%(name)s is a class of problems; choose a specific category in it.")
            % {"name": category.name},
            detail={"field": field},
        )
    return category


def _new_code() -> str:
    """A random tracking code. Not checked against the stored ones: with 31**8 codes a
    collision is a one-in-a-trillion event, which the unique index turns into a retry
    (:func:`public_report_submit`) instead of costing a query on every report."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


CODE_ATTEMPTS = 3


def _event_row(report: PublicReport, action: str, actor=None, *, note: str = "", data=None):
    return PublicReportEvent(
        report=report,
        action=action,
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
        data=data or {},
    )


def _event(report: PublicReport, action: str, actor=None, *, note: str = "", data=None):
    row = _event_row(report, action, actor, note=note, data=data)
    row.save()
    return row


def _number_text(value) -> str:
    """A coordinate as the fingerprint compares it: the number, not its spelling (a client
    resending ``36.44690`` for ``36.4469`` sends the same place); other text as given."""
    text = str(value if value is not None else "").strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return repr(number) if math.isfinite(number) else text


def _fingerprint(**fields) -> str:
    raw = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _media_url(url) -> str:
    url = clean_text(url, "media_url", "media_url", max_length=500)
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ApplicationError(
            "invalid_media_url",
            _("media_url must be an http or https address."),
            detail={"field": "media_url"},
        )
    return url


def service_attributes(category: Category | None) -> tuple[ServiceAttribute, ...]:
    """The active attributes of a service: the category's own and the ones for every
    service, in order."""
    key = category.pk if category else None
    return _service_attributes.get(key, lambda: _read_service_attributes(key))


_service_attributes = reference.Cache("taxonomy")  # per category id, as a tuple (shared)


def _read_service_attributes(category_id: int | None) -> tuple[ServiceAttribute, ...]:
    scope = Q(category__isnull=True)
    if category_id is not None:
        scope |= Q(category_id=category_id)
    return tuple(ServiceAttribute.objects.filter(scope, is_active=True).order_by("order", "code"))


def _attributes(category: Category | None, given: dict | None) -> dict:
    """Check posted ``attribute[code]`` answers against the service definition.

    Unknown codes are refused; required ones must be present; list datatypes must use the
    listed keys. Values are kept as text (lists for ``multivaluelist``).
    """
    given = dict(given or {})
    defs = {a.code: a for a in service_attributes(category)}
    clean: dict = {}
    for code, value in given.items():
        attr = defs.get(code)
        if attr is None:
            raise ApplicationError(
                "unknown_attribute",
                _("Unknown attribute %(code)s for this service.") % {"code": code},
                detail={"field": f"attribute[{code}]"},
            )
        values = value if isinstance(value, list) else [value]
        values = [
            clean_text(str(v), f"attribute[{code}]", code, max_length=ATTRIBUTE_VALUE_MAX)
            for v in values
        ]
        values = [v for v in values if v]
        if attr.datatype in (ServiceAttribute.Datatype.SINGLE, ServiceAttribute.Datatype.MULTI):
            keys = {key for key, _name in attribute_options(attr.values)}
            bad = [v for v in values if v not in keys]
            if bad or (attr.datatype == ServiceAttribute.Datatype.SINGLE and len(values) > 1):
                raise ApplicationError(
                    "invalid_attribute",
                    _("Attribute %(code)s has a value that is not in its list.") % {"code": code},
                    detail={"field": f"attribute[{code}]", "allowed": sorted(keys)},
                )
        if attr.datatype == ServiceAttribute.Datatype.NUMBER:
            for v in values:
                try:
                    float(v)
                except ValueError:
                    raise ApplicationError(
                        "invalid_attribute",
                        _("Attribute %(code)s must be a number.") % {"code": code},
                        detail={"field": f"attribute[{code}]"},
                    ) from None
        if values:
            clean[code] = values if attr.datatype == ServiceAttribute.Datatype.MULTI else values[0]
    for code, attr in defs.items():
        if attr.required and attr.variable and code not in clean:
            raise ApplicationError(
                "attribute_required",
                _("Attribute %(code)s is required: %(description)s")
                % {"code": code, "description": attr.description},
                detail={"field": f"attribute[{code}]"},
            )
    return clean


def _auto_title(description: str, category: Category) -> str:
    first = " ".join(description.split())
    if not first:
        return category.name
    return first if len(first) <= AUTO_TITLE_CHARS else first[: AUTO_TITLE_CHARS - 1] + "…"


# --- submit -----------------------------------------------------------------------------


def public_report_submit(
    *,
    description: str = "",
    lat=None,
    lon=None,
    coord_system: str = "wgs84",
    category_id=None,
    phone: str = "",
    address: str = "",
    photos: Sequence = (),
    idempotency_key: str = "",
    client_ip: str = "",
    client: Open311Client | None = None,
    attributes: dict | None = None,
    media_url: str = "",
    contact: dict | None = None,
) -> Submitted:
    """File a citizen's report (status ``pending``), or return the earlier one.

    ``lat``/``lon`` in ``coord_system`` (``wgs84`` default, ``gcj02``/``bd09`` from Chinese map
    SDKs, converted to WGS-84 here). ``category_id``: an id, or an active Category already
    read; empty: the category suggested from the description is used (or none). ``photos``:
    uploaded files for :func:`wenming.core.photos.process_photos` (at most 4 from the web).
    ``idempotency_key``:
    8–64 of ``[A-Za-z0-9_-]``; the same key with the same content returns the first report
    (``created`` False), with other content is refused (409). ``client_ip``: the requester's
    address, for the rate limit (never stored in clear).

    ``client`` set: an Open311 request (no rate limit; description optional up to 4000
    characters; an address without coordinates is allowed, the office places it; answers to
    the service's attributes in ``attributes``; ``media_url``; the caller's ``contact``
    fields). A ``trusted`` client's request with a location becomes a case at once, as the
    client's user and with the client's source.

    Raises ApplicationError: 400 (text, phone, category, location, coordinate system, photos,
    attributes, idempotency key), 403 (a trusted client whose user may not report), 409 (key
    reused with other content), 429 (rate limit).
    """
    is_open311 = client is not None
    description = clean_text(
        description,
        "description",
        _("Description"),
        max_length=DESCRIPTION_MAX_OPEN311 if is_open311 else DESCRIPTION_MAX_WEB,
        required=not is_open311,
    )
    address = clean_text(address, "address", _("Address"), max_length=ADDRESS_MAX)
    phone = normalize_phone(phone)
    key = idempotency_key.strip() if isinstance(idempotency_key, str) else ""
    if key and not IDEMPOTENCY_KEY_RE.match(key):
        raise ApplicationError(
            "invalid_idempotency_key",
            _("The form has expired; please reload the page and try again."),
            detail={"field": "idempotency_key"},
        )
    fingerprint = _fingerprint(
        description=description,
        lat=_number_text(lat),
        lon=_number_text(lon),
        coord_system=str(coord_system or "").strip().lower(),
        category_id=str(category_id or "").strip(),
        phone=phone,
        address=address,
        client=client.pk if client else None,
        # Open311 only (empty from the web form): a retry must not change these either.
        attributes=attributes or {},
        media_url=str(media_url or "").strip(),
        contact={k: v for k, v in (contact or {}).items() if v},
    )
    if key:
        earlier = _replay(key, fingerprint)
        if earlier is not None:
            return Submitted(earlier, False)
    if not is_open311:
        earlier = _resubmitted(fingerprint, client_ip)
        if earlier is not None:
            return Submitted(earlier, False)

    where = None
    if _blank(lat) and _blank(lon) and is_open311 and address:
        w_lat = w_lon = None  # the office places it on the map at triage
        datum = "wgs84"
    elif _blank(lat) and _blank(lon):
        raise ApplicationError(
            "location_required",
            _("Choose the place on the map or let the phone use its location (GPS)."),
            detail={"field": "location"},
        )
    else:
        w_lat, w_lon, datum, where = _location(lat, lon, coord_system)

    category = _category(category_id, "service_code" if is_open311 else "category_id")
    suggested = None
    if not is_open311 or category is None:
        suggestion = suggest_category(description)
        suggested = Category.objects.get(pk=suggestion.category_id) if suggestion else None
    if category is None and not is_open311:
        category = suggested
    attrs = _attributes(category, attributes) if is_open311 else {}
    media = _media_url(media_url) if is_open311 else ""
    contact = {k: v for k, v in (contact or {}).items() if v} if is_open311 else {}
    ip_hash = ratelimit.identity_hash("ip", client_ip or "")
    phone_hash = ratelimit.identity_hash("phone", phone)
    if not is_open311:
        # Counted once the input is valid and before the costly photo work.
        ratelimit.hit("submit_ip", ip_hash)
        try:
            ratelimit.hit("submit_phone", phone_hash)
        except ApplicationError:
            # Refused for the phone: the address (shared by a whole office or a carrier's
            # NAT) is not charged for a report that was never filed.
            ratelimit.release("submit_ip", ip_hash)
            raise
    try:
        processed = process_photos(photos, max_count=None if is_open311 else PHOTO_MAX_WEB)
    except ApplicationError:
        if not is_open311:
            # A refused photo still counts against the address (the brake on costly photo
            # work), not against the phone: five unreadable photos must not lock a citizen
            # out for an hour.
            ratelimit.release("submit_phone", phone_hash)
        raise

    draft = None
    if client is not None and client.trusted and w_lat is not None and category:
        # The case is checked and routed before the transaction: SQLite's write lock is then
        # held only for the writes (a 403 for a client whose user may not report, too).
        draft = _case_draft(
            client.user,
            description=description,
            address=address,
            lat=w_lat,
            lon=w_lon,
            category=category,
            source=client.source,
            photos=[p.content for p in processed],
            located=where,
        )
    for attempt in range(CODE_ATTEMPTS):
        try:
            report = _store_report(
                code=_new_code(),
                idempotency_key=key or None,
                fingerprint=fingerprint,
                channel=PublicReport.Channel.OPEN311 if is_open311 else PublicReport.Channel.WEB,
                open311_client=client,
                description=description,
                category=category,
                suggested_category=suggested,
                lat=w_lat,
                lon=w_lon,
                input_datum=datum,
                address=address,
                phone=phone,
                phone_hash=phone_hash,
                ip_hash=ip_hash,
                contact=contact,
                attributes=attrs,
                media_url=media,
                processed=processed,
                draft=draft,
            )
            break
        except IntegrityError:
            # Two submissions with one key raced and the other one won; or (once in a
            # trillion) the tracking code was taken: draw another.
            if key:
                earlier = _replay(key, fingerprint)
                if earlier is not None:
                    return Submitted(earlier, False)
            if attempt == CODE_ATTEMPTS - 1:
                raise
    return Submitted(report, True)


def _store_report(
    *, processed: list, draft: case_services.ReportDraft | None, **fields
) -> PublicReport:
    """Write a validated report, its photos and its ``submit`` event in one transaction.

    With ``draft`` (a trusted Open311 client's located, categorised request) its case goes
    on the ledger in the same transaction, and the report is written once, already accepted
    and pointing to the case (between the case and the case's event, which names the
    report): on SQLite the write lock is held for five statements. Raises IntegrityError on
    a taken code or key."""
    client = fields["open311_client"]
    with transaction.atomic():
        if draft is None:
            report = _insert_report(fields, processed)
            insert(_submit_event(report, client, len(processed)))
            return report
        written: list[PublicReport] = []

        def write_report(case: Case) -> dict:
            now = case.reported_at  # submitted, decided and reported in one step
            report = _insert_report(
                {
                    **fields,
                    "status": PublicReport.Status.ACCEPTED,
                    "case": case,
                    "submitted_at": now,
                    "decided_at": now,
                    "decided_by": client.user,
                },
                processed,
            )
            written.append(report)
            return _accept_event_data(report)

        case = case_services.case_report_write(draft, linked=write_report)
        report = written[0]
        insert(
            _submit_event(report, client, len(processed)),
            _accept_event(report, client.user, case),
        )
    return report


def _insert_report(fields: dict, processed: list) -> PublicReport:
    (report,) = insert(PublicReport(**{"submitted_at": timezone.now(), **fields}))
    for photo in processed:
        row = PublicReportPhoto(
            report=report,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            original_name=photo.original_name,
        )
        row.image.save(photo.content.name, photo.content, save=False)
        row.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
        row.save()
    return report


def _submit_event(report: PublicReport, client: Open311Client | None, photos: int):
    """The unsaved ``submit`` event of a new report."""
    return _event_row(
        report,
        "submit",
        client.user if client else None,
        data={
            "channel": report.channel,
            "suggested_category_id": report.suggested_category_id,
            "photos": photos,
            **({"open311_client_id": client.pk} if client else {}),
        },
    )


def _accept_event_data(report: PublicReport) -> dict:
    """What the case's ``report`` event records of the citizen report it came from."""
    data = {"public_report_id": report.pk, "channel": report.channel}
    if report.open311_client_id:
        data["open311_client_id"] = report.open311_client_id
    if report.attributes:
        data["attributes"] = report.attributes
    if report.media_url:
        data["media_url"] = report.media_url
    return data


def _accept_event(report: PublicReport, user, case: Case, *, note="", dispatch=False):
    """The unsaved ``accept`` event of a report that became ``case``."""
    return _event_row(
        report,
        "accept",
        user,
        note=note,
        data={"case_id": case.pk, "case_number": case.number, "dispatched": dispatch},
    )


RESUBMIT_MINUTES = 10


def _resubmitted(fingerprint: str, client_ip: str) -> PublicReport | None:
    """The web report with the same content from the same address in the last
    :data:`RESUBMIT_MINUTES`, or None. Going Back after sending shows the form again with what
    was typed but a new idempotency key (the page is fetched anew), so the key alone would
    file the same report twice; identical text, place, category, phone and address from one
    address within minutes is the same citizen sending again."""
    since = timezone.now() - timedelta(minutes=RESUBMIT_MINUTES)
    return (
        PublicReport.objects.filter(
            fingerprint=fingerprint,
            submitted_at__gte=since,
            channel=PublicReport.Channel.WEB,
            ip_hash=ratelimit.identity_hash("ip", client_ip or ""),
        )
        .order_by("submitted_at")
        .first()
    )


def _replay(key: str, fingerprint: str) -> PublicReport | None:
    earlier = PublicReport.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint:
        raise ApplicationError(
            "idempotency_conflict",
            _("This form was already sent with other content; please reload the page."),
            detail={"field": "idempotency_key"},
            status=409,
        )
    return earlier


# --- triage -----------------------------------------------------------------------------


def _lock_report(report_id) -> PublicReport:
    try:
        return (
            PublicReport.objects.select_for_update(of=("self",))
            .select_related("category", "open311_client")
            .get(pk=int(report_id))
        )
    except (PublicReport.DoesNotExist, ValueError, TypeError):
        raise NotFound("report") from None


def _require_pending(report: PublicReport) -> None:
    if report.status != PublicReport.Status.PENDING:
        raise ApplicationError(
            "already_decided",
            _("This report was already decided (%(status)s).")
            % {"status": report.get_status_display()},
            detail={"status": report.status},
            status=409,
        )


def _case_draft(
    user, *, description, address, lat, lon, category, source, title="", photos=(), located=None
) -> case_services.ReportDraft:
    """The case of a report, checked and routed (:func:`case_report_prepare`), unwritten."""
    return case_services.case_report_prepare(
        user,
        title=title or _auto_title(description, category),
        category_id=category if hasattr(category, "broad") else category.pk,
        lat=lat,
        lon=lon,
        description=description,
        address=address,
        source=source,
        photos=photos,
        located=located,
    )


def _accept(
    report: PublicReport,
    user,
    *,
    category: Category,
    source: str,
    title: str = "",
    dispatch: bool = False,
    note: str = "",
    located: Location | None = None,
) -> Case:
    """Put an (already validated, locked) pending report on the ledger as ``user`` (the
    office's triage; a trusted Open311 client's request is written accepted at once by
    :func:`_store_report`)."""
    draft = _case_draft(
        user,
        description=report.description,
        address=report.address,
        lat=report.lat,
        lon=report.lon,
        category=category,
        source=source,
        title=title,
        photos=[p.image for p in report.photos.all()],
        located=located,
    )
    case = case_services.case_report_write(draft, event_data=_accept_event_data(report))
    report.status = PublicReport.Status.ACCEPTED
    report.case = case
    report.category = category
    report.decided_at = timezone.now()
    report.decided_by = user if getattr(user, "pk", None) else None
    report.save(update_fields=["status", "case", "category", "decided_at", "decided_by"])
    _accept_event(report, user, case, note=note, dispatch=dispatch).save()
    if dispatch:  # after the accept step, so the citizen's timeline reads in order
        case = case_services.case_dispatch(user, case.pk, note=note)
    return case


def public_report_accept(
    user,
    report_id,
    *,
    category_id=None,
    title: str = "",
    lat=None,
    lon=None,
    coord_system: str = "wgs84",
    address: str | None = None,
    dispatch: bool = False,
    note: str = "",
) -> PublicReport:
    """The office accepts a pending report onto the ledger: a case (source ``public``, or
    the Open311 client's source) is reported and routed; with ``dispatch`` it is also
    dispatched to the proposed unit at once.

    ``category_id``/``lat``/``lon`` (in ``coord_system``)/``address`` override the report's
    (a report without category or location needs them). ``title`` defaults to the start of
    the description. Raises ApplicationError 403 (not office), 404, 409 (already decided),
    400 (category, location, text; from case_report/case_dispatch).
    """
    _require_office(user)
    title = clean_text(title, "title", _("Title"), max_length=TITLE_MAX)
    note = clean_text(note, "note", _("Note"), max_length=REASON_MAX)
    new_address = (
        None
        if address is None
        else clean_text(address, "address", _("Address"), max_length=ADDRESS_MAX)
    )
    category = _category(category_id)
    new_location = None
    if not (_blank(lat) and _blank(lon)):
        new_location = _location(lat, lon, coord_system)
        located = new_location[3]
    else:
        # Locate the stored point before the transaction (case_report reuses it when the
        # point is still the same inside).
        stored = (
            PublicReport.objects.filter(pk=report_id, lat__isnull=False)
            .values_list("lat", "lon")
            .first()
            if str(report_id).isdigit()
            else None
        )
        located = locate(*stored) if stored else None
    with transaction.atomic():
        report = _lock_report(report_id)
        _require_pending(report)
        if category is None and report.category is not None and not report.category.is_active:
            raise ApplicationError(
                "category_inactive",
                _("The category %(name)s is no longer in use; choose another one.")
                % {"name": report.category.name},
                detail={"field": "category_id"},
            )
        category = category or report.category
        if category is None:
            raise ApplicationError(
                "category_required",
                _("Choose the category before accepting."),
                detail={"field": "category_id"},
            )
        if new_location is not None:
            report.lat, report.lon, report.input_datum = new_location[:3]
        if new_address is not None:
            report.address = new_address
        if report.lat is None:
            raise ApplicationError(
                "location_required",
                _("Place the report on the map before accepting."),
                detail={"field": "location"},
            )
        report.save(update_fields=["lat", "lon", "input_datum", "address"])
        source = report.open311_client.source if report.open311_client else Source.PUBLIC
        _accept(
            report,
            user,
            category=category,
            source=source,
            title=title,
            dispatch=dispatch,
            note=note,
            located=located,
        )
    return report


def public_report_reject(user, report_id, *, reason: str) -> PublicReport:
    """The office does not accept a pending report; the ``reason`` (required, at most 500
    characters) is shown to the citizen on the status page. 403, 404, 409, 400."""
    _require_office(user)
    reason = clean_text(reason, "reason", _("Reason"), max_length=REASON_MAX, required=True)
    with transaction.atomic():
        report = _lock_report(report_id)
        _require_pending(report)
        report.status = PublicReport.Status.REJECTED
        report.reject_reason = reason
        report.decided_at = timezone.now()
        report.decided_by = user
        report.save(update_fields=["status", "reject_reason", "decided_at", "decided_by"])
        _event(report, "reject", user, note=reason)
    return report


def public_report_merge(user, report_id, *, case_id, note: str = "") -> PublicReport:
    """The office merges a pending report into an open case (the same problem): the report
    points to the case, whose timeline the citizen then follows; the reporter counts as one
    support of the case. 400 when the case is unknown or ended; 403, 404, 409."""
    _require_office(user)
    note = clean_text(note, "note", _("Note"), max_length=REASON_MAX)
    with transaction.atomic():
        report = _lock_report(report_id)
        _require_pending(report)
        try:
            if not (str(case_id).isascii() and str(case_id).isdigit()):
                raise NotFound("case")  # " 1" or 1.5 is no case id
            # The case's timeline records the merge; the case is locked until commit.
            target = case_services.case_link_report(
                user, case_id, public_report_id=report.pk, note=note
            ).case
        except NotFound:
            target = None
        except ApplicationError as exc:
            if exc.code != "case_ended":
                raise
            target = None
        if target is None:
            raise ApplicationError(
                "invalid_merge",
                _("The case to merge into is unknown or already ended."),
                detail={"field": "case_id"},
            )
        report.status = PublicReport.Status.MERGED
        report.case = target
        report.decided_at = timezone.now()
        report.decided_by = user
        report.save(update_fields=["status", "case", "decided_at", "decided_by"])
        who = report.phone_hash or report.ip_hash
        if who:
            Support.objects.get_or_create(
                case=target, who_hash=who, defaults={"created_at": report.decided_at}
            )
        _event(report, "merge", user, note=note, data={"case_id": target.pk})
    return report


# --- supports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Supported:
    """Result of :func:`public_support_add`: ``created`` False when this person had already
    supported the case; ``count`` the case's supports now."""

    created: bool
    count: int


def public_support_add(case_id, *, phone: str = "", client_ip: str = "") -> Supported:
    """A citizen adds "+1" (我也遇到了) to an open case instead of filing a duplicate.

    One support per case and person (phone when given, else IP address; keyed hashes).
    Raises ApplicationError 404 (unknown case), 409 (case already ended), 400 (bad phone, or
    no identity at all), 429 (rate limit per IP).
    """
    phone = normalize_phone(phone)
    who = ratelimit.identity_hash("phone", phone) or ratelimit.identity_hash("ip", client_ip or "")
    if not who:
        raise ApplicationError(
            "identity_required", _("We could not tell who you are; please add a phone number.")
        )
    try:
        case = Case.objects.only("id", "status").get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("case") from None
    if case.status in FINAL:
        raise ApplicationError(
            "case_ended", _("This problem is already closed; thank you."), status=409
        )
    ratelimit.hit("support_ip", ratelimit.identity_hash("ip", client_ip or ""))
    created = False
    try:
        with transaction.atomic():
            Support.objects.create(case=case, who_hash=who, created_at=timezone.now())
            created = True
    except IntegrityError:
        created = False
    return Supported(created, Support.objects.filter(case=case).count())


# --- Open311 clients --------------------------------------------------------------------


def open311_client_create(
    user, *, name: str, user_id, source: str = Source.HOTLINE, trusted: bool = False
) -> tuple[Open311Client, str]:
    """Register an Open311 client acting as ``user_id``; returns it and its api_key, which
    is shown once and stored only as SHA-256. Office only (403); 400 for an empty or taken
    name, unknown user or source."""
    if not scope_for(user).is_office:
        raise _forbidden(_("Only the campaign office can register Open311 clients."))
    name = clean_text(name, "name", _("Name"), max_length=100, required=True)
    if source not in Source.values:
        raise ApplicationError("invalid_source", _("Unknown source."), detail={"field": "source"})
    acting = (
        get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if str(user_id).isdigit()
        else None
    )
    if acting is None:
        raise ApplicationError("unknown_user", _("Unknown user."), detail={"field": "user_id"})
    key = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            client = Open311Client.objects.create(
                name=name,
                key_hash=Open311Client.hash(key),
                key_prefix=key[:6],
                user=acting,
                source=source,
                trusted=bool(trusted),
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise ApplicationError(
            "name_taken", _("A client with this name exists."), detail={"field": "name"}
        ) from None
    return client, key
