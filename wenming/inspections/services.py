"""Changes of the inspections app: one function per change, each atomic with an audit row.

==============================  =====================================================
function                        who
==============================  =====================================================
point_types_load                system (commands) or office
standard_import                 system (commands) or office
points_import                   system (commands) or office
round_plan                      office; a leader for a supervision visit he leads
round_close                     office
checklist_submit                inspectors of the round, its leader
==============================  =====================================================

``user=None`` means the system (a management command run by the operator). Every function
writes an :class:`~wenming.inspections.models.InspectionEvent`. Failed criteria become cases
only through :mod:`wenming.cases.services` (``case_report``, ``case_dispatch``,
``case_mark_recurring``).
"""

from __future__ import annotations

import csv
import math
import re
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases import services as case_services
from wenming.core.datum import normalize_datum, to_wgs84
from wenming.core.errors import ApplicationError, NotFound
from wenming.core.sequences import next_value
from wenming.core.text import clean_text
from wenming.geo.locate import locate, validate_point
from wenming.org.models import Membership, Unit
from wenming.org.routing import propose_unit
from wenming.org.scope import Scope, scope_for
from wenming.taxonomy.models import Category

from .models import (
    Criterion,
    Finding,
    InspectionEvent,
    InspectionRound,
    Point,
    PointType,
    PointUnit,
    Result,
    RoundPoint,
    StandardItem,
    StandardVersion,
    Submission,
)
from .tables import Problem, Table, problems_error

DATA_DIR = Path(__file__).resolve().parent / "data"
EXAMPLE_STANDARD = DATA_DIR / "example_standard.csv"
POINT_TYPES = DATA_DIR / "point_types.csv"
EXAMPLE_CODE = "EXAMPLE-2021"

NOTE_MAX = 2000
RESULT_NOTE_MAX = 500
MAX_ROUND_DAYS = 366


def max_distance_m() -> float:
    """Metres between the inspector's GPS fix and the point beyond which a checklist is
    flagged (``WENMING_INSPECTION_MAX_DISTANCE_M``, default 200 m; issue 5)."""
    return float(getattr(settings, "WENMING_INSPECTION_MAX_DISTANCE_M", 200))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres between two WGS-84 points (mean Earth radius 6371.0088 km)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError("forbidden", message, status=403)


def _scope(user) -> Scope | None:
    """None for the system (user None), else the user's scope."""
    return None if user is None else scope_for(user)


def _require_office(user) -> None:
    scope = _scope(user)
    if scope is not None and not scope.is_office:
        raise _forbidden(_("Only the campaign office can do this."))


def _audit(action: str, user, *, round=None, submission=None, data=None) -> InspectionEvent:
    return InspectionEvent.objects.create(
        action=action,
        actor=user if getattr(user, "pk", None) else None,
        at=timezone.now(),
        round=round,
        submission=submission,
        data=data or {},
    )


# --- point types -------------------------------------------------------------------------


def point_types_load(user=None, path: Path = POINT_TYPES) -> int:
    """Create the point types of the shipped list (``data/point_types.csv``: seq, point_type,
    source) that do not exist yet; returns how many were created. Codes are ``PT`` + the
    two-digit sequence number. Idempotent."""
    _require_office(user)
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with transaction.atomic():
        existing = set(PointType.objects.values_list("name", flat=True))
        new = [
            PointType(
                code=f"PT{int(r['seq']):02d}",
                name=r["point_type"].strip(),
                seq=int(r["seq"]),
                source=r["source"][:300],
            )
            for r in rows
            if r["point_type"].strip() not in existing
        ]
        PointType.objects.bulk_create(new)
        if new:
            _audit("point_types_load", user, data={"created": len(new)})
    return len(new)


# --- the standard --------------------------------------------------------------------------

#: Columns of a standard file: key -> accepted headers (Chinese as the office writes them,
#: or the English key).
STANDARD_COLUMNS = {
    "project_code": ("测评项目编码", "project_code"),
    "project": ("测评项目", "project"),
    "content_code": ("测评内容编码", "content_code"),
    "content": ("测评内容", "content"),
    "code": ("测评标准编码", "code"),
    "text": ("测评标准", "criterion"),
    "score": ("分值", "score"),
    "deduction": ("扣分", "deduction"),
    "method": ("测评方法", "method"),
    "point_types": ("适用点位类型", "point_types"),
    "category": ("问题类别编码", "category"),
    "source": ("来源", "source"),
}
OPTIONAL_STANDARD = {"source", "score", "deduction"}

METHOD_WORDS = {
    "实地考察": Criterion.Method.FIELD,
    "材料审核": Criterion.Method.DOCUMENTS,
    "问卷调查": Criterion.Method.SURVEY,
    "网上申报": Criterion.Method.ONLINE,
    **{m.value: m.value for m in Criterion.Method},
}
_LIST_SPLIT = re.compile(r"[、，,；;|\n]+")
_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")


def _columns(table: Table, spec: dict, optional: set) -> tuple[dict[str, str], list[Problem]]:
    """Map column keys to the file's headers; problems for missing required columns."""
    found, problems = {}, []
    for key, names in spec.items():
        header = next((h for h in table.headers if h in names), None)
        if header is None:
            if key not in optional:
                problems.append(
                    Problem(
                        1,
                        names[0],
                        _("Required column “%(name)s” is missing.") % {"name": names[0]},
                    )
                )
        else:
            found[key] = header
    return found, problems


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value >= 10000 or value.as_tuple().exponent < -2:
        return None
    return value


@dataclass
class StandardRows:
    """A validated standard file, ready to write."""

    projects: dict[str, str] = field(default_factory=dict)  # code -> name, in file order
    contents: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (name, project)
    criteria: list[dict] = field(default_factory=list)


def _validate_standard(table: Table) -> tuple[StandardRows, list[Problem]]:
    cols, problems = _columns(table, STANDARD_COLUMNS, OPTIONAL_STANDARD)
    if problems:
        return StandardRows(), problems
    types = {t.name: t.id for t in PointType.objects.all()}
    categories = {
        c.code: c
        for c in Category.objects.filter(is_active=True).only("id", "code", "name", "is_active")
    }
    parents = set(
        Category.objects.filter(is_active=True, parent__isnull=False).values_list(
            "parent__code", flat=True
        )
    )
    out = StandardRows()
    codes_seen: dict[str, int] = {}

    for number, row in table.rows:

        def bad(key: str, message: str, number=number) -> None:
            problems.append(Problem(number, cols.get(key, STANDARD_COLUMNS[key][0]), message))

        def text(key: str, max_length: int, required: bool = True, row=row) -> str:
            value = row.get(cols.get(key, ""), "")
            if required and not value:
                bad(key, _("Empty; a value is required."))
            elif len(value) > max_length:
                bad(key, _("Too long: at most %(max)d characters.") % {"max": max_length})
                return value[:max_length]
            return value

        p_code, p_name = text("project_code", 32), text("project", 200)
        c_code, c_name = text("content_code", 32), text("content", 200)
        code, body = text("code", 32), text("text", 500)
        for key, value in (("project_code", p_code), ("content_code", c_code), ("code", code)):
            if value and not _CODE_RE.fullmatch(value):
                bad(key, _("A code may contain only letters, digits, “.”, “-” and “_”."))
        if p_code and p_name:
            if out.projects.setdefault(p_code, p_name) != p_name:
                bad(
                    "project",
                    _("Project %(code)s is named “%(name)s” in an earlier row.")
                    % {"code": p_code, "name": out.projects[p_code]},
                )
        if c_code and c_name and p_code:
            earlier = out.contents.setdefault(c_code, (c_name, p_code))
            if earlier != (c_name, p_code):
                bad(
                    "content",
                    _("Content %(code)s is “%(name)s” of project %(project)s in an earlier row.")
                    % {"code": c_code, "name": earlier[0], "project": earlier[1]},
                )
        if c_code and c_code in out.projects or p_code and p_code in out.contents:
            bad("content_code", _("The same code is used for a project and a content."))
        if code:
            if code in codes_seen:
                bad(
                    "code",
                    _("Duplicate criterion code; first used in row %(row)d.")
                    % {"row": codes_seen[code]},
                )
            else:
                codes_seen[code] = number
        score_text = row.get(cols.get("score", ""), "")
        deduction_text = row.get(cols.get("deduction", ""), "")
        score = deduction = None
        if score_text:
            score = _decimal(score_text)
            if score is None:
                bad(
                    "score",
                    _("Not a number from 0 to 9999.99: “%(value)s”.") % {"value": score_text[:20]},
                )
        if deduction_text:
            deduction = _decimal(deduction_text)
            if deduction is None:
                bad(
                    "deduction",
                    _("Not a number from 0 to 9999.99: “%(value)s”.")
                    % {"value": deduction_text[:20]},
                )
        if not score_text and not deduction_text:
            bad("score", _("Give a score or a deduction."))
        method_text = row.get(cols["method"], "")
        method = METHOD_WORDS.get(method_text)
        if method is None:
            bad(
                "method",
                _("Unknown method “%(value)s”; use one of: %(allowed)s.")
                % {"value": method_text[:20], "allowed": "、".join(list(METHOD_WORDS)[:4])},
            )
        type_ids = []
        for name in [
            n.strip() for n in _LIST_SPLIT.split(row.get(cols["point_types"], "")) if n.strip()
        ]:
            if name in types:
                type_ids.append(types[name])
            else:
                bad("point_types", _("Unknown point type “%(value)s”.") % {"value": name[:50]})
        if not type_ids and method == Criterion.Method.FIELD and not row.get(cols["point_types"]):
            bad("point_types", _("A field-inspection criterion needs at least one point type."))
        cat_code = row.get(cols["category"], "")
        category = categories.get(cat_code)
        if not cat_code:
            bad("category", _("Empty; a value is required."))
        elif category is None:
            bad(
                "category",
                _("Unknown or inactive problem category “%(value)s”.") % {"value": cat_code[:32]},
            )
        elif cat_code in parents:
            bad(
                "category",
                _("%(name)s is a class of problems; choose a specific category in it.")
                % {"name": category.name},
            )
        source = row.get(cols.get("source", ""), "")[:300]
        out.criteria.append(
            {
                "content": c_code,
                "code": code,
                "text": body,
                "score": score or Decimal(0),
                "deduction": deduction,
                "method": method,
                "type_ids": sorted(set(type_ids)),
                "category": category,
                "source": source,
            }
        )
    return out, problems


def standard_import(
    user,
    table: Table,
    *,
    code: str,
    name: str,
    is_example: bool = False,
    source: str = "",
    imported_from: str = "",
    make_current: bool = True,
) -> StandardVersion:
    """Import a standard file as a new :class:`StandardVersion` (one transaction).

    ``table``: from :func:`wenming.inspections.tables.read_table`, with the columns of
    :data:`STANDARD_COLUMNS` (测评项目编码, 测评项目, 测评内容编码, 测评内容, 测评标准编码,
    测评标准, 分值, 扣分, 测评方法, 适用点位类型 separated by 、or ；, 问题类别编码, 来源). Every
    row is validated first; any problem raises ApplicationError 400 ``invalid_file`` with
    ``detail["problems"]`` (row, column, message) and nothing is written. A new version
    with ``make_current`` becomes the current one (rounds already planned keep theirs).
    Raises 403 for a non-office user, 409 ``duplicate_version`` for a used code.
    """
    _require_office(user)
    code = clean_text(code, "code", _("Version code"), max_length=32, required=True)
    name = clean_text(name, "name", _("Version name"), max_length=200, required=True)
    rows, problems = _validate_standard(table)
    if problems:
        raise problems_error(problems, _("The standard"))
    with transaction.atomic():
        if StandardVersion.objects.filter(code=code).exists():
            raise ApplicationError(
                "duplicate_version",
                _("A standard version with the code %(code)s exists already.") % {"code": code},
                detail={"field": "code"},
                status=409,
            )
        if make_current:
            StandardVersion.objects.filter(is_current=True).update(is_current=False)
        version = StandardVersion.objects.create(
            code=code,
            name=name,
            is_example=is_example,
            is_current=make_current,
            source=source[:500],
            imported_from=imported_from[:300],
            created_by=user if getattr(user, "pk", None) else None,
        )
        items: dict[str, StandardItem] = {}
        for seq, (p_code, p_name) in enumerate(rows.projects.items(), start=1):
            items[p_code] = StandardItem.objects.create(
                version=version, level=StandardItem.Level.PROJECT, code=p_code, name=p_name, seq=seq
            )
        for seq, (c_code, (c_name, p_code)) in enumerate(rows.contents.items(), start=1):
            items[c_code] = StandardItem.objects.create(
                version=version,
                level=StandardItem.Level.CONTENT,
                parent=items[p_code],
                code=c_code,
                name=c_name,
                seq=seq,
            )
        criteria = Criterion.objects.bulk_create(
            [
                Criterion(
                    version=version,
                    item=items[c["content"]],
                    code=c["code"],
                    text=c["text"],
                    score=c["score"],
                    deduction=c["deduction"],
                    method=c["method"],
                    category=c["category"],
                    seq=seq,
                    source=c["source"],
                )
                for seq, c in enumerate(rows.criteria, start=1)
            ]
        )
        if not all(c.pk for c in criteria):  # pragma: no cover - backends without RETURNING
            criteria = list(Criterion.objects.filter(version=version).order_by("seq"))
        Through = Criterion.point_types.through
        Through.objects.bulk_create(
            [
                Through(criterion_id=crit.pk, pointtype_id=type_id)
                for crit, c in zip(criteria, rows.criteria, strict=True)
                for type_id in c["type_ids"]
            ]
        )
        _audit(
            "standard_import",
            user,
            data={
                "version_id": version.pk,
                "code": code,
                "criteria": len(criteria),
                "imported_from": imported_from[:300],
            },
        )
    return version


def standard_load_example(user=None) -> StandardVersion | None:
    """Load the shipped example standard (``data/example_standard.csv``, marked as an
    example) and the point types, unless a version with its code exists; it becomes current
    only when no version is current. Returns the new version or None."""
    from .tables import read_table

    point_types_load(user)
    if StandardVersion.objects.filter(code=EXAMPLE_CODE).exists():
        return None
    return standard_import(
        user,
        read_table(EXAMPLE_STANDARD),
        code=EXAMPLE_CODE,
        name=_("Example standard (replace with the office's own manual)"),
        is_example=True,
        source="wenming/inspections/data/SOURCES.md",
        imported_from=EXAMPLE_STANDARD.name,
        make_current=not StandardVersion.objects.filter(is_current=True).exists(),
    )


def current_version() -> StandardVersion | None:
    """The current standard version, or None."""
    return StandardVersion.objects.filter(is_current=True).first()


# --- points -----------------------------------------------------------------------------

POINT_COLUMNS = {
    "code": ("点位编码", "code"),
    "name": ("点位名称", "name"),
    "type": ("点位类型", "point_type"),
    "lat": ("纬度", "lat"),
    "lon": ("经度", "lon"),
    "address": ("地址", "address"),
    "units": ("责任单位", "units"),
    "datum": ("坐标系", "datum"),
}
OPTIONAL_POINT = {"address", "datum"}


def _validate_points(table: Table) -> tuple[list[dict], list[Problem]]:
    cols, problems = _columns(table, POINT_COLUMNS, OPTIONAL_POINT)
    if problems:
        return [], problems
    types = {t.name: t for t in PointType.objects.all()}
    units_by_key = {}
    for u in Unit.objects.filter(is_active=True).only("id", "code", "name"):
        units_by_key[u.code] = u
        units_by_key[u.name] = u
    categories = {c.code: c for c in Category.objects.filter(is_active=True).only("id", "code")}
    seen: dict[str, int] = {}
    out = []
    for number, row in table.rows:

        def bad(key: str, message: str, number=number) -> None:
            problems.append(Problem(number, cols.get(key, POINT_COLUMNS[key][0]), message))

        code, name = row.get(cols["code"], ""), row.get(cols["name"], "")
        if not code:
            bad("code", _("Empty; a value is required."))
        elif not _CODE_RE.fullmatch(code):
            bad("code", _("A code may contain only letters, digits, “.”, “-” and “_”."))
        elif code in seen:
            bad("code", _("Duplicate point code; first used in row %(row)d.") % {"row": seen[code]})
        else:
            seen[code] = number
        if not name:
            bad("name", _("Empty; a value is required."))
        elif len(name) > 200:
            bad("name", _("Too long: at most %(max)d characters.") % {"max": 200})
        ptype = types.get(row.get(cols["type"], ""))
        if ptype is None:
            bad(
                "type",
                _("Unknown point type “%(value)s”.") % {"value": row.get(cols["type"], "")[:50]},
            )
        where = None
        datum = row.get(cols.get("datum", ""), "") or "wgs84"
        try:
            datum = normalize_datum(datum)
        except ValueError:
            bad(
                "datum",
                _("Unknown coordinate system “%(value)s”; use WGS-84, GCJ-02 or BD-09.")
                % {"value": datum[:20]},
            )
            datum = None
        try:
            lat, lon = validate_point(row.get(cols["lat"]) or None, row.get(cols["lon"]) or None)
            if datum not in (None, "wgs84"):
                lon, lat = to_wgs84(lon, lat, datum)
            where = locate(lat, lon)
        except ApplicationError as exc:
            bad("lat", exc.message)
        address = row.get(cols.get("address", ""), "")
        if len(address) > 300:
            bad("address", _("Too long: at most %(max)d characters.") % {"max": 300})
        assignments = []
        for entry in [
            e.strip() for e in _LIST_SPLIT.split(row.get(cols["units"], "")) if e.strip()
        ]:
            cat = None
            if "=" in entry:
                cat_code, entry = (s.strip() for s in entry.split("=", 1))
                cat = categories.get(cat_code)
                if cat is None:
                    bad(
                        "units",
                        _("Unknown problem category “%(value)s”.") % {"value": cat_code[:32]},
                    )
                    continue
            unit = units_by_key.get(entry)
            if unit is None:
                bad("units", _("Unknown unit “%(value)s”.") % {"value": entry[:100]})
                continue
            assignments.append((unit.id, cat.id if cat else None))
        if not any(c is None for _u, c in assignments) and not problems_for(
            problems, number, cols["units"]
        ):
            bad(
                "units",
                _("Name at least one responsible unit for every problem (without a category)."),
            )
        out.append(
            {
                "code": code,
                "name": name,
                "type": ptype,
                "where": where,
                "address": address,
                "units": sorted(set(assignments), key=lambda a: (a[1] or 0, a[0])),
            }
        )
    return out, problems


def problems_for(problems: list[Problem], row: int, column: str) -> bool:
    return any(p.row == row and p.column == column for p in problems)


def points_import(user, table: Table, *, source_name: str = "") -> dict[str, int]:
    """Create or update points from a point file (one transaction); returns
    ``{"created": n, "updated": m}``.

    Columns (:data:`POINT_COLUMNS`): 点位编码, 点位名称, 点位类型, 纬度, 经度 (degrees), 坐标系
    (optional: WGS-84 when empty — CGCS2000 counts as WGS-84 — or GCJ-02 (高德、腾讯 map
    pickers) or BD-09 (百度), converted to WGS-84 with :func:`wenming.core.datum.to_wgs84`;
    a point picked on a Chinese map but imported as WGS-84 lies 300–600 m off, and every
    checklist at it would be flagged as far from the point), 地址 (optional), 责任单位: unit codes or names separated by
    、or ；, each optionally prefixed ``问题类别编码=`` for a unit responsible for that
    category only (e.g. ``古楼街道办事处；CC07=市公安局交警支队``). A point is located with
    :func:`wenming.geo.locate.locate` (unit grid, community, supervision grid). Every row is
    validated first; problems raise 400 ``invalid_file`` with ``detail["problems"]`` and
    nothing is written. An existing code is updated (its units replaced).
    """
    _require_office(user)
    rows, problems = _validate_points(table)
    if problems:
        raise problems_error(problems, _("The points"))
    created = updated = 0
    with transaction.atomic():
        existing = {
            p.code: p
            for p in Point.objects.select_for_update().filter(code__in=[r["code"] for r in rows])
        }
        for r in rows:
            w = r["where"]
            values = {
                "name": r["name"],
                "point_type": r["type"],
                "lat": w.lat,
                "lon": w.lon,
                "address": r["address"],
                "grid": w.grid,
                "community": w.community,
                "supervision_grid_id": w.supervision_grid_id,
                "is_active": True,
            }
            point = existing.get(r["code"])
            if point is None:
                point = Point.objects.create(code=r["code"], **values)
                created += 1
            else:
                for k, v in values.items():
                    setattr(point, k, v)
                point.save()
                point.point_units.all().delete()
                updated += 1
            PointUnit.objects.bulk_create(
                [PointUnit(point=point, unit_id=u, category_id=c) for u, c in r["units"]]
            )
        _audit(
            "points_import",
            user,
            data={"created": created, "updated": updated, "file": source_name[:300]},
        )
    return {"created": created, "updated": updated}


def responsible_unit(point: Point, category: Category, point_units=None) -> Unit | None:
    """The unit responsible for ``category`` at ``point``: the point's unit for the
    category or its nearest ancestor; else the point's unit for every problem (lowest id);
    else the routing rules' proposal for the point's community
    (:func:`wenming.org.routing.propose_unit`). ``point_units`` (optional): the point's
    PointUnit rows with ``unit`` loaded, to avoid a query."""
    rows = (
        list(point_units)
        if point_units is not None
        else list(point.point_units.select_related("unit"))
    )
    rows = [r for r in rows if r.unit.is_active]
    cat = category
    while cat is not None:
        match = sorted((r for r in rows if r.category_id == cat.id), key=lambda r: r.unit_id)
        if match:
            return match[0].unit
        cat = cat.parent
    default = sorted((r for r in rows if r.category_id is None), key=lambda r: r.unit_id)
    if default:
        return default[0].unit
    unit, _rule = propose_unit(category, point.community)
    return unit


# --- rounds -----------------------------------------------------------------------------


def _parse_date(value, field_name: str, label: str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise ApplicationError(
            "invalid_date",
            _("%(field)s must be a date such as 2021-03-05.") % {"field": label},
            detail={"field": field_name},
        ) from None


def _ids(values, field_name: str) -> list[int]:
    out = []
    for v in values or []:
        try:
            i = int(v)
        except (TypeError, ValueError):
            raise ApplicationError(
                "invalid_input", _("Unknown value."), detail={"field": field_name}
            ) from None
        if not 0 < i < 2**63:
            raise ApplicationError(
                "invalid_input", _("Unknown value."), detail={"field": field_name}
            )
        out.append(i)
    return sorted(set(out))


def round_plan(
    user,
    *,
    name: str,
    kind: str = InspectionRound.Kind.PLANNED,
    starts_on,
    ends_on,
    supervision_grid_ids=(),
    point_type_ids=(),
    point_ids=(),
    inspector_ids=(),
    leader_id: int | None = None,
    note: str = "",
) -> InspectionRound:
    """Plan a round (督查轮次) or a supervision visit (督导) and fix its points.

    Points: the active points of the chosen supervision grids (all grids when none is
    chosen but point types are), limited to the chosen point types, plus the points chosen
    one by one. Inspectors must hold the inspector (or leader) role; a planned round needs at
    least one, a supervision visit needs its leader (a user with the leader role). The round
    uses the current standard version. Office; a leader may plan a supervision visit that he
    leads. Raises 400 (bad input, no points, bad dates, more than 366 days), 403, 409
    ``no_standard`` when no version is current.
    """
    scope = scope_for(user)
    if kind not in InspectionRound.Kind.values:
        raise ApplicationError(
            "invalid_choice", _("Unknown kind of round."), detail={"field": "kind"}
        )
    if not scope.is_office:
        leads_it = (
            kind == InspectionRound.Kind.SUPERVISION
            and scope.is_leader
            and str(leader_id or "") == str(user.pk)
        )
        if not leads_it:
            raise _forbidden(_("Only the campaign office can plan inspection rounds."))
    name = clean_text(name, "name", _("Name"), max_length=200, required=True)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    starts_on = _parse_date(starts_on, "starts_on", _("Start date"))
    ends_on = _parse_date(ends_on, "ends_on", _("End date"))
    if ends_on < starts_on:
        raise ApplicationError(
            "invalid_range",
            _("The end date is before the start date."),
            detail={"field": "ends_on"},
        )
    if (ends_on - starts_on).days > MAX_ROUND_DAYS:
        raise ApplicationError(
            "invalid_range",
            _("A round may last at most %(days)d days.") % {"days": MAX_ROUND_DAYS},
            detail={"field": "ends_on"},
        )
    sg_ids = _ids(supervision_grid_ids, "supervision_grid_ids")
    type_ids = _ids(point_type_ids, "point_type_ids")
    chosen_ids = _ids(point_ids, "point_ids")
    inspector_ids = _ids(inspector_ids, "inspector_ids")
    from wenming.geo.models import SupervisionGrid

    if len(SupervisionGrid.objects.filter(pk__in=sg_ids)) != len(sg_ids):
        raise ApplicationError(
            "invalid_input",
            _("Unknown supervision grid."),
            detail={"field": "supervision_grid_ids"},
        )
    if PointType.objects.filter(pk__in=type_ids).count() != len(type_ids):
        raise ApplicationError(
            "invalid_input", _("Unknown point type."), detail={"field": "point_type_ids"}
        )
    User = get_user_model()
    eligible = set(
        Membership.objects.filter(
            user_id__in=inspector_ids,
            role__in=(Membership.Role.INSPECTOR, Membership.Role.LEADER),
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )
    if set(inspector_ids) - eligible:
        raise ApplicationError(
            "invalid_input",
            _("Only inspectors and leaders can be assigned to a round."),
            detail={"field": "inspector_ids"},
        )
    leader = None
    if leader_id not in (None, ""):
        leader = User.objects.filter(
            pk=_ids([leader_id], "leader_id")[0],
            is_active=True,
            memberships__role=Membership.Role.LEADER,
        ).first()
        if leader is None:
            raise ApplicationError(
                "invalid_input",
                _("The leader must have the leader role."),
                detail={"field": "leader_id"},
            )
    if kind == InspectionRound.Kind.SUPERVISION and leader is None:
        raise ApplicationError(
            "leader_required",
            _("A supervision visit needs its leader."),
            detail={"field": "leader_id"},
        )
    if kind == InspectionRound.Kind.PLANNED and not inspector_ids:
        raise ApplicationError(
            "inspectors_required",
            _("Assign at least one inspector."),
            detail={"field": "inspector_ids"},
        )
    selected: set[int] = set()
    if sg_ids or type_ids:
        qs = Point.objects.filter(is_active=True)
        if sg_ids:
            qs = qs.filter(supervision_grid_id__in=sg_ids)
        if type_ids:
            qs = qs.filter(point_type_id__in=type_ids)
        selected |= set(qs.values_list("id", flat=True))
    if chosen_ids:
        found = set(
            Point.objects.filter(pk__in=chosen_ids, is_active=True).values_list("id", flat=True)
        )
        if found != set(chosen_ids):
            raise ApplicationError(
                "invalid_input", _("Unknown point."), detail={"field": "point_ids"}
            )
        selected |= found
    if not selected:
        raise ApplicationError(
            "no_points", _("No active point matches the choice."), detail={"field": "point_ids"}
        )
    with transaction.atomic():
        version = current_version()
        if version is None:
            raise ApplicationError(
                "no_standard",
                _("No evaluation standard is current; import one first."),
                status=409,
            )
        year = starts_on.year
        number = f"DC{year}{next_value(f'inspection_round:{year}'):03d}"
        rnd = InspectionRound.objects.create(
            number=number,
            name=name,
            kind=kind,
            standard_version=version,
            starts_on=starts_on,
            ends_on=ends_on,
            leader=leader,
            note=note,
            created_by=user,
        )
        rnd.inspectors.set(inspector_ids)
        rnd.supervision_grids.set(sg_ids)
        rnd.point_types.set(type_ids)
        RoundPoint.objects.bulk_create(
            [RoundPoint(round=rnd, point_id=p) for p in sorted(selected)]
        )
        _audit(
            "round_plan",
            user,
            round=rnd,
            data={
                "number": number,
                "points": len(selected),
                "standard_version_id": version.pk,
                "inspector_ids": inspector_ids,
                "leader_id": leader.pk if leader else None,
            },
        )
    return rnd


def round_close(user, round_id: int) -> InspectionRound:
    """Close a round (no more checklists). Office; 404 unknown, 409 already closed."""
    _require_office(user)
    with transaction.atomic():
        rnd = InspectionRound.objects.select_for_update().filter(pk=round_id).first()
        if rnd is None:
            raise NotFound("round")
        if rnd.status == InspectionRound.Status.CLOSED:
            raise ApplicationError(
                "invalid_transition", _("The round is closed already."), status=409
            )
        rnd.status = InspectionRound.Status.CLOSED
        rnd.save(update_fields=["status"])
        _audit("round_close", user, round=rnd)
    return rnd


# --- checklists ---------------------------------------------------------------------------


def checklist_criteria(rnd: InspectionRound, point: Point):
    """The criteria of the round's standard version that apply to the point's type, in the
    standard's order (field inspection only: the other methods are not checked on site)."""
    return (
        Criterion.objects.filter(
            version_id=rnd.standard_version_id,
            point_types=point.point_type_id,
            method=Criterion.Method.FIELD,
        )
        .select_related("item__parent", "category__parent")
        .order_by("seq", "id")
    )


def may_inspect(user, rnd: InspectionRound) -> bool:
    """Whether ``user`` may submit checklists in ``rnd``: its inspectors and its leader."""
    if user is None or not getattr(user, "pk", None):
        return False
    return rnd.leader_id == user.pk or rnd.inspectors.filter(pk=user.pk).exists()


def _round_actor(user) -> case_services.Actor:
    """The actor that reports a round's findings: the inspector (or leader) himself, with
    the inspector role for this purpose — the office authorised him by assigning him to the
    round, so a leader's supervision visit also reports with source 督查 (inspection)."""
    scope = scope_for(user)
    return case_services.Actor(
        user,
        Scope(
            scope.user_id,
            scope.roles | {Membership.Role.INSPECTOR},
            scope.unit_ids,
            frozenset(),
            is_superuser=scope.is_superuser,
            _inspector_citywide=True,
        ),
    )


def _round_dispatcher(rnd: InspectionRound) -> case_services.Actor:
    """The actor that dispatches a round's findings: the user who planned the round, acting
    for the office — planning the round decided that its findings go to the responsible
    units at once, with the category's deadline."""
    return case_services.Actor(
        rnd.created_by,
        Scope(rnd.created_by_id, frozenset({Membership.Role.OFFICE}), frozenset(), frozenset()),
    )


@dataclass
class Answer:
    criterion_id: int
    answer: str
    note: str = ""
    photos: list = field(default_factory=list)


def _parse_answers(answers) -> list[Answer]:
    out = []
    if not isinstance(answers, list | tuple):
        raise ApplicationError(
            "invalid_input", _("The answers are missing."), detail={"field": "answers"}
        )
    for a in answers:
        if isinstance(a, Answer):
            out.append(a)
            continue
        if not isinstance(a, dict):
            raise ApplicationError(
                "invalid_input", _("The answers are missing."), detail={"field": "answers"}
            )
        try:
            cid = int(a.get("criterion_id"))
        except (TypeError, ValueError):
            raise ApplicationError(
                "invalid_input", _("Unknown criterion."), detail={"field": "answers"}
            ) from None
        out.append(
            Answer(
                cid, str(a.get("answer") or ""), a.get("note") or "", list(a.get("photos") or [])
            )
        )
    return out


def checklist_submit(
    user,
    *,
    round_id: int,
    point_id: int,
    uuid,
    answers,
    lat=None,
    lon=None,
    accuracy_m=None,
    note: str = "",
) -> tuple[Submission, bool]:
    """Submit a point's checklist; returns ``(submission, created)``.

    ``uuid``: generated by the client once per checklist. Sending the same uuid again returns
    the stored submission with ``created=False`` and changes nothing (a resend after a lost
    connection). ``answers``: one per criterion of :func:`checklist_criteria` —
    ``{"criterion_id", "answer": "pass"|"fail"|"na", "note", "photos": [files]}``; every
    criterion must be answered, a failure needs a note. ``lat``/``lon`` (WGS-84, optional):
    the inspector's GPS fix; farther than :func:`max_distance_m` from the point flags the
    submission (``far_from_point``), it does not refuse it.

    Each failure opens one case (``case_report``, source inspection, the criterion's
    category, at the point) dispatched at once to :func:`responsible_unit` with the
    category's deadline (a failure without any responsible unit stays reported, for the
    office to dispatch), and a :class:`Finding`. The same criterion failed at the same point
    in the previous checklist of the point (an earlier round) marks the new case recurring
    (``case_mark_recurring``); the case services also apply their own place rule.

    Raises 404 (round or point unknown, not in the round), 403 (not an inspector or the
    leader of the round), 409 (round closed; point already inspected in this round with
    another uuid; uuid used for another checklist), 400 (bad uuid, answers, note, photos, GPS).
    """
    try:
        submission_uuid = uuid_module.UUID(str(uuid))
    except (TypeError, ValueError, AttributeError):
        raise ApplicationError(
            "invalid_input", _("Invalid submission id."), detail={"field": "uuid"}
        ) from None
    rnd = (
        InspectionRound.objects.filter(pk=round_id)
        .select_related("standard_version", "created_by")
        .first()
        if str(round_id).isdigit()
        else None
    )
    if rnd is None:
        raise NotFound("round")
    if not may_inspect(user, rnd):
        if _scope(user) and (
            scope_for(user).is_office or scope_for(user).is_leader or scope_for(user).is_inspector
        ):
            raise _forbidden(_("Only the inspectors of this round can submit its checklists."))
        raise NotFound("round")
    existing = Submission.objects.filter(uuid=submission_uuid).first()
    if existing is not None:
        if (
            existing.round_id == rnd.pk
            and str(existing.point_id) == str(point_id)
            and existing.inspector_id == user.pk
        ):
            return existing, False
        raise ApplicationError(
            "uuid_conflict",
            _("This submission id belongs to another checklist."),
            detail={"field": "uuid"},
            status=409,
        )
    point = (
        Point.objects.filter(pk=point_id, round_points__round=rnd)
        .select_related("point_type", "community")
        .first()
        if str(point_id).isdigit()
        else None
    )
    if point is None:
        raise NotFound("point")
    if rnd.status == InspectionRound.Status.CLOSED:
        raise ApplicationError("round_closed", _("The round is closed."), status=409)
    note = clean_text(note, "note", _("Note"), max_length=NOTE_MAX)
    parsed = _parse_answers(answers)
    criteria = {c.pk: c for c in checklist_criteria(rnd, point)}
    given: dict[int, Answer] = {}
    for a in parsed:
        if a.criterion_id not in criteria:
            raise ApplicationError(
                "invalid_input",
                _("Unknown criterion."),
                detail={"field": "answers", "criterion_id": a.criterion_id},
            )
        if a.criterion_id in given:
            raise ApplicationError(
                "invalid_input",
                _("A criterion is answered twice."),
                detail={"field": "answers", "criterion_id": a.criterion_id},
            )
        if a.answer not in Result.Answer.values:
            raise ApplicationError(
                "invalid_input",
                _("Answer each criterion with 符合, 不符合 or 不涉及."),
                detail={"field": "answers", "criterion_id": a.criterion_id},
            )
        a.note = clean_text(a.note, f"note-{a.criterion_id}", _("Note"), max_length=RESULT_NOTE_MAX)
        if a.answer == Result.Answer.FAIL and not a.note:
            raise ApplicationError(
                "note_required",
                _("Describe the problem of “%(criterion)s”.")
                % {"criterion": criteria[a.criterion_id].text[:40]},
                detail={"field": f"note-{a.criterion_id}", "criterion_id": a.criterion_id},
            )
        if a.answer != Result.Answer.FAIL:
            a.photos = []
        given[a.criterion_id] = a
    missing = [c for cid, c in criteria.items() if cid not in given]
    if missing:
        raise ApplicationError(
            "incomplete",
            _("%(count)d criteria are not answered yet.") % {"count": len(missing)},
            detail={"field": "answers", "criterion_ids": [c.pk for c in missing]},
        )
    gps = None
    if lat not in (None, "") or lon not in (None, ""):
        gps = validate_point(lat, lon)
    accuracy = None
    if accuracy_m not in (None, ""):
        try:
            accuracy = float(accuracy_m)
        except (TypeError, ValueError):
            accuracy = None
        if accuracy is not None and not (math.isfinite(accuracy) and 0 <= accuracy < 1e6):
            accuracy = None
    dist = distance_m(gps[0], gps[1], point.lat, point.lon) if gps else None
    located = locate(point.lat, point.lon)
    point_units = list(point.point_units.select_related("unit"))
    units: dict[int, Unit | None] = {}
    for c in criteria.values():
        if c.category_id not in units:
            units[c.category_id] = responsible_unit(point, c.category, point_units)
    reporter = _round_actor(user)
    dispatcher = _round_dispatcher(rnd)
    now = timezone.now()
    failed = [given[cid] for cid in criteria if given[cid].answer == Result.Answer.FAIL]
    try:
        with transaction.atomic():
            # Serialise checklists of the same point and round (and re-check under the lock).
            RoundPoint.objects.select_for_update().filter(round=rnd, point=point).first()
            if Submission.objects.filter(uuid=submission_uuid).exists():
                raise _Replay()
            if Submission.objects.filter(round=rnd, point=point).exists():
                raise ApplicationError(
                    "already_inspected",
                    _("This point has been inspected in this round already."),
                    status=409,
                )
            deductions = sum(
                (criteria[a.criterion_id].deduction or Decimal(0) for a in failed), Decimal(0)
            )
            sub = Submission.objects.create(
                uuid=submission_uuid,
                round=rnd,
                point=point,
                inspector=user,
                submitted_at=now,
                lat=gps[0] if gps else None,
                lon=gps[1] if gps else None,
                accuracy_m=accuracy,
                distance_m=round(dist, 1) if dist is not None else None,
                far_from_point=dist is not None and dist > max_distance_m(),
                note=note,
                checked=sum(1 for a in given.values() if a.answer != Result.Answer.NA),
                passed=sum(1 for a in given.values() if a.answer == Result.Answer.PASS),
                failed=len(failed),
                deductions=deductions,
            )
            results = {
                cid: Result.objects.create(
                    submission=sub,
                    criterion_id=cid,
                    answer=given[cid].answer,
                    note=given[cid].note,
                    unit=units[criteria[cid].category_id],
                )
                for cid in criteria
            }
            previous = _previous_failures(rnd, point, sub)
            case_ids = []
            for a in failed:
                crit = criteria[a.criterion_id]
                case = case_services.case_report(
                    reporter,
                    title=f"{point.name}：{crit.text}"[:200],
                    category_id=crit.category_id,
                    lat=point.lat,
                    lon=point.lon,
                    description=_(
                        "%(note)s\n\nCriterion %(code)s: %(text)s\nRound %(round)s, point %(point)s (%(type)s)."
                    )
                    % {
                        "note": a.note,
                        "code": crit.code,
                        "text": crit.text,
                        "round": rnd.number,
                        "point": point.code,
                        "type": point.point_type.name,
                    },
                    address=(point.address or point.name)[:300],
                    source="inspection",
                    reported_at=now,
                    photos=a.photos,
                    event_data={
                        "inspection_round_id": rnd.pk,
                        "criterion_id": crit.pk,
                        "point_id": point.pk,
                        "submission_uuid": str(submission_uuid),
                    },
                    located=located,
                )
                unit = units[crit.category_id]
                if unit is not None:
                    case = case_services.case_dispatch(
                        dispatcher,
                        case.pk,
                        unit_id=unit.pk,
                        note=_("Inspection round %(round)s") % {"round": rnd.number},
                    )
                earlier = previous.get(crit.pk)
                if earlier is not None:
                    case = case_services.case_mark_recurring(
                        reporter,
                        case.pk,
                        of=earlier[1],
                        reason=_("Criterion %(code)s failed again at this point (round %(round)s).")
                        % {"code": crit.code, "round": earlier[0]},
                    )
                Finding.objects.create(
                    result=results[crit.pk], case=case, round=rnd, criterion=crit, point=point
                )
                case_ids.append(case.pk)
            _audit(
                "checklist_submit",
                user,
                round=rnd,
                submission=sub,
                data={
                    "point_id": point.pk,
                    "uuid": str(submission_uuid),
                    "failed": len(failed),
                    "case_ids": case_ids,
                    "distance_m": sub.distance_m,
                    "far_from_point": sub.far_from_point,
                },
            )
    except (_Replay, IntegrityError):
        again = Submission.objects.filter(uuid=submission_uuid).first()
        if again is not None and again.round_id == rnd.pk and again.point_id == point.pk:
            return again, False
        if Submission.objects.filter(round=rnd, point=point).exists():
            raise ApplicationError(
                "already_inspected",
                _("This point has been inspected in this round already."),
                status=409,
            ) from None
        raise
    return sub, True


class _Replay(Exception):
    """The same uuid was stored meanwhile (a concurrent resend)."""


def _previous_failures(
    rnd: InspectionRound, point: Point, current: Submission
) -> dict[int, tuple[str, int]]:
    """Criterion id -> (round number, case id) of the failures of the point's previous
    checklist (the latest one in another round submitted before ``current``).

    Criteria are matched by code across versions (a new version keeps the manual's codes),
    so the mapping is keyed by the criterion ids of the current round's version."""
    prev = (
        Submission.objects.filter(point=point, submitted_at__lte=current.submitted_at)
        .exclude(round=rnd)
        .exclude(pk=current.pk)
        .order_by("-submitted_at", "-id")
        .select_related("round")
        .first()
    )
    if prev is None:
        return {}
    failed = {
        f.criterion.code: (prev.round.number, f.case_id)
        for f in Finding.objects.filter(result__submission=prev).select_related("criterion")
    }
    if not failed:
        return {}
    return {
        c.pk: failed[c.code]
        for c in Criterion.objects.filter(version_id=rnd.standard_version_id, code__in=list(failed))
    }


__all__ = [
    "Answer",
    "checklist_criteria",
    "checklist_submit",
    "current_version",
    "distance_m",
    "may_inspect",
    "point_types_load",
    "points_import",
    "responsible_unit",
    "round_close",
    "round_plan",
    "standard_import",
    "standard_load_example",
]
