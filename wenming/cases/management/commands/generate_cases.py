"""``manage.py generate_cases --count N --seed S [--bulk] [--years 2] [--now ISO] [--if-empty]``.

Generates a realistic ledger for demos and benchmarks: cases spread over the unit grids (a
random point inside a grid), the categories that have a time limit (创城 problems most often),
the responsible units proposed by the routing rules, the sources (督查, 随手拍, 12345, 领导交办,
媒体曝光, 测评反馈) and every state: most cases are closed; recent ones, and a few old ones a
unit let slide, are still reported, dispatched, accepted (整改中), submitted or returned; some
are rejected, and duplicate reports are merged into the case they repeat. Reports fall in the
last ``--years`` years ending ``--now`` (default: now).

Needs the demo world (``load_reference`` then ``load_demo``) or any world with unit grids,
routing rules and at least one office, city-wide inspector and leader account. Every active
unit gets a handler account if it has none (``gen-handler-<unit code>``, unusable password):
the unit's steps are taken by a person of the unit, as the services require.

Two paths write the same rows:

- default: every step goes through :mod:`wenming.cases.services` (``case_report``,
  ``case_dispatch`` …) in chronological order, with ``django.utils.timezone.now`` patched to the
  step's time while the command runs (restored afterwards), so each event is what the service
  writes;
- ``--bulk``: the same plan written with ``bulk_create`` in batches (for 1,000,000-case
  benchmarks): the same fields, events (seq, data), deadlines (computed by the services'
  own :func:`wenming.cases.services._deadline_for` on :mod:`wenming.core.calendar`), on-time
  flags and numbers (the per-year sequences ``case:YYYY`` of :mod:`wenming.core.sequences` are
  advanced, so later reports continue without collisions).

The same seed, counts, ``--years``, ``--now`` and world give the same cases (apart from ids) on
either path; ``tests/cases/test_generate_cases.py`` compares the two field by field.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.prepared import prep

from wenming.cases import services
from wenming.cases.models import Case, CaseEvent, Source, Status
from wenming.core import calendar
from wenming.core.errors import ApplicationError
from wenming.core.models import Sequence
from wenming.geo.locate import EARTH_RADIUS_M, locate
from wenming.geo.models import Grid, Region
from wenming.org.demo import short_community_name
from wenming.org.models import Membership, RoutingRule, Unit
from wenming.taxonomy.models import Category

Role = Membership.Role

MINUTE, HOUR, DAY = 60, 3600, 86400
Progress = Callable[[int, int], None]  # (done, total) after each batch

# Who reports from which source (the services allow the office every source).
SOURCES = (
    (Source.INSPECTION, "inspector", 0.35),
    (Source.PUBLIC, "office", 0.20),
    (Source.HOTLINE, "office", 0.20),
    (Source.LEADER, "leader", 0.05),
    (Source.MEDIA, "office", 0.05),
    (Source.EVALUATION, "office", 0.15),
)
KIND_WEIGHTS = {"campaign": 0.5, "event": 0.3, "component": 0.2}
REJECT_RATE = 0.04
WRONG_UNIT_RATE = 0.05
DUPLICATE_RATE = 0.03
REWORK_RATE = 0.10
SECOND_REWORK_RATE = 0.2
ON_TIME_RATE = 0.85
RECENT_DAYS = 60
STALL_RATE_RECENT = 0.30
STALL_RATE_OLD = 0.025
# Where a case the unit let slide stops (weights).
STALL_STAGES = (("reported", 1), ("dispatched", 3), ("returned", 0.5), ("accepted", 4), ("submitted", 1.5))  # fmt: skip

ROADS = (
    "东昌路", "卫育路", "柳园路", "兴华路", "光岳路", "建设路", "花园路", "振兴路", "湖南路",
    "向阳路", "昌润路", "育新街", "站前街", "龙山路", "利民路", "东关街", "楼西大街", "湖滨路",
    "古楼东大街", "古楼西大街", "闸口街", "运河路", "松桂路", "新区路", "东昌东路", "鲁化路",
)  # fmt: skip
DEFECTS = ("破损", "缺失", "松动", "污损", "倾斜", "损坏")
DETAILS = {
    "campaign": ("影响市容和居民生活", "群众反映强烈", "对照测评体系属扣分项", "多次出现未根治"),
    "event": ("影响通行", "影响周边环境", "存在安全隐患", "群众多次反映"),
    "component": ("存在安全隐患", "影响正常使用", "需尽快维修更换", "影响道路通行"),
}
SOURCE_PHRASES = {
    Source.INSPECTION: "督查发现",
    Source.PUBLIC: "市民随手拍反映",
    Source.HOTLINE: "12345热线转办",
    Source.LEADER: "市领导督导时交办",
    Source.MEDIA: "媒体曝光",
    Source.EVALUATION: "测评反馈",
}
DISPATCH_NOTES = ("", "", "请按期整改到位", "请立即组织整改", "请核实后整改并上传整改照片")
ACCEPT_NOTES = ("", "已签收", "已签收，马上安排人员处理", "已签收，正在组织整改")
SUBMIT_NOTES = ("已整改完毕，现场已清理", "已整改到位，请复查", "已维修完成", "已清理并建立长效机制", "已协调相关方整改完成")  # fmt: skip
VERIFY_NOTES = ("", "复查合格", "现场已整改到位", "复查通过，予以销号")
REWORK_REASONS = ("整改不彻底，周边仍有问题", "现场照片与实际不符", "问题反弹，需重新整改")
RETURN_REASONS = (
    "不属于本单位职责，请重新派遣",
    "该点位不在本单位管辖范围",
    "经核实应由属地街道处理",
)
REJECT_REASONS = ("不属于创城问题，转12345热线处理", "照片不清晰，无法核实", "经核实问题不存在", "已在其他台账中整改")  # fmt: skip
MERGE_NOTES = ("重复上报", "与已立案问题重复", "")


# --- the world ------------------------------------------------------------------------------


@dataclass
class Site:
    """A unit grid where cases are placed, with the location the services will compute."""

    grid_id: int
    county_id: int | None
    subdistrict_id: int | None
    community_id: int | None
    supervision_grid_id: int | None
    region_chain: tuple[int, ...]  # the routing's region and its ancestors (ids)
    place: str  # county + subdistrict names
    community_name: str
    inner: object  # shapely geometry, points at least the margin away from every boundary
    prepared: object
    rectangle: bool


@dataclass
class World:
    sites: list[Site]
    site_weights: list[float]
    categories: list[Category]
    category_weights: list[float]
    office: services.Actor
    inspector: services.Actor
    leader: services.Actor
    handlers: dict[int, services.Actor]
    wrong_units: list[int]
    fallback_units: list[int]
    rules: dict[tuple[int | None, int | None], tuple[int, int]]
    created_handlers: int = 0
    routes: dict = field(default_factory=dict)
    deadlines: dict = field(default_factory=dict)

    def actor(self, key: str, unit_id: int | None = None) -> services.Actor:
        return self.handlers[unit_id] if key == "handler" else getattr(self, key)

    def route(self, category: Category, site: Site) -> tuple[int | None, int | None]:
        """(unit id, rule id) as :func:`wenming.org.routing.propose_unit` chooses them, from
        the rules held in memory (one query per case would dominate a million-case run);
        the same search order: the region chain first, then the category chain."""
        key = (category.id, site.region_chain)
        found = self.routes.get(key)
        if found is None:
            found = (None, None)
            categories = [*_chain(category), None]
            for region_id in (*site.region_chain, None):
                hit = next(
                    (
                        self.rules[(region_id, c.id if c else None)]
                        for c in categories
                        if (region_id, c.id if c else None) in self.rules
                    ),
                    None,
                )
                if hit is not None:
                    found = hit
                    break
            self.routes[key] = found
        return found

    def deadline(self, category: Category, start: datetime) -> tuple[datetime, str]:
        """The services' own deadline (:func:`wenming.cases.services._deadline_for`), cached.

        It depends only on the time limit (amount and unit) and the start, and the cache keys
        are exact by the calendar's rules (:mod:`wenming.core.calendar`): a limit in working
        days depends only on the start's date; one in working hours starting outside an office
        interval counts from the next interval's start (on the same date, or the first of the
        next date after hours), whichever day that is.
        """
        rule = category
        while rule is not None and not (rule.deadline_amount and rule.deadline_unit):
            rule = rule.parent
        if rule is None:
            return services._deadline_for(category, start)
        local = timezone.localtime(start)
        if rule.deadline_unit == Category.DeadlineUnit.WORKING_DAYS:
            key = (rule.deadline_unit, rule.deadline_amount, local.date())
        else:
            key = (rule.deadline_unit, rule.deadline_amount, _counting_start(local) or local)
        found = self.deadlines.get(key)
        if found is None:
            found = self.deadlines[key] = services._deadline_for(category, start)
            if len(self.deadlines) > 200_000:
                self.deadlines.clear()
        return found


def _counting_start(local: datetime) -> datetime | None:
    """For a start outside office hours, the office interval's start where counting begins;
    None for a start inside an interval (its own moment counts)."""
    second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    intervals = calendar._office_minutes()
    for begin, end in intervals:
        if second <= begin * 60:
            return datetime.combine(local.date(), dtime(0), tzinfo=local.tzinfo) + timedelta(
                minutes=begin
            )
        if second < end * 60:
            return None
    next_day = local.date() + timedelta(days=1)
    return datetime.combine(next_day, dtime(0), tzinfo=local.tzinfo) + timedelta(
        minutes=intervals[0][0]
    )


def _fail(message: str) -> ApplicationError:
    return ApplicationError("generate_cases", message)


def _first_user(role: str, **filters):
    m = (
        Membership.objects.filter(role=role, user__is_active=True, **filters)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return m.user if m else None


def _chain(obj) -> list:
    chain = []
    while obj is not None:
        chain.append(obj)
        obj = obj.parent
    return chain


def _has_limit(category: Category) -> bool:
    while category is not None:
        if category.deadline_amount and category.deadline_unit:
            return True
        category = category.parent
    return False


def _ensure_handlers(units: list[Unit]) -> tuple[dict[int, object], int]:
    """A handler user per unit: the first existing one, or a generated account."""
    User = get_user_model()
    handlers: dict[int, object] = {}
    for m in (
        Membership.objects.filter(role=Role.UNIT_HANDLER, user__is_active=True)
        .select_related("user")
        .order_by("user_id", "id")
    ):
        handlers.setdefault(m.unit_id, m.user)
    created = 0
    for unit in units:
        if unit.id in handlers:
            continue
        username = f"gen-handler-{unit.code.lower()}"[:150]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=unit.name[:150])
            user.set_unusable_password()
            user.save()
            created += 1
        Membership.objects.get_or_create(user=user, role=Role.UNIT_HANDLER, unit=unit)
        handlers[unit.id] = user
    return handlers, created


def _sites() -> list[Site]:
    grids = list(Grid.objects.order_by("code"))
    if not grids:
        raise _fail(_("There are no unit grids: run `manage.py load_demo` first."))
    margin = float(settings.WENMING_BOUNDARY_MARGIN_M)
    geoms = [shape(g.boundary) for g in grids]
    tree = STRtree(geoms)
    # Keep points 1.5 margins inside every boundary, in degrees of longitude (the shorter
    # ones) at the northernmost grid.
    lat = max(geom.bounds[3] for geom in geoms)
    d = 1.5 * margin / (math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat)))
    counties = {
        r.id: shape(r.boundary)
        for r in Region.objects.filter(level=Region.Level.COUNTY, boundary__isnull=False)
    }
    shrunk = {county_id: county.buffer(-d) for county_id, county in counties.items()}
    city = Region.objects.filter(code=settings.WENMING_CITY_CODE, boundary__isnull=False).first()
    city_shrunk = shape(city.boundary).buffer(-d) if city else None
    sites = []
    for i, (grid, geom) in enumerate(zip(grids, geoms, strict=True)):
        inner = geom.buffer(-d)
        for j in tree.query(geom.buffer(d)):
            if j != i:
                inner = inner.difference(geoms[j].buffer(d))
        if inner.is_empty or inner.area < geom.area * 0.05:
            continue
        probe = inner.representative_point()
        where = locate(probe.y, probe.x)
        if where.grid is None or where.grid.id != grid.id or where.near_boundary:
            continue  # overlapping or odd grid: the services would place points elsewhere
        # Inside the city, and inside one county only, as far as the points go.
        for county_id, county in counties.items():
            if county_id == getattr(where.county, "id", None):
                if not shrunk[county_id].contains(inner):
                    inner = inner.intersection(shrunk[county_id])
            elif county.intersects(inner.buffer(d)):
                inner = inner.difference(county.buffer(d))
        if city_shrunk is not None and not city_shrunk.contains(inner):
            inner = inner.intersection(city_shrunk)
        if inner.is_empty or inner.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        region = where.community or where.subdistrict or where.county
        names = [r.name for r in (where.county, where.subdistrict) if r is not None]
        community = short_community_name(where.community.name) if where.community else grid.name
        sites.append(
            Site(
                grid_id=grid.id,
                county_id=where.county.id if where.county else None,
                subdistrict_id=where.subdistrict.id if where.subdistrict else None,
                community_id=where.community.id if where.community else None,
                supervision_grid_id=where.supervision_grid_id,
                region_chain=tuple(r.id for r in _chain(region)),
                place="".join(names),
                community_name=community,
                inner=inner,
                prepared=prep(inner),
                rectangle=abs(inner.envelope.area - inner.area) < 1e-12,
            )
        )
    if not sites:
        raise _fail(_("No unit grid is usable for generated cases."))
    return sites


def load_world(rng: random.Random) -> World:
    office = _first_user(Role.OFFICE)
    inspector = _first_user(Role.INSPECTOR, region__isnull=True)
    leader = _first_user(Role.LEADER)
    if not (office and inspector and leader):
        raise _fail(
            _(
                "Generating cases needs an office, a city-wide inspector and a leader account: "
                "run `manage.py load_demo` first."
            )
        )
    by_id = {c.id: c for c in Category.objects.all()}
    for cat in by_id.values():
        cat.parent = by_id.get(cat.parent_id)  # the tree in memory, no query per walk
    parents = {c.parent_id for c in by_id.values() if c.is_active and c.parent_id}
    categories = sorted(
        (c for c in by_id.values() if c.is_active and c.id not in parents and _has_limit(c)),
        key=lambda c: c.code,
    )
    if not categories:
        raise _fail(_("No active category has a time limit: run `manage.py load_reference`."))
    per_kind = Counter(c.kind for c in categories)
    kinds_total = sum(KIND_WEIGHTS.get(k, 0.1) for k in per_kind)
    category_weights = [KIND_WEIGHTS.get(c.kind, 0.1) / kinds_total / per_kind[c.kind] for c in categories]  # fmt: skip
    units = list(Unit.objects.filter(is_active=True).order_by("code"))
    handler_users, created = _ensure_handlers(units)
    handlers = {unit_id: services.Actor.of(user) for unit_id, user in handler_users.items()}
    wrong = [
        u.id
        for u in units
        if u.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.SUBDISTRICT_OFFICE) and u.id in handlers
    ]
    sites = _sites()
    rules = {
        (r.region_id, r.category_id): (r.unit_id, r.id)
        for r in RoutingRule.objects.filter(unit__is_active=True).order_by("id")
    }
    return World(
        sites=sites,
        site_weights=[rng.uniform(0.3, 3.0) for _site in sites],
        categories=categories,
        category_weights=category_weights,
        office=services.Actor.of(office),
        inspector=services.Actor.of(inspector),
        leader=services.Actor.of(leader),
        handlers=handlers,
        wrong_units=wrong or [u.id for u in units],
        fallback_units=wrong or [u.id for u in units],
        rules=rules,
        created_handlers=created,
    )


# --- the plan -------------------------------------------------------------------------------


@dataclass
class Step:
    at: datetime
    action: str
    actor: str  # "office", "inspector", "leader" or "handler"
    unit_id: int | None = None  # dispatch: the unit; handler steps: the handler's unit
    text: str = ""
    target: Plan | None = None  # merge: the case merged into
    deadline: tuple[datetime, str] | None = None  # dispatch: as the service computes it


@dataclass
class Plan:
    key: int
    reported_at: datetime
    source: str
    reporter: str
    category: Category
    site: Site
    lat: float
    lon: float
    title: str
    description: str
    address: str
    proposed_unit_id: int | None
    rule_id: int | None
    steps: list[Step] = field(default_factory=list)
    index: int = -1  # position in report order
    case_id: int | None = None

    def end(self) -> datetime | None:
        """When the case became final (closed/rejected/merged), or None if still open."""
        if self.steps and self.steps[-1].action in ("verify", "reject", "merge"):
            return self.steps[-1].at
        return None


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class Planner:
    def __init__(self, world: World, rng: random.Random, now: datetime, years: float) -> None:
        self.world, self.rng = world, rng
        self.now_ts = int(now.timestamp())
        self.start_ts = self.now_ts - int(years * 365 * DAY)
        self.sources = [s for s, _who, _w in SOURCES]
        self.source_weights = [w for _s, _who, w in SOURCES]
        self.reporters = {s: who for s, who, _w in SOURCES}
        self.tz = timezone.get_default_timezone()

    def _reported_ts(self, source: str) -> int:
        rng = self.rng
        # Inspections, leaders and evaluations by day; citizens, hotline and media until late.
        first, last = (8, 18) if source in (Source.INSPECTION, Source.LEADER, Source.EVALUATION) else (7, 22)  # fmt: skip
        for _attempt in range(20):
            day = datetime.fromtimestamp(rng.randint(self.start_ts, self.now_ts), self.tz).date()
            local = datetime(day.year, day.month, day.day, tzinfo=self.tz) + timedelta(
                seconds=rng.randint(first * HOUR, last * HOUR - 1)
            )
            ts = int(local.timestamp())
            if self.start_ts <= ts < self.now_ts:
                return ts
        return rng.randint(self.start_ts, self.now_ts - 1)

    def _point(self, site: Site) -> tuple[float, float]:
        minx, miny, maxx, maxy = site.inner.bounds
        for _attempt in range(1000):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if site.rectangle or site.prepared.contains(Point(x, y)):
                return round(y, 6), round(x, 6)
        pt = site.inner.representative_point()
        return round(pt.y, 6), round(pt.x, 6)

    def primary(self, key: int) -> Plan:
        rng, world = self.rng, self.world
        source = rng.choices(self.sources, self.source_weights)[0]
        category = rng.choices(world.categories, world.category_weights)[0]
        site = rng.choices(world.sites, world.site_weights)[0]
        lat, lon = self._point(site)
        road = rng.choice(ROADS)
        if category.kind == "campaign":
            title = f"{site.community_name}{category.name}"
        elif category.kind == "component":
            title = f"{road}{category.name}{rng.choice(DEFECTS)}"
        else:
            title = f"{road}{category.name}"
        address = f"{site.place}{site.community_name}{road}{rng.randint(1, 300)}号附近"
        detail = rng.choice(DETAILS.get(category.kind, DETAILS["event"]))
        description = f"{SOURCE_PHRASES[source]}：{address}存在{category.name}问题，{detail}。"
        reported = self._reported_ts(source)
        unit_id, rule_id = world.route(category, site)
        plan = Plan(
            key=key,
            reported_at=_utc(reported),
            source=str(source),
            reporter=self.reporters[source],
            category=category,
            site=site,
            lat=lat,
            lon=lon,
            title=title[: services.TITLE_MAX],
            description=description[: services.DESCRIPTION_MAX],
            address=address[: services.ADDRESS_MAX],
            proposed_unit_id=unit_id,
            rule_id=rule_id,
        )
        self._lifecycle(plan, reported)
        return plan

    def _lifecycle(self, plan: Plan, t: int) -> None:
        rng, world = self.rng, self.world
        recent = self.now_ts - t < RECENT_DAYS * DAY
        stall = None
        if rng.random() < (STALL_RATE_RECENT if recent else STALL_RATE_OLD):
            stages, weights = zip(*STALL_STAGES, strict=True)
            stall = rng.choices(stages, weights)[0]
        steps: list[Step] = []

        def add(dt: int, action: str, actor: str, **kw) -> bool:
            """Append a step at ``t + dt``; False (and stop) once it would be after now."""
            nonlocal t
            t += dt
            if t > self.now_ts:
                return False
            steps.append(Step(_utc(t), action, actor, **kw))
            return True

        plan.steps = steps
        if rng.random() < REJECT_RATE:
            add(rng.randint(10 * MINUTE, DAY), "reject", "office", text=rng.choice(REJECT_REASONS))
            return
        if stall == "reported":
            return
        unit_id = plan.proposed_unit_id or rng.choice(world.fallback_units)
        wrong = None
        if rng.random() < WRONG_UNIT_RATE:
            others = [u for u in world.wrong_units if u != unit_id]
            wrong = rng.choice(others) if others else None
        if wrong is None and stall == "returned":
            stall = "dispatched"
        if wrong is not None:
            if not self._dispatch(add, plan, wrong, rng.randint(5 * MINUTE, 6 * HOUR)):
                return
            if not add(rng.randint(30 * MINUTE, DAY), "return", "handler", unit_id=wrong, text=rng.choice(RETURN_REASONS)):  # fmt: skip
                return
            if stall == "returned":
                return
            if not self._dispatch(add, plan, unit_id, rng.randint(10 * MINUTE, 4 * HOUR)):
                return
        elif not self._dispatch(add, plan, unit_id, rng.randint(5 * MINUTE, 6 * HOUR)):
            return
        deadline_ts = int(steps[-1].deadline[0].timestamp())
        if stall == "dispatched":
            return
        if not add(rng.randint(5 * MINUTE, 8 * HOUR), "accept", "handler", unit_id=unit_id, text=rng.choice(ACCEPT_NOTES)):  # fmt: skip
            return
        if stall == "accepted":
            return
        reworks = 0
        if rng.random() < REWORK_RATE:
            reworks = 2 if rng.random() < SECOND_REWORK_RATE else 1
        reworked = False
        while True:
            if reworked:
                dt = rng.randint(2 * HOUR, 3 * DAY)  # the fix after a failed verification
            elif rng.random() < ON_TIME_RATE and deadline_ts > t + 10 * MINUTE:
                dt = max(60, int((deadline_ts - t) * rng.uniform(0.1, 0.95)))
            else:
                dt = max(deadline_ts - t, 0) + rng.randint(HOUR, 5 * DAY)
            if not add(dt, "submit", "handler", unit_id=unit_id, text=rng.choice(SUBMIT_NOTES)):
                return
            if reworks == 0 and stall == "submitted":
                return
            if reworks:
                reworks -= 1
                reworked = True
                if not add(rng.randint(30 * MINUTE, 2 * DAY), "rework", "inspector", text=rng.choice(REWORK_REASONS)):  # fmt: skip
                    return
                continue
            add(rng.randint(30 * MINUTE, 2 * DAY), "verify", "inspector", text=rng.choice(VERIFY_NOTES))  # fmt: skip
            return

    def _dispatch(self, add, plan: Plan, unit_id: int, dt: int) -> bool:
        if not add(dt, "dispatch", "office", unit_id=unit_id, text=self.rng.choice(DISPATCH_NOTES)):  # fmt: skip
            return False
        step = plan.steps[-1]
        step.deadline = self.world.deadline(plan.category, step.at)
        return True

    def duplicate(self, key: int, original: Plan) -> Plan | None:
        """A later report of the same problem, merged into ``original`` while it is open."""
        rng = self.rng
        first = int(original.reported_at.timestamp()) + 60
        end = original.end()
        last = min(first + 3 * DAY, self.now_ts - 1)
        if end is not None:
            last = min(last, int(end.timestamp()) - 2 * MINUTE)
        if last <= first:
            return None
        reported = rng.randint(first, last)
        source = rng.choice((Source.PUBLIC, Source.HOTLINE, Source.PUBLIC, Source.MEDIA))
        plan = Plan(
            key=key,
            reported_at=_utc(reported),
            source=str(source),
            reporter=self.reporters[source],
            category=original.category,
            site=original.site,
            lat=original.lat,
            lon=original.lon,
            title=original.title,
            description=f"{SOURCE_PHRASES[source]}：{original.address}存在{original.category.name}问题。",  # fmt: skip
            address=original.address,
            proposed_unit_id=original.proposed_unit_id,
            rule_id=original.rule_id,
        )
        merge = reported + rng.randint(10 * MINUTE, DAY)
        if end is not None and merge >= int(end.timestamp()):
            merge = reported + (int(end.timestamp()) - reported) // 2
        if reported < merge <= self.now_ts:
            plan.steps = [Step(_utc(merge), "merge", "office", text=rng.choice(MERGE_NOTES), target=original)]  # fmt: skip
        return plan


def plan_cases(world: World, rng: random.Random, count: int, now: datetime, years: float):
    """``count`` plans (duplicates included) in report order, ``index`` set."""
    planner = Planner(world, rng, now, years)
    plans: list[Plan] = []
    while len(plans) < count:
        plan = planner.primary(len(plans))
        plans.append(plan)
        dispatched = any(s.action == "dispatch" for s in plan.steps)
        if len(plans) < count and dispatched and rng.random() < DUPLICATE_RATE:
            dup = planner.duplicate(len(plans), plan)
            if dup is not None:
                plans.append(dup)
    plans.sort(key=lambda p: (p.reported_at, p.key))
    for i, plan in enumerate(plans):
        plan.index = i
    return plans


# --- path 1: through the services -----------------------------------------------------------


@contextmanager
def patched_clock(start: datetime) -> Iterator[list[datetime]]:
    """Patch ``django.utils.timezone.now`` to return ``box[0]``; restored on exit."""
    real = timezone.now
    box = [start]
    timezone.now = lambda: box[0]
    try:
        yield box
    finally:
        timezone.now = real


def write_with_services(
    world: World, plans: list[Plan], chunk: int = 500, progress: Progress | None = None
) -> int:
    """Run every step through the services in chronological order; return the event count."""
    items = []
    for plan in plans:
        items.append((plan.reported_at, plan.index, 0, plan, None))
        for k, step in enumerate(plan.steps, start=1):
            items.append((step.at, plan.index, k, plan, step))
    items.sort(key=lambda item: item[:3])
    if not items:
        return 0
    with patched_clock(items[0][0]) as clock:
        for start in range(0, len(items), chunk):
            with transaction.atomic():
                for at, _index, _k, plan, step in items[start : start + chunk]:
                    clock[0] = at
                    _service_step(world, plan, step)
            if progress:
                progress(min(start + chunk, len(items)), len(items))
    # A merge writes two events: the duplicate's and the surviving case's "merged_in".
    return len(items) + sum(1 for item in items if item[4] and item[4].action == "merge")


def _service_step(world: World, plan: Plan, step: Step | None) -> None:
    if step is None:
        case = services.case_report(
            world.actor(plan.reporter),
            title=plan.title,
            category_id=plan.category.id,
            lat=plan.lat,
            lon=plan.lon,
            description=plan.description,
            address=plan.address,
            source=plan.source,
        )
        plan.case_id = case.pk
        return
    actor = world.actor(step.actor, step.unit_id)
    a, case_id = step.action, plan.case_id
    if a == "dispatch":
        services.case_dispatch(actor, case_id, unit_id=step.unit_id, note=step.text)
    elif a == "reject":
        services.case_reject(actor, case_id, reason=step.text)
    elif a == "merge":
        services.case_merge(actor, case_id, into_id=step.target.case_id, note=step.text)
    elif a == "accept":
        services.case_accept(actor, case_id, note=step.text)
    elif a == "return":
        services.case_return(actor, case_id, reason=step.text)
    elif a == "submit":
        services.case_submit(actor, case_id, note=step.text)
    elif a == "verify":
        services.case_verify(actor, case_id, note=step.text)
    elif a == "rework":
        services.case_rework(actor, case_id, reason=step.text)
    else:  # pragma: no cover - the planner makes no other step
        raise ValueError(a)


# --- path 2: bulk ---------------------------------------------------------------------------


def _user_id(actor: services.Actor) -> int | None:
    return getattr(actor.user, "pk", None)


@dataclass
class _Earlier:
    """What the recurrence rule needs of an earlier plan (bulk path)."""

    case_id: int
    number: str
    reported_at: datetime
    lat: float
    lon: float
    gone_at: datetime | None  # rejected or merged at


def _recurrence(history: list[_Earlier], plan: Plan) -> _Earlier | None:
    """The earlier case :func:`wenming.cases.services._recurrence_of` would find for the plan
    when it is reported: same category (``history`` holds that category's earlier plans in
    report order), reported in the window, in the box, not rejected or merged by then, the
    most recent of the first ``RECURRENCE_CANDIDATES`` in the box within the distance.
    Cases written before this run are not considered."""
    days, metres = services.recurrence_settings()
    dlat, dlon = services.recurrence_box(plan.lat, metres)
    since = plan.reported_at - timedelta(days=days)
    seen = 0
    for e in reversed(history):
        if e.reported_at < since:
            break
        if e.reported_at > plan.reported_at:
            continue
        if e.gone_at is not None and e.gone_at <= plan.reported_at:
            continue
        if not (
            plan.lat - dlat <= e.lat <= plan.lat + dlat
            and plan.lon - dlon <= e.lon <= plan.lon + dlon
        ):
            continue
        seen += 1
        if seen > services.RECURRENCE_CANDIDATES:
            return None
        if services._distance_m(plan.lat, plan.lon, e.lat, e.lon) <= metres:
            return e
    return None


def _merged_in(world: World, plans: list[Plan], numbers: dict[int, str]) -> dict[int, list]:
    """For each plan another one is merged into (by plan index): ``(order, event row without
    statuses)`` of the ``merged_in`` events :func:`services.case_merge` writes on the
    surviving case. ``order`` is the step's place in :func:`write_with_services`' order."""
    extra: dict[int, list] = {}
    for plan in plans:
        for k, step in enumerate(plan.steps, start=1):
            if step.action == "merge":
                row = {
                    "action": "merged_in",
                    "actor_id": _user_id(world.actor(step.actor, step.unit_id)),
                    "at": step.at,
                    "note": step.text,
                    "data": {"case_id": plan.case_id, "number": numbers[plan.index]},
                }
                extra.setdefault(step.target.index, []).append(((step.at, plan.index, k), row))
    for rows in extra.values():
        rows.sort(key=lambda item: item[0])
    return extra


def _simulate(
    world: World,
    plan: Plan,
    number: str,
    case_id: int,
    earlier: _Earlier | None = None,
    merged_in: list | None = None,
) -> tuple[Case, list[dict]]:
    """The case row and event rows the services would leave after the plan's steps, with
    the ``merged_in`` events of duplicates (from :func:`_merged_in`) at their places."""
    reporter = world.actor(plan.reporter)
    c = Case(
        id=case_id,
        number=number,
        title=plan.title,
        description=plan.description,
        category_id=plan.category.id,
        source=plan.source,
        status=Status.REPORTED,
        lat=plan.lat,
        lon=plan.lon,
        address=plan.address,
        county_id=plan.site.county_id,
        subdistrict_id=plan.site.subdistrict_id,
        community_id=plan.site.community_id,
        grid_id=plan.site.grid_id,
        supervision_grid_id=plan.site.supervision_grid_id,
        near_boundary=False,
        routing_note="",
        proposed_unit_id=plan.proposed_unit_id,
        reporter_id=_user_id(reporter),
        reported_at=plan.reported_at,
        version=1,
        recurring=earlier is not None,
        recurrence_of_id=earlier.case_id if earlier else None,
        recurrence_reason=services._recurrence_reason(earlier),
    )
    events = [
        {
            "action": "report",
            "actor_id": _user_id(reporter),
            "at": plan.reported_at,
            "from_status": "",
            "to_status": Status.REPORTED,
            "note": "",
            "data": {
                "source": plan.source,
                "proposed_unit_id": plan.proposed_unit_id,
                "routing_rule_id": plan.rule_id,
                "near_boundary": [],
                "recurrence_of": earlier.case_id if earlier else None,
            },
        }
    ]
    pending = list(merged_in or [])

    def merged_until(order) -> None:
        # Duplicates merged in before this step: the case's status then, unchanged.
        while pending and (order is None or pending[0][0] < order):
            row = pending.pop(0)[1]
            events.append({**row, "from_status": c.status, "to_status": c.status})

    for k, step in enumerate(plan.steps, start=1):
        merged_until((step.at, plan.index, k))
        at, a = step.at, step.action
        from_status = c.status
        data: dict = {}
        if a == "dispatch":
            deadline, warning = step.deadline
            c.status, c.unit_id, c.dispatched_at = Status.DISPATCHED, step.unit_id, at
            c.deadline, c.deadline_warning = deadline, warning
            data = {"unit_id": step.unit_id, "deadline": deadline.isoformat(), "warning": warning}
        elif a == "reject":
            c.status, c.closed_at = Status.REJECTED, at
        elif a == "merge":
            c.status, c.merged_into_id, c.closed_at = Status.MERGED, step.target.case_id, at
            data = {"into_id": step.target.case_id}
        elif a == "accept":
            c.status = Status.ACCEPTED
        elif a == "return":
            data = {"unit_id": c.unit_id}
            c.status, c.unit_id, c.deadline, c.deadline_warning = Status.RETURNED, None, None, ""
        elif a == "submit":
            c.status, c.submitted_at = Status.SUBMITTED, at
        elif a == "verify":
            c.status, c.closed_at = Status.CLOSED, at
            c.rectified_on_time = bool(c.deadline and c.submitted_at <= c.deadline)
            c.closed_on_time = bool(c.deadline and at <= c.deadline)
            data = {"rectified_on_time": c.rectified_on_time, "closed_on_time": c.closed_on_time}
        elif a == "rework":
            c.status = Status.ACCEPTED
            c.rework_count += 1
            data = {"rework_count": c.rework_count}
        c.version += 1
        events.append(
            {
                "action": a,
                "actor_id": _user_id(world.actor(step.actor, step.unit_id)),
                "at": at,
                "from_status": from_status,
                "to_status": c.status,
                "note": step.text,
                "data": data,
            }
        )
    merged_until(None)
    return c, events


def write_bulk(
    world: World, plans: list[Plan], batch_size: int = 5000, progress: Progress | None = None
) -> int:
    """Write the plans with bulk_create; return the event count."""
    case_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    event_id = (CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    for plan in plans:  # ids in report order, as the services would hand them out
        plan.case_id = case_id + plan.index
    counters: dict[str, int] = {}
    numbers: dict[int, str] = {}  # plan index -> case number, handed out in report order
    names: dict[int, str] = {}
    for plan in plans:
        name = names[plan.index] = f"case:{timezone.localtime(plan.reported_at):%Y}"
        if name not in counters:
            counters[name] = (
                Sequence.objects.filter(name=name).values_list("value", flat=True).first() or 0
            )
        counters[name] += 1
        numbers[plan.index] = f"{name[5:]}{counters[name]:06d}"
    merged_in = _merged_in(world, plans, numbers)
    counters = {}
    history: dict[int, list[_Earlier]] = {}  # category id -> earlier plans, report order
    total_events = 0
    for start in range(0, len(plans), batch_size):
        batch = plans[start : start + batch_size]
        cases, events = [], []
        with transaction.atomic():
            for plan in batch:
                name = names[plan.index]
                number = numbers[plan.index]
                counters[name] = int(number[4:])
                same = history.setdefault(plan.category.id, [])
                earlier = _recurrence(same, plan)
                gone = plan.steps[-1].at if plan.steps and plan.steps[-1].action in ("reject", "merge") else None  # fmt: skip
                same.append(
                    _Earlier(plan.case_id, number, plan.reported_at, plan.lat, plan.lon, gone)
                )
                case, rows = _simulate(
                    world, plan, number, plan.case_id, earlier, merged_in.get(plan.index)
                )
                cases.append(case)
                for seq, row in enumerate(rows, start=1):
                    events.append(CaseEvent(id=event_id, case_id=plan.case_id, seq=seq, **row))
                    event_id += 1
            Case.objects.bulk_create(cases, batch_size=batch_size)
            CaseEvent.objects.bulk_create(events, batch_size=batch_size)
            for name, value in counters.items():
                if not Sequence.objects.filter(name=name).update(value=value):
                    Sequence.objects.create(name=name, value=value)
        total_events += len(events)
        if progress:
            progress(start + len(batch), len(plans))
    if plans:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent]):
                cursor.execute(sql)
    return total_events


# --- entry point ----------------------------------------------------------------------------


@dataclass
class Result:
    cases: int
    events: int
    seconds: float
    statuses: Counter
    created_handlers: int


def generate(
    count: int,
    seed: int,
    *,
    bulk: bool = False,
    years: float = 2,
    now: datetime | None = None,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> Result:
    """Generate ``count`` cases (see the module docstring); return what was written."""
    if count < 0:
        raise _fail(_("--count must not be negative."))
    if years <= 0:
        raise _fail(_("--years must be positive."))
    started = time.perf_counter()
    now = (now or timezone.now()).replace(microsecond=0)
    rng = random.Random(seed)
    with transaction.atomic():
        world = load_world(rng)
    plans = plan_cases(world, rng, count, now, years)
    if bulk:
        events = write_bulk(world, plans, batch_size=batch_size, progress=progress)
    else:
        events = write_with_services(world, plans, progress=progress)
    statuses = Counter(_final_status(p) for p in plans)
    return Result(
        len(plans), events, time.perf_counter() - started, statuses, world.created_handlers
    )


def _final_status(plan: Plan) -> str:
    status = Status.REPORTED
    for step in plan.steps:
        status = {
            "dispatch": Status.DISPATCHED,
            "reject": Status.REJECTED,
            "merge": Status.MERGED,
            "accept": Status.ACCEPTED,
            "return": Status.RETURNED,
            "submit": Status.SUBMITTED,
            "verify": Status.CLOSED,
            "rework": Status.ACCEPTED,
        }[step.action]
    return str(status)


def parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(_("--now is not a date and time: %(value)s") % {"value": value})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class Command(BaseCommand):
    help = (
        "Generate realistic cases over the unit grids (needs load_reference and load_demo). "
        "Default: through the case services with a patched clock; --bulk: the same rows with "
        "bulk_create (for benchmarks). Deterministic for a given --seed and --now."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="number of cases")
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument("--bulk", action="store_true", help="write with bulk_create")
        parser.add_argument("--years", type=float, default=2, help="span ending --now")
        parser.add_argument("--now", help="end of the span (ISO 8601; default: now)")
        parser.add_argument("--batch-size", type=int, default=5000, help="bulk batch size")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the ledger already has cases (lets `make demo` run again)",
        )

    def handle(self, *args, **options):
        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 2:
                self.stderr.write(f"  {done:,} / {total:,}")

        if options["if_empty"] and Case.objects.exists():
            self.stdout.write(_("The ledger already has cases; nothing generated."))
            return
        try:
            result = generate(
                options["count"],
                options["seed"],
                bulk=options["bulk"],
                years=options["years"],
                now=parse_now(options["now"]),
                batch_size=max(1, options["batch_size"]),
                progress=progress,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if result.created_handlers:
            self.stdout.write(
                _("%(count)d handler accounts created for units without one")
                % {"count": result.created_handlers}
            )
        self.stdout.write(
            _("%(cases)d cases and %(events)d events written in %(seconds).1f s (%(path)s)")
            % {
                "cases": result.cases,
                "events": result.events,
                "seconds": result.seconds,
                "path": "bulk" if options["bulk"] else "services",
            }
        )
        for status, n in sorted(result.statuses.items(), key=lambda kv: -kv[1]):
            share = 100 * n / result.cases if result.cases else 0
            self.stdout.write(f"  {Status(status).label}: {n} ({share:.1f}%)")
