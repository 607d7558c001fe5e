"""HTTP endpoints of Open311 GeoReport v2 under /open311/v2/ (see :mod:`wenming.public.open311`).

The views translate HTTP to the reads in :mod:`~wenming.public.open311` and the service
:func:`~wenming.public.services.public_report_submit`; every refusal is rendered as an
Open311 error list in the requested format.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wenming.core import reference
from wenming.core.errors import ApplicationError

from . import open311
from .models import PublicReport
from .open311 import Open311Error, render, render_error
from .services import IDEMPOTENCY_KEY_RE, public_report_submit

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")
CONTACT_FIELDS = ("first_name", "last_name", "email", "device_id", "account_id", "address_id")


def endpoint(*methods: str):
    """Decorate a view ``(request, fmt, **kw)``: method check, jurisdiction check, and
    Open311/Application errors rendered as ``errors`` in ``fmt`` (400, 403, 404, 405, or
    409 for an Idempotency-Key reused with other content)."""

    def wrap(view):
        @functools.wraps(view)
        def inner(request, fmt, **kwargs):
            if request.method not in methods:
                response = render_error(fmt, 405, _("Method not allowed."))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                params = request.POST if request.method == "POST" else request.GET
            except (RequestDataTooBig, TooManyFieldsSent):
                # Django's own 400 page would not be an Open311 error list.
                return render_error(
                    fmt, 400, _("The request is too large (too many fields or too much data).")
                )
            try:
                open311.check_jurisdiction(params)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return render_error(fmt, exc.status, exc.description)
            except ApplicationError as exc:
                if exc.code == "idempotency_conflict":  # the web form's words mean nothing here
                    return render_error(
                        fmt,
                        409,
                        _(
                            "This Idempotency-Key was already used for a request with other content."
                        ),
                    )
                status = exc.status if exc.status in (400, 403, 404) else 400
                return render_error(fmt, status, exc.message)

        return csrf_exempt(inner)

    return wrap


def _media_base(request) -> str:
    media = settings.MEDIA_URL
    if media.startswith(("http://", "https://")):
        return media
    return request.build_absolute_uri("/" + media.lstrip("/"))


@endpoint("GET")
def discovery(request, fmt):
    """The discovery document: where the endpoint is and which formats it speaks."""
    url = request.build_absolute_uri(reverse("open311:discovery", args=["json"]))
    base = url.rsplit("/", 1)[0] + "/"
    data = {
        "changeset": open311.CHANGESET,
        "contact": getattr(settings, "WENMING_OPEN311_CONTACT", "")
        or getattr(settings, "WENMING_OFFICE_NAME", ""),
        "key_service": getattr(settings, "WENMING_OPEN311_KEY_SERVICE", ""),
        "endpoints": [
            {
                "specification": open311.SPECIFICATION,
                "url": base,
                "changeset": open311.CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(data, fmt, "discovery")


@endpoint("GET")
def services(request, fmt):
    """GET services."""
    return render(open311.services(), fmt, "services")


@endpoint("GET")
def service_definition(request, fmt, code):
    """GET services/<service_code>."""
    return render(open311.service_definition(code), fmt, "service_definition")


def cache_seconds() -> float:
    """How long a rendered request list may be reused (``WENMING_OPEN311_CACHE_SECONDS``,
    default 10; 0 turns the cache off)."""
    return float(getattr(settings, "WENMING_OPEN311_CACHE_SECONDS", 10))


def _cached(request, fmt, client, build):
    """The response of ``build()``, reused while the ledger stamp is unchanged and for at
    most :func:`cache_seconds` (Django's cache: per process with the default LocMemCache,
    shared with Redis). Keyed by format, client, language and the query (without the key)."""
    ttl = cache_seconds()
    if ttl <= 0:
        return build()
    query = sorted((k, v) for k, v in request.GET.lists() if k != "api_key")
    # The host and scheme too: media_url is an absolute address built from them.
    origin = _media_base(request)
    raw = json.dumps(
        [origin, request.path, fmt, client.pk if client else None, get_language(), query]
    )
    key = "wenming:open311:" + hashlib.sha256(raw.encode()).hexdigest()
    stamp = open311.ledger_stamp()
    hit = cache.get(key)
    if hit is not None and hit[0] == stamp:
        return HttpResponse(hit[1], status=hit[2], content_type=open311.CONTENT_TYPES[fmt])
    response = build()
    cache.set(key, (stamp, response.content, response.status_code), ttl)
    return response


def _request_list(request, fmt, client, qs, offset, limit, *, one=None):
    with_description = client is not None  # the reporter's words: only with a key
    page = open311.request_rows(qs, offset, limit, with_description=with_description)
    if one is not None and not page[0]:
        raise Open311Error(404, _("Unknown service_request_id %(id)s.") % {"id": one})
    options = {
        "with_description": with_description,
        "extensions": request.GET.get("extensions", "").lower() in ("true", "1"),
        "media_base": _media_base(request),
    }
    if fmt == "json":  # the same document as render() writes, without the dicts
        return open311.respond(open311.requests_json(page, **options), fmt)
    return render(open311.serialize_requests(page, **options), fmt, "service_requests")


@endpoint("GET", "POST")
def requests(request, fmt):
    """GET requests (query) and POST requests (create)."""
    if request.method == "POST":
        # One read of the reference stamps for the whole intake (client, category,
        # attributes, areas, routing), not one per lookup; the intake changes none of them.
        with reference.pinned():
            return _post_request(request, fmt)
    client = open311.reader(request.GET.get("api_key"))

    def build():
        qs, offset, limit = open311.filter_requests(request.GET, client)
        return _request_list(request, fmt, client, qs, offset, limit)

    return _cached(request, fmt, client, build)


@endpoint("GET")
def request_detail(request, fmt, request_id):
    """GET requests/<service_request_id>: a list with that one request."""
    client = open311.reader(request.GET.get("api_key"))
    qs = open311._base_queryset(client).filter(number=request_id)
    return _request_list(request, fmt, client, qs, 0, 1, one=request_id)


@endpoint("GET")
def token(request, fmt, token):
    """GET tokens/<token>: the service_request_id of a request that waited for triage
    (empty while it waits or when it was not accepted)."""
    report = (
        PublicReport.objects.select_related("case")
        .filter(code=token.strip().upper(), channel=PublicReport.Channel.OPEN311)
        .first()
    )
    if report is None:
        raise Open311Error(404, _("Unknown token."))
    number = report.case.number if report.case_id else None
    return render([{"service_request_id": number, "token": report.code}], fmt, "service_requests")


@endpoint("GET")
def request_updates(request, fmt):
    """GET servicerequestupdates (mySociety/FixMyStreet extension)."""
    client = open311.reader(request.GET.get("api_key"))
    data = open311.updates(request.GET, client, media_base=_media_base(request))
    if fmt == "xml":
        return render(data, fmt, "service_request_updates")
    return render({"service_request_updates": data}, fmt, "service_request_updates")


def _post_request(request, fmt):
    params = request.POST
    client = open311.client_for_key(params.get("api_key"), required=True)
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = open311.service_category(code)
    lat, lon = params.get("lat", "").strip(), params.get("long", "").strip()
    address = params.get("address_string", "")
    if not (lat or lon or address.strip()):
        raise Open311Error(400, _("A location is required: lat and long, or address_string."))
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat and long must be given together."))
    attributes: dict = {}
    for key in params:
        m = ATTRIBUTE_KEY.match(key)
        if m:
            values = params.getlist(key)
            attributes[m.group(1)] = values if m.group(2) else values[-1]
    idem = request.headers.get("Idempotency-Key", "").strip()
    if idem and not IDEMPOTENCY_KEY_RE.match(idem):
        # Checked here, before the client's prefix makes a short key look long enough.
        raise Open311Error(
            400, _("Idempotency-Key must be 8 to 64 of the characters A-Z, a-z, 0-9, _ and -.")
        )
    submitted = public_report_submit(
        description=params.get("description", ""),
        lat=lat or None,
        lon=lon or None,
        coord_system=params.get("coord_system", "wgs84"),
        category_id=category,
        phone=params.get("phone", ""),
        address=address,
        photos=request.FILES.getlist("media"),
        idempotency_key=f"c{client.pk}_{idem}" if idem else "",
        client=client,
        attributes=attributes,
        media_url=params.get("media_url", ""),
        contact={f: params.get(f, "").strip()[:200] for f in CONTACT_FIELDS},
    )
    report = submitted.report
    if report.case_id:
        item = {
            "service_request_id": report.case.number,
            "service_notice": _("Received; the campaign office routes it to the responsible unit."),
            "account_id": params.get("account_id") or None,
        }
    else:
        item = {
            "token": report.code,
            "service_notice": _(
                "Received; it becomes a service request once the office accepts it."
            ),
            "account_id": params.get("account_id") or None,
        }
    return render([item], fmt, "service_requests")


def not_found(request, rest=""):
    """Anything else under /open311/: a 404 in the Open311 error format."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render_error(fmt, 404, _("Unknown Open311 resource."))
