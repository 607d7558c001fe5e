"""Open311 GeoReport v2: formats, parameters and the reads behind /open311/v2/.

Specification: http://wiki.open311.org/GeoReport_v2 . Decisions where the text leaves room:

- ``service_request_id`` is the case number (a string such as ``"2021000123"``); a request
  posted by an untrusted client, or without coordinates, waits for the office's triage and
  the response carries a ``token`` (the report's tracking code) instead;
  ``GET tokens/<token>`` gives the case number once the office accepted it.
- ``service_code`` is the category code; ``group`` the name of the top of its category tree.
  Only active leaf categories are services.
- Datetimes are ISO 8601 with the offset of ``TIME_ZONE`` (``2021-03-05T15:00:00+08:00``).
  Query datetimes may use any offset or ``Z``; a date or a datetime without offset is read in
  ``TIME_ZONE`` (a date alone is the start of that day, for ``end_date`` its end).
- ``GET requests`` without ``service_request_id`` covers at most 90 days of
  ``requested_datetime`` (``start_date``/``end_date``; the last 90 days by default), newest
  first, 1000 per page (``page_size`` ≤ 1000 and ``page`` ≥ 1 are accepted, as many servers do).
- Reads need no key (unless ``WENMING_OPEN311_ANONYMOUS_READ = False``). Without one,
  ``description`` is left out (it is the reporter's text) and every case is listed, or only
  those of the sources in ``WENMING_OPEN311_PUBLIC_SOURCES`` when the office sets it; with
  a client's ``api_key`` the client's user scope applies and descriptions are included.
- ``status`` is ``open``/``closed``; the FixMyStreet extended statuses are accepted as status
  filters, given in ``extended_attributes`` when ``extensions=true``, and used by
  ``GET servicerequestupdates`` (mySociety's extension). See :mod:`wenming.public.statuses`.
- ``coord_system`` (our extension): ``wgs84`` (default), ``gcj02`` or ``bd09`` for the posted
  ``lat``/``long``; responses are always WGS-84.
- Errors: ``[{"code": <HTTP status>, "description": ...}]`` (XML ``<errors><error>``) with
  400, 403 or 404. Output is always valid JSON/XML (characters XML 1.0 cannot carry are
  dropped).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import connections
from django.db.models import F, Max, OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case, CaseEvent, CasePhoto
from wenming.cases.selectors import cases_visible_to
from wenming.core import reference
from wenming.taxonomy.models import Category
from wenming.taxonomy.selectors import reportable_categories

from .models import Open311Client, ServiceAttribute, attribute_options
from .statuses import FMS_TO_CASE, OPEN311_TO_CASE, PUBLIC_EVENT_WORDS, STATUS_MAP
from .suggest import SYNONYMS

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # when this document's shape last changed
MAX_WINDOW = timedelta(days=90)
DEFAULT_LIMIT = 1000
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# Plural element → the element of each item in XML.
XML_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
    "media_urls": "media_url",
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Open311Error(Exception):
    """An Open311 error answer: HTTP ``status`` (400, 403, 404) and a ``description``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = str(description)


# --- rendering --------------------------------------------------------------------------


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # A raw CR would come back as LF from any XML parser (end-of-line handling); &#13; stays.
    return escape(_XML_INVALID.sub("", str(value)), {"\r": "&#13;"})


def _xml_element(tag: str, value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append(f"<{tag}>")
        for k, v in value.items():
            _xml_element(k, v, out)
        out.append(f"</{tag}>")
    elif isinstance(value, list | tuple):
        out.append(f"<{tag}>")
        item = XML_ITEMS.get(tag, "item")
        for v in value:
            _xml_element(item, v, out)
        out.append(f"</{tag}>")
    elif value is None or value == "":
        out.append(f"<{tag}/>")
    else:
        out.append(f"<{tag}>{_xml_text(value)}</{tag}>")


def to_xml(root: str, data: Any) -> str:
    """XML document for ``data`` under ``root``: a list gives one child per item (named by
    :data:`XML_ITEMS`), a dict one child per key; None and '' give empty elements."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _xml_element(root, data, out)
    return "".join(out)


def render(data: Any, fmt: str, root: str, *, status: int = 200) -> HttpResponse:
    """The response in ``fmt`` (``json`` or ``xml``); ``root`` names the XML root element."""
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return respond(body, fmt, status=status)


def respond(body: str | bytes, fmt: str, *, status: int = 200) -> HttpResponse:
    """The response for a document already written in ``fmt`` (``json`` or ``xml``); text
    is encoded as UTF-8, a lone surrogate (never valid UTF-8) as ``?``."""
    if isinstance(body, str):
        # "replace": a lone surrogate must not turn a response into a 500.
        body = body.encode("utf-8", "replace")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    """``[{"code": status, "description": ...}]`` / ``<errors><error>…`` with that status."""
    return render(
        [{"code": status, "description": str(description)}],
        fmt if fmt in CONTENT_TYPES else "json",
        "errors",
        status=status,
    )


# --- datetimes --------------------------------------------------------------------------


def format_dt(value: datetime | None) -> str | None:
    """ISO 8601 with the local offset, whole seconds: ``2021-03-05T15:00:00+08:00``."""
    if value is None:
        return None
    return value.astimezone(timezone.get_default_timezone()).isoformat(timespec="seconds")


DATE_RANGE = (1900, 2999)  # years a query date may name


def parse_dt(value: str, name: str, *, end: bool = False) -> datetime:
    """A W3C/ISO 8601 datetime from a query (see the module docstring), in the years of
    :data:`DATE_RANGE`; Open311Error 400."""
    text = value.strip()
    tz = timezone.get_default_timezone()
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            parsed = datetime.combine(day, time.max if end else time.min, tzinfo=tz)
        else:
            parsed = datetime.fromisoformat(text.replace(" ", "+", 1) if "T" in text else text)
            if timezone.is_naive(parsed):
                parsed = parsed.replace(tzinfo=tz)
    except ValueError:
        raise Open311Error(
            400,
            _("%(name)s is not a date-time; use e.g. 2021-03-05T00:00:00+08:00.") % {"name": name},
        ) from None
    if not DATE_RANGE[0] <= parsed.year <= DATE_RANGE[1]:
        # Year 1 or 9999 would overflow when converted to UTC or moved by the 90-day window.
        raise Open311Error(
            400,
            _("%(name)s must be between the years %(low)d and %(high)d.")
            % {"name": name, "low": DATE_RANGE[0], "high": DATE_RANGE[1]},
        )
    return parsed


# --- clients ----------------------------------------------------------------------------


def client_for_key(api_key: str | None, *, required: bool) -> Open311Client | None:
    """The active client with this api_key (its user must be active). Missing key: None, or
    Open311Error 403 when ``required``; a wrong key is always 403."""
    if not api_key:
        if required:
            raise Open311Error(403, _("An api_key is required."))
        return None
    if len(api_key) > 200:
        raise Open311Error(403, _("Invalid api_key."))
    key_hash = Open311Client.hash(api_key)
    client = _clients.get(key_hash, lambda: _active_client(key_hash))
    if client is None:
        raise Open311Error(403, _("Invalid api_key."))
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        # Audit hint only, minute precision (not a state change of the domain; the column
        # does not move the reference stamp, so the cached client stays).
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


# Clients by key hash, with their users (whose memberships scope_for() caches on them): the
# "org" part covers the clients, users' active flags and memberships.
_clients = reference.Cache("org")


def _active_client(key_hash: str) -> Open311Client | None:
    return (
        Open311Client.objects.select_related("user")
        .filter(key_hash=key_hash, is_active=True, user__is_active=True)
        .first()
    )


def check_jurisdiction(params) -> None:
    """``jurisdiction_id``, when given, must be ours (``WENMING_OPEN311_JURISDICTION``,
    default the city code); 404 otherwise."""
    given = params.get("jurisdiction_id")
    ours = getattr(settings, "WENMING_OPEN311_JURISDICTION", settings.WENMING_CITY_CODE)
    if given and given != ours:
        raise Open311Error(404, _("Unknown jurisdiction_id."))


# --- services ---------------------------------------------------------------------------


def _category_tree() -> dict[int, tuple[int | None, str]]:
    return {
        pk: (parent, name)
        for pk, parent, name in Category.objects.values_list("id", "parent_id", "name")
    }


def services() -> list[dict]:
    """GET services: the active leaf categories, ordered by code. Kept per process until
    a category or service attribute changes (:mod:`wenming.core.reference`): building it
    cost 2.7 ms a request, the stamp read costs one small query. The list is shared:
    callers must not change it."""
    return _services.get("all", _build_services)


_services = reference.Cache("taxonomy")


def _build_services() -> list[dict]:
    tree = _category_tree()
    leaves = (
        Category.objects.filter(is_active=True)
        .exclude(children__is_active=True)
        .distinct()
        .order_by("code")
        .values_list("id", "code", "name", "legal_basis")
    )
    global_attrs = ServiceAttribute.objects.filter(is_active=True, category__isnull=True).exists()
    with_attrs = set(
        ServiceAttribute.objects.filter(is_active=True, category__isnull=False).values_list(
            "category_id", flat=True
        )
    )
    out = []
    for pk, code, name, legal_basis in leaves:
        top = pk
        for _hop in range(20):
            parent = tree[top][0]
            if parent is None:
                break
            top = parent
        out.append(
            {
                "service_code": code,
                "service_name": name,
                "description": legal_basis or "",
                "metadata": global_attrs or pk in with_attrs,
                "type": "realtime",
                "keywords": ", ".join(SYNONYMS.get(name, ())),
                "group": tree[top][1],
            }
        )
    return out


def service_category(code: str) -> Category:
    """The active, specific category of a service code (from
    :func:`~wenming.taxonomy.selectors.reportable_categories`, cached per process until the
    categories change); Open311Error 404, also for a class of problems (大类), which
    services.json does not list."""
    category = _categories.get(code, lambda: reportable_categories().filter(code=code).first())
    if category is None or category.broad:  # a class of problems is not a service
        raise Open311Error(404, _("Unknown service_code %(code)s.") % {"code": code})
    return category


_categories = reference.Cache("taxonomy")


def service_definition(code: str) -> dict:
    """GET services/<code>: the service's attributes (ours and those of every service)."""
    from .services import service_attributes

    category = service_category(code)
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": a.order,
                "description": a.description,
                "values": [{"key": k, "name": n} for k, n in attribute_options(a.values)],
            }
            for a in service_attributes(category)
        ],
    }


# --- requests ---------------------------------------------------------------------------


def _base_queryset(client: Open311Client | None) -> QuerySet[Case]:
    """Cases a reader may list: a client's user scope; without a key every case, or only
    those from ``WENMING_OPEN311_PUBLIC_SOURCES`` (a list of case sources) when set."""
    if client is not None:
        return cases_visible_to(client.user)
    sources = getattr(settings, "WENMING_OPEN311_PUBLIC_SOURCES", None)
    return Case.objects.filter(source__in=sources) if sources is not None else Case.objects.all()


def reader(api_key: str | None) -> Open311Client | None:
    """The client of a read (GET) request: None without a key, unless
    ``WENMING_OPEN311_ANONYMOUS_READ`` is False (then 403, as a wrong key always is)."""
    anonymous_ok = getattr(settings, "WENMING_OPEN311_ANONYMOUS_READ", True)
    return client_for_key(api_key, required=not anonymous_ok)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _int_param(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a whole number.") % {"name": name}) from None
    if not low <= value <= high:
        raise Open311Error(
            400,
            _("%(name)s must be between %(low)d and %(high)d.")
            % {"name": name, "low": low, "high": high},
        )
    return value


def filter_requests(params, client: Open311Client | None) -> tuple[QuerySet[Case], int, int]:
    """The cases a ``GET requests`` query asks for, with (offset, limit).

    Raises Open311Error 400 for a bad date, a window over 90 days, an end before the start,
    an unknown status or bad paging numbers.
    """
    qs = _base_queryset(client)
    ids = _split(params.get("service_request_id"))
    page_size = _int_param(params, "page_size", DEFAULT_LIMIT, 1, DEFAULT_LIMIT)
    page = _int_param(params, "page", 1, 1, 1_000_000)
    if ids:  # "This overrides all other arguments."
        if len(ids) > DEFAULT_LIMIT:
            raise Open311Error(400, _("At most 1000 service_request_id values at once."))
        return qs.filter(number__in=ids), 0, DEFAULT_LIMIT
    codes = _split(params.get("service_code"))
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = _split(params.get("status"))
    if statuses:
        wanted: set[str] = set()
        for s in statuses:
            key = s.lower()
            if key not in FMS_TO_CASE:
                raise Open311Error(
                    400,
                    _("Unknown status %(status)s; use open or closed.") % {"status": s},
                )
            wanted.update(FMS_TO_CASE[key])
        qs = qs.filter(status__in=sorted(wanted))
    now = timezone.now()
    start = parse_dt(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_dt(params["end_date"], "end_date", end=True) if params.get("end_date") else None
    if start and end and end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if start and end and end - start > MAX_WINDOW + timedelta(days=1):
        raise Open311Error(400, _("start_date and end_date may span at most 90 days."))
    if start is None and end is None:
        start = now - MAX_WINDOW
    elif start is None:
        start = end - MAX_WINDOW
    qs = qs.filter(reported_at__gte=start)
    if end is not None:
        qs = qs.filter(reported_at__lte=end)
    return qs, (page - 1) * page_size, page_size


_ROW_FIELDS = (
    "id",
    "number",
    "status",
    "category__code",
    "category__name",
    "description",
    "unit__name",
    "reported_text",
    "deadline_text",
    "address",
    "lat",
    "lon",
    "merged_into_number",
    "updated",
)


def request_rows(
    qs: QuerySet[Case], offset: int, limit: int, *, with_description: bool = True
) -> tuple[list[tuple], dict[int, str], dict[int, str]]:
    """One page of requests: (rows, photos, links). ``rows`` are tuples of
    :data:`_ROW_FIELDS` (datetimes as UTC text; ``description`` None unless
    ``with_description``); ``photos`` maps a case id to its first before-photo (a path in
    the media storage), ``links`` to the ``media_url`` an Open311 client posted. Two
    queries, whatever the page size.

    ``updated`` (the last event's time) is a correlated subquery on the (case, seq) index.
    ``merged_into_number`` is one too on PostgreSQL: joined, it hashed the whole case table
    for the few merged rows (7 ms of a 12 ms query at 20,000 cases; the GET 18.7 → 12.0 ms;
    at 100,000 cases the planner already chose index lookups: no change there); SQLite
    looks each up by primary key either way and is 0.4 ms faster with the join.
    Photos and posted links are read for the page's ids (the page query's index range again,
    as a subquery) in a second query: as correlated subqueries, PostgreSQL scanned the photo
    table once per row while it was small (1.1 ms per page) and sorted each case's photos
    (1.5 ms at 130,000 photos), and SQLite's planner took the report status index and
    scanned every report for every row (370 ms per page at 5000 cases). A list of 1000 ids
    as parameters costs the drivers more than that subquery (4 ms on PostgreSQL).
    """
    last_event = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-seq").values("at")[:1]
    if connections[qs.db].vendor == "postgresql":
        merged_into = Subquery(
            Case.objects.filter(pk=OuterRef("merged_into_id")).order_by().values("number")[:1]
        )
    else:
        merged_into = F("merged_into__number")
    ordered = qs.order_by(F("reported_at").desc(), F("id").desc())
    text = TextField()
    page = ordered.annotate(
        # Datetimes as text (UTC): converted by iso_converter, far cheaper than the
        # drivers' per-value loaders for thousands of values.
        reported_text=Cast("reported_at", text),
        deadline_text=Cast("deadline", text),
        updated=Cast(Subquery(last_event), text),
        merged_into_number=merged_into,
    )
    fields = _ROW_FIELDS
    if not with_description:  # the reporter's text: not read when it is not shown
        page = page.annotate(no_description=Value(None, output_field=text))
        fields = tuple("no_description" if f == "description" else f for f in fields)
    page = page.values_list(*fields)[offset : offset + limit]
    # The ORM writes the SQL; the rows are read raw, because its per-value converters cost
    # more than the query for 1000 rows.
    sql, params = page.query.sql_with_params()
    ids_sql, ids_params = ordered.values("id")[offset : offset + limit].query.sql_with_params()
    connection = connections[page.db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        kind = CasePhoto.Kind.BEFORE.value
        cursor.execute(_extras_sql(connection, ids_sql), [kind, *ids_params, *ids_params])
        extras = cursor.fetchall()
    photos: dict[int, str] = {}
    links: dict[int, str] = {}
    for kind, case_id, _pk, value in sorted(extras, key=lambda r: (r[0], r[2])):
        if kind == 0:
            photos.setdefault(case_id, value)  # the first before-photo
        else:
            links[case_id] = value  # the last posted link
    return rows, photos, links


def _extras_sql(connection, ids_sql: str) -> str:
    """SQL of (0, case id, photo id, image) for the before-photos and (1, case id, report
    id, media_url) for the posted links of the cases ``ids_sql`` selects (used twice: its
    parameters twice, after the photo kind)."""
    from .models import PublicReport

    # Only quoted model names and the ORM's own SQL are put together; values are parameters.
    q = connection.ops.quote_name
    photo, report = q(CasePhoto._meta.db_table), q(PublicReport._meta.db_table)
    case, pk, image, url = q("case_id"), q("id"), q("image"), q("media_url")
    among = f"IN ({ids_sql})"  # SQLite probes the case index for each id of the list
    photo_among = among
    if connection.vendor == "postgresql":
        # With IN (subquery) PostgreSQL hashes the ids and scans every photo (10 ms for
        # 130,000 photos); with an array it probes the case index for each id (1.4 ms).
        # Reports keep IN: few have a media_url, and PostgreSQL filters them first (0.1 ms
        # for 300 reports, where 1000 probes cost 0.8 ms).
        photo_among = f"= ANY(ARRAY({ids_sql}))"
    return (
        f"SELECT 0, {case}, {pk}, {image} FROM {photo}"  # noqa: S608
        f" WHERE {q('kind')} = %s AND {case} {photo_among}"
        f" UNION ALL SELECT 1, {case}, {pk}, {url} FROM {report}"
        f" WHERE {case} {among} AND {url} <> ''"
    )


def _iso(value, tz) -> str | None:
    """A stored datetime (aware, or naive or text in UTC: SQLite gives
    ``2021-03-05 07:00:00.123456``, PostgreSQL ``2021-03-05 07:00:00.123456+00``) as ISO
    8601 in ``tz``, whole seconds."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).isoformat(timespec="seconds")


_ONE_HOUR_BUT_A_MICROSECOND = timedelta(hours=1, microseconds=-1)
_ZERO = timedelta(0)


def _hour_text(utc: datetime, tz) -> tuple[str, str] | None:
    """For the UTC hour of ``utc``: (the local ``YYYY-MM-DDTHH``, the offset such as
    ``+08:00``) in ``tz``; None when the offset is not whole hours, changes within that hour
    (checked at both ends) or the hour is at the calendar's edge."""
    start = utc.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    try:
        first = start.astimezone(tz)
        last = (start + _ONE_HOUR_BUT_A_MICROSECOND).astimezone(tz)
    except (OverflowError, ValueError):
        return None
    offset = first.utcoffset()
    if offset != last.utcoffset() or offset % timedelta(hours=1) != _ZERO:
        return None
    # isoformat always writes four year digits: the hour ends at 13, the offset starts at 19.
    text = first.isoformat(timespec="seconds")
    return text[:13], text[19:]


# (tz, quote) → {"2021-03-05 07" (a UTC hour as the databases write it) → (local hour and
# offset with the quotes, or False)}, for iso_converter.
_HOURS: dict[tuple[Any, str], dict[str, tuple[str, str] | bool]] = {}
_HOURS_MAX = 100_000  # about 11 years of hours


def iso_converter(tz, *, quoted: bool = False):
    """A function giving what :func:`_iso` gives (ISO 8601 in ``tz``, whole seconds, or
    None; ValueError for text that is no datetime), in double quotes when ``quoted`` (a
    JSON string; None stays None), for many values at a fraction of the cost.

    The text the databases give for a UTC datetime (``2021-03-05 07:00:00.123456``,
    PostgreSQL with ``+00``) keeps its minutes and seconds when the offset of ``tz`` is whole
    hours: only the date and hour are replaced, looked up once per UTC hour. Anything else
    (other text, datetimes, an hour in which the offset changes) takes :func:`_iso`. The
    hours are kept for the process (facts of the zone, at most :data:`_HOURS_MAX` per zone):
    a page's requests share a few hundred hours.
    """
    quote = '"' if quoted else ""
    hours = _HOURS.setdefault((tz, quote), {})
    if len(hours) > _HOURS_MAX:
        hours.clear()
    parse = datetime.fromisoformat

    def convert(value) -> str | None:
        if value is None:
            return None
        if value.__class__ is str:
            utc = parse(value)  # the check that it is a datetime
            if (
                value[10:11] == " "
                and value[13:14] == ":"
                and value[16:17] == ":"
                and (utc.tzinfo is None or utc.utcoffset() == _ZERO)
            ):
                hour = hours.get(value[:13])
                if hour is None:
                    found = _hour_text(utc, tz)
                    hour = hours[value[:13]] = (
                        (quote + found[0], found[1] + quote) if found else False
                    )
                if hour:
                    return hour[0] + value[13:19] + hour[1]
            value = utc
        return quote + _iso(value, tz) + quote

    return convert


def ledger_stamp() -> int | None:
    """A cheap mark of the ledger's state: the highest CaseEvent id. Every change of a case
    writes an event (the outbox), so a cached page with the same mark is current, except for
    renamed units or categories and (PostgreSQL) a transaction that commits after a later one:
    the cache's time limit bounds both."""
    return CaseEvent.objects.aggregate(m=Max("id"))["m"]


def serialize_requests(
    page: tuple[list[tuple], dict[int, str], dict[int, str]],
    *,
    with_description: bool,
    extensions: bool,
    media_base: str,
) -> list[dict]:
    """Open311 request dicts, in the spec's field order, for a page from
    :func:`request_rows`.

    ``media_base``: absolute URL prefix of stored files (for ``media_url``). The JSON
    answer is written by :func:`requests_json` (the same document, without the dicts).
    """
    rows, photos, links = page
    convert = iso_converter(timezone.get_default_timezone())
    formatted: dict = {}  # most requests' updated_datetime is their requested_datetime

    def iso(value):
        text = formatted.get(value)
        if text is None and value is not None:
            text = formatted[value] = convert(value)
        return text

    notes = {status: str(row.citizen) for status, row in STATUS_MAP.items()}
    merged_note = _("Handled together with request %(number)s")
    out = []
    for (
        case_id,
        number,
        status,
        code,
        name,
        description,
        unit_name,
        reported_at,
        deadline,
        address,
        lat,
        lon,
        merged_into,
        updated,
    ) in rows:
        row = STATUS_MAP[status]
        photo = photos.get(case_id)
        item = {
            "service_request_id": number,
            "status": row.open311,
            "status_notes": merged_note % {"number": merged_into} if merged_into else notes[status],
            "service_name": name,
            "service_code": code,
            "description": (description or None) if with_description else None,
            "agency_responsible": unit_name,
            "service_notice": None,
            "requested_datetime": iso(reported_at),
            "updated_datetime": iso(updated or reported_at),
            "expected_datetime": iso(deadline),
            "address": address or None,
            "address_id": None,
            "zipcode": None,
            "lat": lat,
            "long": lon,
            "media_url": (media_base + photo) if photo else (links.get(case_id) or None),
        }
        if extensions:
            item["extended_attributes"] = {
                "fixmystreet_status": row.fms,
                "detailed_status": status,
            }
        out.append(item)
    return out


_encode_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses


def _json(value: Any) -> str:
    """``value`` as JSON, exactly as :func:`render` writes it."""
    if value.__class__ is str:
        return _encode_str(value)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def requests_json(
    page: tuple[list[tuple], dict[int, str], dict[int, str]],
    *,
    with_description: bool,
    extensions: bool,
    media_base: str,
) -> bytes:
    """The UTF-8 body :func:`render` writes for ``serialize_requests(page, ...)`` (the same
    bytes), built without the dicts: per request a few pieces of bytes; the parts that
    repeat (status and notes, service, unit, datetimes) are encoded once per page.

    Bytes, not text: the notes and names are Chinese, and one str of the whole list would be
    widened to two bytes per character and encoded again (twice the cost of the pieces).
    """
    rows, photos, links = page
    convert = iso_converter(timezone.get_default_timezone(), quoted=True)
    times: dict = {}  # stored datetime text → its JSON
    notes = {status: str(row.citizen) for status, row in STATUS_MAP.items()}
    merged_note = _("Handled together with request %(number)s")
    heads: dict = {}  # (status, merged_into, code, name) → the JSON members they give
    tails = {  # status → what follows media_url
        status: (
            f',"extended_attributes":{{"fixmystreet_status":{_json(row.fms)},'
            f'"detailed_status":{_json(status)}}}}}'
            if extensions
            else "}"
        )
        for status, row in STATUS_MAP.items()
    }
    units: dict = {None: b',"agency_responsible":null,"service_notice":null,'}
    extras = bool(photos or links)
    out: list[bytes] = []
    append = out.append
    encode = _encode_str
    lead = "["
    for (
        case_id,
        number,
        status,
        code,
        name,
        description,
        unit_name,
        reported_at,
        deadline,
        address,
        lat,
        lon,
        merged_into,
        updated,
    ) in rows:
        key = (status, merged_into, code, name)
        head = heads.get(key)
        if head is None:
            row = STATUS_MAP[status]
            note = merged_note % {"number": merged_into} if merged_into else notes[status]
            head = heads[key] = (
                f',"status":{_json(row.open311)},"status_notes":{_json(note)},'
                f'"service_name":{_json(name)},"service_code":{_json(code)},"description":'
            ).encode("utf-8", "replace")
        unit = units.get(unit_name)
        if unit is None:
            unit = units[unit_name] = (
                f',"agency_responsible":{_json(unit_name)},"service_notice":null,'
            ).encode("utf-8", "replace")
        requested = times.get(reported_at)
        if requested is None:
            requested = times[reported_at] = convert(reported_at)
        if updated is None or updated == reported_at:
            changed = requested
        else:
            changed = times.get(updated)
            if changed is None:
                changed = times[updated] = convert(updated)
        if deadline is None:
            expected = "null"
        else:
            expected = times.get(deadline)
            if expected is None:
                expected = times[deadline] = convert(deadline)
        if extras:
            photo = photos.get(case_id)
            media = (media_base + photo) if photo else (links.get(case_id) or None)
            media = "null" if media is None else _json(media)
        else:
            media = "null"
        append(
            f'{lead}{{"service_request_id":'
            f"{encode(number) if number.__class__ is str else _json(number)}".encode(
                "utf-8", "replace"
            )
        )
        append(head)
        append(
            (_json(description) if with_description and description else "null").encode(
                "utf-8", "replace"
            )
        )
        append(unit)
        append(
            f'"requested_datetime":{requested},"updated_datetime":{changed},'
            f'"expected_datetime":{expected},"address":'.encode()
        )
        append(_json(address).encode("utf-8", "replace") if address else b"null")
        append(
            f',"address_id":null,"zipcode":null,'
            f'"lat":{repr(lat) if lat.__class__ is float and lat - lat == 0 else _json(lat)},'
            f'"long":{repr(lon) if lon.__class__ is float and lon - lon == 0 else _json(lon)},'
            f'"media_url":{media}{tails[status]}'.encode("utf-8", "replace")
        )
        lead = ","
    append(b"]" if out else b"[]")
    return b"".join(out)


def updates(params, client: Open311Client | None, *, media_base: str) -> list[dict]:
    """GET servicerequestupdates (mySociety's extension): the public steps of cases in the
    ``start_date``/``end_date`` window (at most 90 days; the last 24 hours by default), with
    FixMyStreet extended statuses; oldest first, at most 1000."""
    now = timezone.now()
    start = parse_dt(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_dt(params["end_date"], "end_date", end=True) if params.get("end_date") else None
    if start and end and end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if start and end and end - start > MAX_WINDOW + timedelta(days=1):
        raise Open311Error(400, _("start_date and end_date may span at most 90 days."))
    if start is None:
        start = (end or now) - (MAX_WINDOW if end else timedelta(days=1))
    events = CaseEvent.objects.filter(
        at__gte=start,
        action__in=list(PUBLIC_EVENT_WORDS),
        case__in=_base_queryset(client).values("id"),
    )
    if end is not None:
        events = events.filter(at__lte=end)
    rows = events.order_by("at", "id").values_list(
        "id", "case__number", "to_status", "action", "at"
    )[:DEFAULT_LIMIT]
    words = {action: str(text) for action, text in PUBLIC_EVENT_WORDS.items()}
    return [
        {
            "update_id": str(pk),
            "service_request_id": number,
            "status": STATUS_MAP[to_status].fms,
            "updated_datetime": format_dt(at),
            "description": words[action],
            "media_url": "",
        }
        for pk, number, to_status, action, at in rows
    ]


def status_values() -> list[str]:
    """Every accepted ``status`` filter value (open, closed and the extended ones we use)."""
    return sorted(set(FMS_TO_CASE) | set(OPEN311_TO_CASE))
