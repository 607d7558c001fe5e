"""``manage.py load_reference``: load the shipped reference data for the configured city.

Reads ``wenming/geo/data/manifest.json`` for ``settings.WENMING_CITY_CODE`` and loads, in one
transaction:

1. the regions: the city itself, then each division file of the manifest (counties,
   subdistricts, communities) with parent links, keyed by the statistical code;
2. the boundaries named by the manifest, through the same code path as
   ``import_boundaries`` (converted from the file's datum to WGS-84);
3. the category tree, through :func:`wenming.taxonomy.loaders.load_categories`.

It is idempotent: a second run creates and updates nothing and says "nothing changed". Rows
that are not in the files are never deleted. No city name is in the code: the files are the
data (see ``wenming/geo/data/SOURCES.md``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.geo.management.commands.import_boundaries import (
    UPDATED,
    import_boundary_file,
    summary,
)
from wenming.geo.models import Region

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
MANIFEST = "manifest.json"


@dataclass
class RegionCounts:
    """Row counts of one region level."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None


def _fail(message: str, **detail: Any) -> ApplicationError:
    return ApplicationError("invalid_reference_data", message, detail=detail)


def read_manifest(city_code: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Return the manifest entry of ``city_code``: name, division files, boundary files."""
    path = data_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(_("File not found: %(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from None
    entry = manifest.get("cities", {}).get(city_code)
    if not entry:
        raise _fail(
            _("No reference data for city %(code)s in %(path)s") % {"code": city_code, "path": path}
        )
    return entry


def _check_code(code: str, where: str) -> None:
    max_length = Region._meta.get_field("code").max_length
    if not code.isdigit() or len(code) > max_length:
        raise _fail(
            _("%(where)s: %(code)r is not a statistical division code")
            % {"where": where, "code": code}
        )


def read_division_file(path: Path, spec: dict[str, Any], parent_code: str) -> list[RegionRow]:
    """Read one division CSV described by a manifest ``spec``.

    ``parent_code`` is the parent of every row when the spec has no ``parent_column`` (the
    counties of the city).
    """
    level = spec["level"]
    if level not in Region.Level.values:
        raise _fail(_("Unknown level: %(level)s") % {"level": level})
    columns = [spec["code_column"], spec["name_column"]]
    if spec.get("parent_column"):
        columns.append(spec["parent_column"])
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise _fail(
                    _("%(path)s: missing columns %(columns)s")
                    % {"path": path.name, "columns": ", ".join(missing)}
                )
            rows = []
            for raw in reader:
                where = f"{path.name}:{reader.line_num}"
                code = (raw[spec["code_column"]] or "").strip()
                name = (raw[spec["name_column"]] or "").strip()
                parent = (
                    (raw[spec["parent_column"]] or "").strip() if len(columns) == 3 else parent_code
                )
                _check_code(code, where)
                _check_code(parent, where)
                if not name:
                    raise _fail(_("%(where)s: empty name") % {"where": where})
                # Statistical codes are hierarchical: a child's code extends its parent's
                # (trailing zeros of the parent are padding).
                if not code.startswith(parent.rstrip("0")) or code == parent:
                    raise _fail(
                        _("%(where)s: %(code)s cannot be under %(parent)s")
                        % {"where": where, "code": code, "parent": parent}
                    )
                rows.append(RegionRow(code, name, level, parent))
    except FileNotFoundError:
        raise _fail(_("File not found: %(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _fail(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from None
    return rows


def upsert_regions(rows: list[RegionRow], existing: dict[str, Region]) -> RegionCounts:
    """Create or update ``rows`` (one level) with bulk queries; ``existing`` is kept current.

    ``existing`` maps code to Region for every region already in the database (with its
    boundary deferred); parents must be in it.
    """
    counts = RegionCounts()
    to_create: list[Region] = []
    to_update: list[Region] = []
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            raise _fail(_("Region code %(code)s appears twice") % {"code": row.code})
        seen.add(row.code)
        parent = existing.get(row.parent_code) if row.parent_code else None
        if row.parent_code and parent is None:
            raise _fail(
                _("Region %(code)s: unknown parent %(parent)s")
                % {"code": row.code, "parent": row.parent_code}
            )
        values = {"name": row.name, "level": row.level, "parent_id": parent.pk if parent else None}
        region = existing.get(row.code)
        if region is None:
            to_create.append(Region(code=row.code, **values))
        elif any(getattr(region, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(region, key, value)
            to_update.append(region)
        else:
            counts.unchanged += 1
    if to_create:
        Region.objects.bulk_create(to_create, batch_size=500)
        created = Region.objects.filter(code__in=[r.code for r in to_create]).defer("boundary")
        existing.update({r.code: r for r in created})
    if to_update:
        Region.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=500)
    counts.created = len(to_create)
    counts.updated = len(to_update)
    return counts


def load_regions(city_code: str, entry: dict[str, Any], data_dir: Path = DATA_DIR):
    """Load the city and its division files; return ``[(level, RegionCounts), ...]``."""
    _check_code(city_code, "WENMING_CITY_CODE")
    existing = {r.code: r for r in Region.objects.defer("boundary")}
    city = RegionRow(city_code, str(entry.get("name") or "").strip(), Region.Level.CITY, None)
    if not city.name:
        raise _fail(_("The manifest gives no name for city %(code)s") % {"code": city_code})
    result = [(Region.Level.CITY.value, upsert_regions([city], existing))]
    for spec in entry.get("divisions", []):
        rows = read_division_file(data_dir / spec["file"], spec, city_code)
        result.append((spec["level"], upsert_regions(rows, existing)))
    return result


def _counts_line(label: str, counts: Any) -> str:
    return _("%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
        "label": label,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
    }


class Command(BaseCommand):
    help = "Load the shipped reference data (regions, boundaries, categories) for the city."

    def handle(self, *args, **options):
        from wenming.taxonomy.loaders import load_categories

        city_code = str(settings.WENMING_CITY_CODE).strip()
        lines: list[str] = []
        changed = 0
        try:
            entry = read_manifest(city_code)
            with transaction.atomic():
                for level, counts in load_regions(city_code, entry):
                    lines.append(_counts_line(f"regions/{level}", counts))
                    changed += counts.changed
                for spec in entry.get("boundaries", []):
                    results = import_boundary_file(
                        DATA_DIR / spec["file"],
                        datum=spec["datum"],
                        code_property=spec.get("code_property", "adcode"),
                        level=spec.get("level"),
                        source=spec.get("source"),
                    )
                    label = f"boundaries/{spec.get('level') or spec['file']}"
                    lines.append(f"{label}: {summary(results)}")
                    changed += sum(1 for r in results if r.status == UPDATED)
                counts = load_categories()
                lines.append(_counts_line("categories", counts))
                changed += counts.changed
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for line in lines:
            self.stdout.write(line)
        if changed:
            self.stdout.write(_("%(count)d rows changed") % {"count": changed})
        else:
            self.stdout.write(_("nothing changed"))
