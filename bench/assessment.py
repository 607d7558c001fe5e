"""Benchmark of the assessment indicators: the ORM aggregate against hand-written SQL.

    .venv/bin/python bench/assessment.py [--cases 200000] [--database-url URL] [--runs 7]

The database holds ``--cases`` generated cases (``generate_cases --bulk``, fixed seed, two
years ending ``NOW``, after ``migrate``, ``load_reference`` and ``load_demo``); with
``--generate M`` only M are generated and copied (:func:`replicate`) up to ``--cases``. It is built
once and reused while its marker (the counter ``bench:assessment`` = the case count) matches.
SQLite: ``var/bench/assessment-N.sqlite3`` (default). PostgreSQL: ``--database-url
postgres://postgres@127.0.0.1:5432/wenming_bench_assess`` (created if missing; ``test`` and
``test_*`` are refused: the test suite uses them).

Measured, as medians over ``--runs`` interleaved runs after warm-up:

- ``orm month`` / ``orm year``: :func:`wenming.assessment.indicators.compute_indicators` for
  every unit (``group_by="unit"``) for one month (2026-03) and one year (2025): the aggregate
  query, the names query, and building the rows with every rate;
- ``sql month`` / ``sql year``: the same aggregates written by hand (``COUNT(*) FILTER`` on
  PostgreSQL, ``SUM(CASE …)`` on SQLite, ``GROUP BY unit_id``) plus the units' names, fetched;
- ``ranking month``: :func:`wenming.assessment.ranking.compute_ranking` (indicators for the
  month and the previous month, schemes, inspection and campaign inputs, scoring, ranks).

The hand-written results are checked equal to the ORM's before timing. Printed: medians in
ms, the ratios orm/sql, and the ``EXPLAIN`` of the year query. Target at 1,000,000 cases:
``orm year`` ≤ 2 s on PostgreSQL and orm/sql ≤ 2.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import choose_database  # noqa: E402  (bench/ is on sys.path when run)

SEED = 17
NOW = "2026-11-01T18:00:00+08:00"
AS_OF = "2026-11-01T18:00:00+08:00"
MARKER = "bench:assessment"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/wenming_bench_assess"
MONTH = (date(2026, 3, 1), date(2026, 3, 31))
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


# --- the database ---------------------------------------------------------------------------


def replicate(total: int) -> None:
    """Copy the generated cases (not their events) until the table holds ``total`` rows:
    copy k gets the numbers ``R<k><number>``; every other column is kept (same dates, units,
    states), so each copy has the generated ledger's shape. One INSERT … SELECT per copy."""
    from django.db import connection

    from wenming.cases.models import Case

    base = Case.objects.count()
    columns = [f.column for f in Case._meta.concrete_fields if f.column not in ("id", "number")]
    cols = ", ".join(columns)
    source = ", ".join(f"c.{c}" for c in columns)
    copies = -(-total // base) - 1
    with connection.cursor() as cursor:
        for k in range(1, copies + 1):
            limit = min(base, total - base * k)
            cursor.execute(
                f"INSERT INTO cases_case (number, {cols}) "
                f"SELECT 'R' || %s || c.number, {source} FROM cases_case c "
                f"WHERE c.id IN (SELECT id FROM cases_case WHERE number NOT LIKE 'R%%' "
                f"ORDER BY id LIMIT %s)",
                [str(k), limit],
            )
            print(f"  copy {k}: {limit:,} cases", flush=True)


def build(cases: int, generate_only: int | None = None) -> None:
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
    step = max((generate_only or cases) // 10, 1)

    def progress(done: int, total: int) -> None:
        if done % step < 5000 or done == total:
            print(f"  {done:,} / {total:,} cases written", flush=True)

    generated = min(generate_only or cases, cases)
    result = generate(generated, SEED, bulk=True, now=parse_datetime(NOW), progress=progress)
    print(f"  {result.cases:,} cases, {result.events:,} events in {result.seconds:.0f} s", flush=True)  # fmt: skip
    if generated < cases:
        replicate(cases)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    with transaction.atomic():
        Sequence.objects.update_or_create(name=MARKER, defaults={"value": cases})
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


# --- the hand-written SQL -------------------------------------------------------------------

DISPATCHED = ("dispatched", "accepted", "submitted", "closed")
DISPOSED = ("submitted", "closed")
HELD = ("dispatched", "accepted")


def _in(statuses) -> str:
    return "c.status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


# count key -> SQL condition (the same definitions as wenming.assessment.indicators)
CONDITIONS = {
    "report": "TRUE",
    "rejected": "c.status = 'rejected'",
    "merged": "c.status = 'merged'",
    "dispatch": _in(DISPATCHED),
    "due": f"{_in(DISPATCHED)} AND ({_in(DISPOSED)} OR c.deadline < %(as_of)s)",
    "dispose": _in(DISPOSED),
    "in_time_dispose": f"{_in(DISPOSED)} AND c.submitted_at <= c.deadline",
    "archive": "c.status = 'closed'",
    "in_time_archive": "c.status = 'closed' AND c.closed_on_time",
    "to_dispose": _in(HELD),
    "overtime_to_dispose": f"{_in(HELD)} AND c.deadline < %(as_of)s",
    "rework": f"{_in(DISPATCHED)} AND c.rework_count > 0",
    "extension": f"{_in(DISPATCHED)} AND c.extension_count > 0",
    # Per unit, only a 督办单 issued to the case's current unit counts.
    "escalation": "c.status NOT IN ('rejected', 'merged') AND c.escalation_level >= 1"
    " AND EXISTS (SELECT 1 FROM cases_escalation e WHERE e.case_id = c.id"
    " AND e.unit_id = c.unit_id AND e.level >= 1)",
    "listed_escalation": "c.status NOT IN ('rejected', 'merged') AND c.escalation_level >= 2"
    " AND EXISTS (SELECT 1 FROM cases_escalation e WHERE e.case_id = c.id"
    " AND e.unit_id = c.unit_id AND e.level >= 2)",
    "recurring": "c.status NOT IN ('rejected', 'merged') AND c.recurring",
}


def hand_sql(vendor: str) -> str:
    if vendor == "postgresql":
        cols = ",\n  ".join(
            f"COUNT(*) FILTER (WHERE {cond}) AS {key}" if cond != "TRUE" else f"COUNT(*) AS {key}"
            for key, cond in CONDITIONS.items()
        )
    else:
        cols = ",\n  ".join(
            f"COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS {key}"
            if cond != "TRUE"
            else f"COUNT(*) AS {key}"
            for key, cond in CONDITIONS.items()
        )
        cols = cols.replace("c.closed_on_time", "c.closed_on_time = 1").replace(
            "c.recurring", "c.recurring = 1"
        )
    return (
        f"SELECT c.unit_id,\n  {cols}\nFROM cases_case c\n"
        "WHERE c.reported_at >= %(lo)s AND c.reported_at < %(hi)s\nGROUP BY c.unit_id"
    )


def _params(start: date, end: date, as_of: datetime) -> dict:
    """Bound parameters as the database stores datetimes (SQLite: UTC text)."""
    from django.db import connection

    from wenming.assessment.periods import bounds

    adapt = connection.ops.adapt_datetimefield_value
    lo, hi = bounds(start, end)
    return {"lo": adapt(lo), "hi": adapt(hi), "as_of": adapt(as_of)}


def run_sql(sql: str, start: date, end: date, as_of: datetime) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, _params(start, end, as_of))
        rows = cursor.fetchall()
        cursor.execute("SELECT id, name, kind FROM org_unit")
        names = cursor.fetchall()
    keys = list(CONDITIONS)
    return {"rows": {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}, "names": names}


# --- measurements ---------------------------------------------------------------------------


def _medians_ms(funcs: dict, runs: int, warmup: int = 2) -> dict[str, float]:
    """Median wall time of each function in ms; runs interleaved so that load changes on a
    shared machine fall on every measurement alike."""
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


def measure(runs: int) -> None:
    from django.db import connection
    from django.utils.dateparse import parse_datetime

    from wenming.assessment.indicators import cohort, compute_indicators
    from wenming.assessment.periods import period_of
    from wenming.assessment.ranking import compute_ranking
    from wenming.cases.models import Case

    as_of = parse_datetime(AS_OF)
    total = Case.objects.count()
    n_month = cohort(*MONTH).count()
    n_year = cohort(*YEAR).count()
    print(
        f"{connection.vendor}, {total:,} cases; month {MONTH[0]:%Y-%m}: {n_month:,} cases, "
        f"year {YEAR[0]:%Y}: {n_year:,} cases"
    )
    sql = hand_sql(connection.vendor)

    # The hand-written SQL must give the ORM's numbers.
    for span in (MONTH, YEAR):
        orm = {r.key: r for r in compute_indicators(*span, as_of=as_of, include_empty=False)}
        mine = run_sql(sql, *span, as_of)["rows"]
        assert set(orm) == set(mine), "different groups"
        for key, counts in mine.items():
            for name, value in counts.items():
                assert getattr(orm[key], name) == value, (span, key, name)

    funcs = {
        "orm month": lambda: compute_indicators(*MONTH, as_of=as_of),
        "sql month": lambda: run_sql(sql, *MONTH, as_of),
        "orm year": lambda: compute_indicators(*YEAR, as_of=as_of),
        "sql year": lambda: run_sql(sql, *YEAR, as_of),
        "ranking month": lambda: compute_ranking(period_of("2026-03"), as_of=as_of),
    }
    results = _medians_ms(funcs, runs)
    print(f"\nmedian of {runs} runs, ms")
    for name, ms in results.items():
        print(f"  {name:<16} {ms:9.1f}")
    print()
    print(f"orm month / sql month = {results['orm month'] / results['sql month']:.2f}")
    print(f"orm year / sql year   = {results['orm year'] / results['sql year']:.2f}")

    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}", _params(*YEAR, as_of))
        plan = cursor.fetchall()
    print("\nEXPLAIN, hand-written year query:")
    print("\n".join(str(r[0] if connection.vendor == "postgresql" else r[-1]) for r in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--database-url", help=f"default: SQLite under var/bench/; e.g. {PG_DEFAULT}")  # fmt: skip
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--generate",
        type=int,
        help="generate only this many cases and copy them up to --cases (generating 1,000,000 "
        "takes hours on 2 CPUs); see replicate()",
    )
    args = parser.parse_args()

    url, needs_build = choose_database(
        args.cases,
        args.database_url,
        marker=MARKER,
        default_path=ROOT / "var" / "bench" / f"assessment-{args.cases}.sqlite3",
    )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    import django

    django.setup()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {url}")
    if needs_build:
        build(args.cases, args.generate)
    measure(args.runs)


if __name__ == "__main__":
    main()
