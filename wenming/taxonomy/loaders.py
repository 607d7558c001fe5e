"""Load the category tree from a CSV file (default: the shipped ``data/categories.csv``).

The file's columns are ``code,name,kind,parent_code,deadline_amount,deadline_unit,
legal_basis,default_unit_kind,source`` (see ``data/SOURCES.md``). Loading is idempotent and
keyed by ``code``: new codes are created, changed rows updated, equal rows left alone, and
categories missing from the file are kept (cases refer to them). ``pinyin_initials`` is
computed from the name with pypinyin. ``is_active`` is never touched on existing rows, so an
office's deactivations survive a reload.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from wenming.core.errors import ApplicationError
from wenming.taxonomy.models import Category

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "categories.csv"

COLUMNS = (
    "code",
    "name",
    "kind",
    "parent_code",
    "deadline_amount",
    "deadline_unit",
    "legal_basis",
    "default_unit_kind",
    "source",
)

#: The unit kinds a category may name as its usual responsible unit (org app's Unit kinds).
UNIT_KINDS = (
    "department",
    "subdistrict_office",
    "community_committee",
    "property_company",
    "enterprise",
)

# Fields compared to decide between "updated" and "unchanged".
_FIELDS = (
    "name",
    "kind",
    "parent_id",
    "deadline_amount",
    "deadline_unit",
    "legal_basis",
    "default_unit_kind",
    "pinyin_initials",
    "source",
)


@dataclass
class LoadStats:
    """Row counts of one load."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


def pinyin_initials(name: str) -> str:
    """First letters of the pinyin of ``name``, lower case (乱贴乱画 → "ltlh").

    Letters and digits in other scripts are kept (lower-cased); punctuation and spaces are
    dropped. The result is cut to the model field's length.
    """
    max_length = Category._meta.get_field("pinyin_initials").max_length
    letters = "".join(
        ch
        for item in lazy_pinyin(name, style=Style.FIRST_LETTER)
        for ch in item.lower()
        if ch.isascii() and ch.isalnum()
    )
    return letters[:max_length]


def _fail(message: str, **detail: Any) -> ApplicationError:
    return ApplicationError("invalid_category_file", message, detail=detail)


def _max_length(field: str) -> int:
    return Category._meta.get_field(field).max_length


def read_categories(path: Path | str | None = None) -> list[dict[str, Any]]:
    """Read and validate the category file; return one dict of model values per row.

    Raises :class:`~wenming.core.errors.ApplicationError` naming the file line on the first
    problem.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise _fail(
                    _("%(path)s: missing columns %(columns)s")
                    % {"path": path, "columns": ", ".join(missing)}
                )
            raw_rows = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise _fail(_("File not found: %(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _fail(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from None

    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line, raw in raw_rows:
        row = {column: (raw.get(column) or "").strip() for column in COLUMNS}

        def bad(problem: str, line: int = line) -> ApplicationError:
            return _fail(
                _("%(path)s line %(line)d: %(problem)s")
                % {"path": path.name, "line": line, "problem": problem},
                line=line,
            )

        code = row["code"]
        if not code:
            raise bad(_("empty code"))
        if code in seen:
            raise bad(_("code %(code)s appears twice") % {"code": code})
        seen.add(code)
        if not row["name"]:
            raise bad(_("empty name"))
        for field in ("code", "name", "legal_basis", "source"):
            if len(row[field]) > _max_length(field):
                raise bad(
                    _("%(field)s is longer than %(max)d characters")
                    % {"field": field, "max": _max_length(field)}
                )
        if row["kind"] not in Category.Kind.values:
            raise bad(_("unknown kind %(kind)r") % {"kind": row["kind"]})
        amount: int | None = None
        if row["deadline_amount"] or row["deadline_unit"]:
            try:
                amount = int(row["deadline_amount"])
            except ValueError:
                amount = 0
            if amount < 1:
                raise bad(_("the time limit must be a whole number of at least 1"))
            if row["deadline_unit"] not in Category.DeadlineUnit.values:
                raise bad(_("unknown time limit unit %(unit)r") % {"unit": row["deadline_unit"]})
        if row["default_unit_kind"] and row["default_unit_kind"] not in UNIT_KINDS:
            raise bad(_("unknown unit kind %(kind)r") % {"kind": row["default_unit_kind"]})
        rows.append(
            {
                "line": line,
                "code": code,
                "parent_code": row["parent_code"],
                "name": row["name"],
                "kind": row["kind"],
                "deadline_amount": amount,
                "deadline_unit": row["deadline_unit"] if amount else "",
                "legal_basis": row["legal_basis"],
                "default_unit_kind": row["default_unit_kind"],
                "pinyin_initials": pinyin_initials(row["name"]),
                "source": row["source"],
            }
        )
    return rows


def _depths(rows: list[dict[str, Any]], path: Path | str) -> dict[str, int]:
    """Depth of each row in the tree formed by the file (parents outside it count as roots)."""
    parents = {row["code"]: row["parent_code"] for row in rows}
    depths: dict[str, int] = {}
    for row in rows:
        chain: list[str] = []
        code = row["code"]
        while code in parents and code not in depths:
            if code in chain:
                raise _fail(
                    _("%(path)s: the parent codes form a loop at %(code)s")
                    % {"path": Path(path).name, "code": code}
                )
            chain.append(code)
            code = parents[code]
        base = depths.get(code, -1)
        for offset, member in enumerate(reversed(chain), start=1):
            depths[member] = base + offset
    return depths


def load_categories(path: Path | str | None = None) -> LoadStats:
    """Create or update the categories of the file, in one transaction; return the counts."""
    path = Path(path) if path is not None else DEFAULT_PATH
    rows = read_categories(path)
    depths = _depths(rows, path)
    stats = LoadStats()
    with transaction.atomic():
        existing = {c.code: c for c in Category.objects.all()}
        for row in rows:
            parent_code = row["parent_code"]
            if parent_code and parent_code not in depths and parent_code not in existing:
                raise _fail(
                    _("%(path)s line %(line)d: unknown parent code %(code)s")
                    % {"path": path.name, "line": row["line"], "code": parent_code}
                )
        for depth in sorted(set(depths.values())):
            to_create: list[Category] = []
            to_update: list[Category] = []
            for row in rows:
                if depths[row["code"]] != depth:
                    continue
                values = {key: row[key] for key in _FIELDS if key != "parent_id"}
                parent_code = row["parent_code"]
                values["parent_id"] = existing[parent_code].pk if parent_code else None
                category = existing.get(row["code"])
                if category is None:
                    to_create.append(Category(code=row["code"], **values))
                elif any(getattr(category, key) != value for key, value in values.items()):
                    for key, value in values.items():
                        setattr(category, key, value)
                    to_update.append(category)
                else:
                    stats.unchanged += 1
            if to_create:
                Category.objects.bulk_create(to_create)
                created_codes = [c.code for c in to_create]
                existing.update(
                    {c.code: c for c in Category.objects.filter(code__in=created_codes)}
                )
            if to_update:
                Category.objects.bulk_update(to_update, [f.removesuffix("_id") for f in _FIELDS])
            stats.created += len(to_create)
            stats.updated += len(to_update)
    return stats
