"""Benchmark of the ledger export (问题台账 .xlsx): rows per second and peak memory.

    .venv/bin/python bench/export_ledger.py [--rows 100000 1000000] [--normal-max 100000]

For each row count N a SQLite database ``var/bench/export-N.sqlite3`` is built once (and kept
for later runs) with ``migrate``, ``load_reference``, ``load_demo`` and
``generate_cases --bulk --count N`` (a fixed seed and ``--now``). Then each measurement runs
in a fresh child process, so that its peak resident memory is its own:

- ``xlsx``: ``write_ledger_xlsx`` (the export: scoped query in chunks, openpyxl write-only);
- ``csv``: baseline 1, the same rows (``ledger_rows``) through ``csv.writer``: the cost of
  reading and shaping the rows without any spreadsheet;
- ``normal``: baseline 2, the same rows (through ``safe_cell``) with openpyxl in its normal
  (not write-only) mode, the straightforward way; only up to ``--normal-max`` rows, since
  its memory grows with the rows.

Printed per run: seconds, rows per second, the growth of the peak resident set during the
export (``ru_maxrss`` after the work minus before it, MiB) and, up to ``--tracemalloc-max``
rows, the ``tracemalloc`` peak of Python allocations in a separate run (tracemalloc slows
the code down, so it never shares a run with the timing). Then the ratios against the
baselines of the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SEED = 7
NOW = "2021-06-30T12:00:00+08:00"


def _env(db: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "wenming.settings",
    }


def _manage(db: Path, *args: str) -> None:
    subprocess.run(
        [PY, str(ROOT / "manage.py"), *args], env=_env(db), cwd=ROOT, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def prepare(rows: int, folder: Path) -> Path:
    """The database with ``rows`` generated cases (built once, reused after)."""
    db = folder / f"export-{rows}.sqlite3"
    ready = folder / f"export-{rows}.ready"
    if db.exists() and ready.exists() and ready.read_text().strip() == str(rows):
        return db
    for old in folder.glob(f"export-{rows}.sqlite3*"):
        old.unlink()
    started = time.perf_counter()
    print(f"building {db} with {rows:,} cases (generate_cases --bulk) …", flush=True)
    _manage(db, "migrate", "--no-input", "-v", "0")
    _manage(db, "load_reference")
    _manage(db, "load_demo")
    _manage(db, "generate_cases", "--bulk", "--count", str(rows), "--seed", str(SEED), "--now", NOW)
    ready.write_text(str(rows))
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return db


# --- child: one measurement ----------------------------------------------------------------


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(kind: str, trace: bool) -> dict:
    import django

    django.setup()
    import tracemalloc

    from django.db import connection
    from django.utils import translation
    from openpyxl import Workbook

    from wenming.cases.export import LEDGER_COLUMNS, ledger_headers, ledger_rows, write_ledger_xlsx
    from wenming.cases.management.commands.export_ledger import OFFICE_SCOPE
    from wenming.cases.models import Case
    from wenming.cases.selectors import LedgerFilter
    from wenming.core.xlsx import safe_cell

    translation.activate("zh-hans")
    expected = Case.objects.count()
    connection.close()
    f = LedgerFilter()
    out = tempfile.NamedTemporaryFile(suffix=f".{kind}", delete=False)  # noqa: SIM115
    out.close()
    if trace:
        tracemalloc.start()
    before = _maxrss_mib()
    started = time.perf_counter()
    if kind == "xlsx":
        with open(out.name, "wb") as fh:
            count = write_ledger_xlsx(OFFICE_SCOPE, f, fh)
    elif kind == "csv":
        with open(out.name, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(ledger_headers())
            count = 0
            for row in ledger_rows(OFFICE_SCOPE, f):
                writer.writerow([safe_cell(v) for v in row])
                count += 1
    elif kind == "normal":
        wb = Workbook()
        ws = wb.active
        ws.append(ledger_headers())
        count = 0
        for row in ledger_rows(OFFICE_SCOPE, f):
            ws.append([safe_cell(v) for v in row])
            count += 1
        for idx, col in enumerate(LEDGER_COLUMNS, 1):
            ws.column_dimensions[ws.cell(1, idx).column_letter].width = col.width
        wb.save(out.name)
    else:
        raise SystemExit(f"unknown kind {kind}")
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    result = {
        "kind": kind,
        "rows": count,
        "expected": expected,
        "seconds": seconds,
        "rss_delta_mib": _maxrss_mib() - before,
        "rss_before_mib": before,
        "tracemalloc_mib": peak,
        "file_mib": os.path.getsize(out.name) / 2**20,
    }
    os.unlink(out.name)
    return result


def measure(db: Path, kind: str, trace: bool = False) -> dict:
    args = [PY, __file__, "--child", kind] + (["--trace"] if trace else [])
    done = subprocess.run(args, env=_env(db), cwd=ROOT, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rows"] != result["expected"]:
        raise SystemExit(f"{kind}: wrote {result['rows']} rows, expected {result['expected']}")
    return result


# --- parent --------------------------------------------------------------------------------


def _fmt(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--normal-max", type=int, default=100_000)
    parser.add_argument("--tracemalloc-max", type=int, default=100_000)
    parser.add_argument("--db-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.trace)))
        return

    args.db_dir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, SQLite, openpyxl write-only")
    header = (
        f"{'rows':>9} {'method':<22} {'seconds':>8} {'rows/s':>8} "
        f"{'maxrss Δ MiB':>12} {'tracemalloc MiB':>15} {'file MiB':>8}"
    )
    for rows in args.rows:
        db = prepare(rows, args.db_dir)
        runs = {kind: measure(db, kind) for kind in ("xlsx", "csv")}
        if rows <= args.normal_max:
            runs["normal"] = measure(db, "normal")
        if rows <= args.tracemalloc_max:
            for kind in list(runs):
                runs[kind]["tracemalloc_mib"] = measure(db, kind, trace=True)["tracemalloc_mib"]
        print()
        print(header)
        names = {
            "xlsx": "export (write-only)",
            "csv": "baseline: csv.writer",
            "normal": "baseline: openpyxl",
        }
        for kind, r in runs.items():
            print(
                f"{r['rows']:>9,} {names[kind]:<22} {r['seconds']:>8.1f} "
                f"{r['rows'] / r['seconds']:>8,.0f} {r['rss_delta_mib']:>12.1f} "
                f"{_fmt(r['tracemalloc_mib'], '15.1f'):>15} {r['file_mib']:>8.1f}"
            )
        x, c = runs["xlsx"], runs["csv"]
        print(
            f"  export speed / csv speed: {(x['rows'] / x['seconds']) / (c['rows'] / c['seconds']):.2f}"
        )
        if "normal" in runs:
            n = runs["normal"]
            print(
                f"  export speed / openpyxl normal speed: "
                f"{(x['rows'] / x['seconds']) / (n['rows'] / n['seconds']):.2f}"
            )
            print(
                f"  peak RSS growth, openpyxl normal / export: "
                f"{n['rss_delta_mib'] / max(x['rss_delta_mib'], 0.1):.1f}x"
            )
            if x["tracemalloc_mib"] and n["tracemalloc_mib"]:
                print(
                    f"  tracemalloc peak, openpyxl normal / export: "
                    f"{n['tracemalloc_mib'] / x['tracemalloc_mib']:.1f}x"
                )
        sys.stdout.flush()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
