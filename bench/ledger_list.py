"""Benchmark of the ledger's first page: the JSON API against hand-written SQL.

    .venv/bin/python bench/ledger_list.py [--cases 200000] [--database-url URL] [--runs 30]

The database holds ``--cases`` generated cases (``generate_cases --bulk``, fixed seed and
``--now``, after ``migrate``, ``load_reference`` and ``load_demo``). It is built once and
reused while its marker (the counter ``bench:ledger_list`` = the case count) matches; otherwise
it is rebuilt from scratch. SQLite: ``var/bench/ledger-N.sqlite3`` (default). PostgreSQL:
``--database-url postgres://postgres@127.0.0.1:5432/wenming_bench`` (created if missing; a
database named ``test`` or ``test_*``, which the test suite uses, is refused).

Measured, as medians over ``--runs`` runs after warm-up, all on one connection; the runs
are interleaved (one run of each measurement in turn), so that the load of a shared machine
falls on all of them alike:

- ``api``: ``GET /api/cases?status=dispatched&status=accepted&region=<古楼街道>&sort=deadline
  &limit=50`` through Django's test ``Client``, logged in as the office user (session,
  user, scope, the region's level, the page query, serialisation; no counts: the API
  counts only with ``with_counts=true``);
- ``api (token)``: the same with ``Authorization: Bearer`` (an API client's way);
- ``api+counts``: the same with ``&with_counts=true``;
- ``selector``: :func:`wenming.cases.selectors.ledger_page_values` plus the API's row
  dicts, without HTTP and without the counts;
- ``sql page``: the hand-written page query (the same joins, ``status IN (…)``, the region,
  ``ORDER BY deadline, id LIMIT 51``), fetched;
- ``sql page+counts``: that query and the hand-written status counts of the region (what
  ``api+counts`` answers).

Two forms of the region condition are timed: ``or`` (``county_id = r OR subdistrict_id = r
OR community_id = r``, what the filter means for any region) and ``level`` (the one column
of the region's level, here ``subdistrict_id = r``). Printed: the medians in ms, the ratios
against the hand-written SQL and the ``EXPLAIN`` of the ORM's page and counts queries and of
the hand-written SQL. Target (issue #2): ``api`` within 2× of the hand-written SQL
(``sql page (level)``) and under 100 ms at 1,000,000 cases, on SQLite and on PostgreSQL. Also
timed, as the stricter baseline: ``sql page (level, ids 1st)``, the same page with its ids
chosen first in a subquery (as the selector does), the best hand-written form.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import choose_database  # noqa: E402  (bench/ is on sys.path when run)

SEED = 11
NOW = "2026-11-01T18:00:00+08:00"
MARKER = "bench:ledger_list"
SUBDISTRICT = "371502001"  # 古楼街道
STATUSES = ("dispatched", "accepted")
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/wenming_bench"


# --- the database ---------------------------------------------------------------------------


def build(cases: int) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils.dateparse import parse_datetime

    from wenming.cases.management.commands.generate_cases import generate
    from wenming.core.models import Sequence

    started = time.perf_counter()
    print(f"building: {cases:,} cases (generate_cases --bulk) …", flush=True)
    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_reference", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    step = max(cases // 10, 1)

    def progress(done: int, total: int) -> None:
        if done % step < 5000 or done == total:
            print(f"  {done:,} / {total:,} cases written", flush=True)

    result = generate(cases, SEED, bulk=True, now=parse_datetime(NOW), progress=progress)
    print(f"  {result.cases:,} cases, {result.events:,} events in {result.seconds:.0f} s", flush=True)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    with transaction.atomic():
        Sequence.objects.update_or_create(name=MARKER, defaults={"value": cases})
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


# --- measurements ---------------------------------------------------------------------------

PAGE_SQL = """
SELECT c.id, c.number, c.title, c.status, c.source, c.lat, c.lon, c.address, c.reported_at,
       c.deadline, c.rework_count, c.version, c.grid_id,
       cat.id, cat.code, cat.name, u.id, u.name, s.id, s.name, cm.id, cm.name
FROM cases_case c
JOIN taxonomy_category cat ON cat.id = c.category_id
LEFT JOIN org_unit u ON u.id = c.unit_id
LEFT JOIN geo_region s ON s.id = c.subdistrict_id
LEFT JOIN geo_region cm ON cm.id = c.community_id
WHERE c.status IN (%s, %s) AND {region}
ORDER BY c.deadline, c.id
LIMIT 51
"""
# The same page with the ids chosen first (the sort runs in the index; only 51 rows are read
# from the table), as the selector does: the best hand-written form, the stricter baseline.
PAGE_IDS_SQL = """
SELECT c.id, c.number, c.title, c.status, c.source, c.lat, c.lon, c.address, c.reported_at,
       c.deadline, c.rework_count, c.version, c.grid_id,
       cat.id, cat.code, cat.name, u.id, u.name, s.id, s.name, cm.id, cm.name
FROM cases_case c
JOIN taxonomy_category cat ON cat.id = c.category_id
LEFT JOIN org_unit u ON u.id = c.unit_id
LEFT JOIN geo_region s ON s.id = c.subdistrict_id
LEFT JOIN geo_region cm ON cm.id = c.community_id
WHERE c.id IN (
    SELECT c.id FROM cases_case c WHERE c.status IN (%s, %s) AND {region}
    ORDER BY c.deadline, c.id LIMIT 51
)
ORDER BY c.deadline, c.id
"""
COUNTS_SQL = "SELECT c.status, count(*) FROM cases_case c WHERE {region} GROUP BY c.status"
REGION = {
    "or": ("(c.county_id = %s OR c.subdistrict_id = %s OR c.community_id = %s)", 3),
    "level": ("c.subdistrict_id = %s", 1),
}


def _medians_ms(funcs: dict, runs: int, warmup: int = 5) -> dict[str, float]:
    """Median wall time of each function, in ms. The runs are interleaved (one run of each
    function in turn, ``runs`` rounds), so that a shared machine's changing load falls on
    every measurement alike and the ratios stay fair."""
    for func in funcs.values():
        for _ in range(warmup):
            func()
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def _explain(sql: str, params) -> str:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}", params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(str(r[-1]) for r in rows)


def measure(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from wenming.cases.api import _row_values
    from wenming.cases.models import Case
    from wenming.cases.selectors import (
        ROW_VALUES,
        LedgerFilter,
        _filtered,
        _keyset,
        _page_of,
        ledger_page_values,
        status_counts,
    )
    from wenming.geo.models import Region
    from wenming.org.models import ApiToken

    region = Region.objects.get(code=SUBDISTRICT)
    office = get_user_model().objects.get(username="office")
    total = Case.objects.count()
    held = Case.objects.filter(status__in=STATUSES, subdistrict=region).count()
    in_region = Case.objects.filter(subdistrict=region).count()
    print(
        f"{connection.vendor}, {total:,} cases; {region.name} (id {region.id}): {in_region:,} "
        f"cases, {held:,} dispatched or accepted"
    )

    client = Client(HTTP_HOST="localhost")
    client.force_login(office, backend="django.contrib.auth.backends.ModelBackend")
    url = (
        f"/api/cases?status={STATUSES[0]}&status={STATUSES[1]}&region={region.id}"
        "&sort=deadline&limit=50"
    )
    first = client.get(url)
    assert first.status_code == 200, first.content[:500]
    body = first.json()
    api_ids = [item["id"] for item in body["items"]]

    f = LedgerFilter(status=list(STATUSES), region=region.id)

    def api():
        response = client.get(url)
        assert response.status_code == 200
        response.content  # noqa: B018

    def api_with_counts():
        response = client.get(url + "&with_counts=true")
        assert response.status_code == 200
        response.content  # noqa: B018

    token = "bench-ledger-list-token"
    ApiToken.objects.get_or_create(
        key_hash=ApiToken.hash(token), defaults={"user": office, "name": "bench"}
    )
    token_client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert token_client.get(url).json() == body

    def api_token():
        response = token_client.get(url)
        assert response.status_code == 200
        response.content  # noqa: B018

    def selector():
        rows, _cursor = ledger_page_values(office, f, sort="deadline", limit=50)
        now, labels = timezone.now(), {}
        return [_row_values(v, now, labels) for v in rows]

    funcs = {
        "api": api,
        "api (token)": api_token,
        "api+counts": api_with_counts,
        "selector": selector,
    }
    sql = {}
    for form, (condition, n) in REGION.items():
        page_sql = PAGE_SQL.format(region=condition)
        page_params = [*STATUSES, *([region.id] * n)]
        counts_sql = COUNTS_SQL.format(region=condition)
        counts_params = [region.id] * n
        sql[form] = (page_sql, page_params, counts_sql, counts_params)
        with connection.cursor() as cursor:
            cursor.execute(page_sql, page_params)
            sql_ids = [r[0] for r in cursor.fetchall()][:50]
        assert sql_ids == api_ids, f"the {form} SQL returns other rows than the API"

        def page(page_sql=page_sql, page_params=page_params):
            with connection.cursor() as cursor:
                cursor.execute(page_sql, page_params)
                cursor.fetchall()

        def page_and_counts(page=page, counts_sql=counts_sql, counts_params=counts_params):
            page()
            with connection.cursor() as cursor:
                cursor.execute(counts_sql, counts_params)
                cursor.fetchall()

        funcs[f"sql page ({form})"] = page
        funcs[f"sql page+counts ({form})"] = page_and_counts

    ids_sql = PAGE_IDS_SQL.format(region=REGION["level"][0])
    ids_params = [*STATUSES, region.id]
    with connection.cursor() as cursor:
        cursor.execute(ids_sql, ids_params)
        assert [r[0] for r in cursor.fetchall()][:50] == api_ids, "ids-first SQL differs"

    def page_ids_first():
        with connection.cursor() as cursor:
            cursor.execute(ids_sql, ids_params)
            cursor.fetchall()

    funcs["sql page (level, ids 1st)"] = page_ids_first

    results = _medians_ms(funcs, runs)

    print()
    print(f"median of {runs} runs, ms")
    for name, ms in results.items():
        print(f"  {name:<26} {ms:8.2f}")
    print()
    base_or = results["sql page+counts (or)"]
    base_level = results["sql page+counts (level)"]
    print(
        f"api / sql page (level)                = {results['api'] / results['sql page (level)']:.2f}"
    )
    print(
        f"api (token) / sql page (level)        = {results['api (token)'] / results['sql page (level)']:.2f}"
    )
    ids_first = results["sql page (level, ids 1st)"]
    print(f"api / sql page (level, ids 1st)       = {results['api'] / ids_first:.2f}")
    print(f"api (token) / sql page (level, ids 1st) = {results['api (token)'] / ids_first:.2f}")
    print(f"api+counts / sql page+counts (or)     = {results['api+counts'] / base_or:.2f}")
    print(f"api+counts / sql page+counts (level)  = {results['api+counts'] / base_level:.2f}")
    print(f"selector / sql page (or)       = {results['selector'] / results['sql page (or)']:.2f}")
    print(
        f"selector / sql page (level)    = {results['selector'] / results['sql page (level)']:.2f}"
    )

    print("\nEXPLAIN, the ORM's page query (ledger_page_values):")
    keyset_qs, _field, order = _keyset(office, f, "deadline", None)
    qs = _page_of(keyset_qs, order, 51).values(*ROW_VALUES)
    print(_explain(*qs.query.sql_with_params()))
    print("\nEXPLAIN, the ORM's counts query (status_counts):")
    counts_qs = (
        _filtered(office, LedgerFilter(region=region.id))
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    print(_explain(*counts_qs.query.sql_with_params()))
    assert dict(counts_qs) == status_counts(office, f)
    for form, (page_sql, page_params, counts_sql, counts_params) in sql.items():
        print(f"\nEXPLAIN, hand-written page SQL ({form}):")
        print(_explain(page_sql, page_params))
        print(f"\nEXPLAIN, hand-written counts SQL ({form}):")
        print(_explain(counts_sql, counts_params))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--database-url", help=f"default: SQLite under var/bench/; e.g. {PG_DEFAULT}")  # fmt: skip
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    url, needs_build = choose_database(
        args.cases,
        args.database_url,
        marker=MARKER,
        default_path=ROOT / "var" / "bench" / f"ledger-{args.cases}.sqlite3",
    )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    import django

    django.setup()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {url}")
    if needs_build:
        build(args.cases)
    measure(args.runs)


if __name__ == "__main__":
    main()
