"""The problem ledger (问题台账) as the office exports it: an .xlsx file, one row per case.

The columns follow the office's 台账 order (:data:`LEDGER_COLUMNS`). Rows are read through
the same scoped, filtered query as the ledger page and the API (``selectors._filtered``), so
an export never holds more than the user may see. Reading is in chunks: one query streams the
cases (``.iterator(chunk_size=...)``; joins to category, unit, subdistrict, community and grid;
only the exported columns), and one more query per chunk fetches the verifying (复查) events.
Writing goes through :mod:`wenming.core.xlsx` (formula-injection guard, write-only mode), so
memory stays roughly constant whatever the number of rows.

Column rules:

- 问题描述: the title, then ``：`` and the description when there is one.
- 整改时限: the deadline; 整改完成时间: the unit's (last) submission, ``Case.submitted_at``.
- 复查人 / 复查时间: actor and time of the case's last ``verify`` event (the fix verified and
  the case closed, 销号); empty while the case has none. A failed verification (``rework``) is
  counted in 返工次数 instead.
- 是否超期 (是/否): for a case the unit holds (dispatched or accepted), whether its deadline has
  passed at the moment of the export (the house's derived overdue rule, as the ``overdue``
  filter); for a closed case, whether it was closed late (``closed_on_time`` is False and it
  had a deadline); otherwise 否 (a case waiting for verification is not the unit's delay).
  The ``overdue`` filter therefore selects currently overdue cases, while the column also
  marks cases closed late.
- Times are local (``settings.TIME_ZONE``, Asia/Shanghai), as naive spreadsheet datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import IO

from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from wenming.core.errors import ApplicationError
from wenming.core.xlsx import write_workbook

from . import selectors
from .models import UNIT_HOLDS, CaseEvent, Source, Status
from .selectors import SORTS, LedgerFilter

__all__ = [
    "CHUNK_SIZE",
    "LEDGER_COLUMNS",
    "LedgerColumn",
    "ledger_filename",
    "ledger_headers",
    "ledger_rows",
    "write_ledger_xlsx",
]

#: Cases read (and verify events looked up) per round trip.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class LedgerColumn:
    """One column of the exported ledger: a key, its (lazy, translated) header, its width in
    character widths."""

    key: str
    header: Promise
    width: float


#: The office's 台账 columns, in order (zh-hans headers: 编号, 发现时间, 来源, 点位/地址, 街道,
#: 社区, 网格, 问题类别, 问题描述, 责任单位, 整改时限, 状态, 整改完成时间, 复查人, 复查时间,
#: 是否超期, 返工次数).
LEDGER_COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn("number", pgettext_lazy("ledger column", "Number"), 13),
    LedgerColumn("reported_at", pgettext_lazy("ledger column", "Found at"), 17),
    LedgerColumn("source", pgettext_lazy("ledger column", "Source"), 12),
    LedgerColumn("address", pgettext_lazy("ledger column", "Location/address"), 30),
    LedgerColumn("subdistrict", pgettext_lazy("ledger column", "Subdistrict"), 14),
    LedgerColumn("community", pgettext_lazy("ledger column", "Community"), 16),
    LedgerColumn("grid", pgettext_lazy("ledger column", "Grid"), 18),
    LedgerColumn("category", pgettext_lazy("ledger column", "Category"), 18),
    LedgerColumn("description", pgettext_lazy("ledger column", "Description"), 50),
    LedgerColumn("unit", pgettext_lazy("ledger column", "Responsible unit"), 22),
    LedgerColumn("deadline", pgettext_lazy("ledger column", "Deadline"), 17),
    LedgerColumn("status", pgettext_lazy("ledger column", "Status"), 10),
    LedgerColumn("submitted_at", pgettext_lazy("ledger column", "Rectified at"), 17),
    LedgerColumn("verified_by", pgettext_lazy("ledger column", "Verified by"), 12),
    LedgerColumn("verified_at", pgettext_lazy("ledger column", "Verified at"), 17),
    LedgerColumn("overdue", pgettext_lazy("ledger column", "Overdue"), 10),
    LedgerColumn("rework_count", pgettext_lazy("ledger column", "Rework count"), 10),
)

# The case fields read for a row, in this order (joins through the foreign keys).
_FIELDS = (
    "id",
    "number",
    "reported_at",
    "source",
    "address",
    "subdistrict__name",
    "community__name",
    "grid__name",
    "category__name",
    "title",
    "description",
    "unit__name",
    "deadline",
    "status",
    "submitted_at",
    "closed_on_time",
    "rework_count",
)


def ledger_headers() -> list[str]:
    """The column headers in the active language."""
    return [str(c.header) for c in LEDGER_COLUMNS]


def ledger_filename(now: datetime | None = None) -> str:
    """``ledger-YYYYMMDD-HHMM.xlsx`` for ``now`` (default: the current time) in local time.

    Never built from user input, so a filter value cannot reach the Content-Disposition
    header or a path.
    """
    local = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    return f"ledger-{local:%Y%m%d-%H%M}.xlsx"


def _ordering(sort: str) -> list:
    """ORDER BY for a key of ``selectors.SORTS``, as on the ledger page: the id breaks ties;
    cases without a deadline come last in both directions."""
    field, desc = SORTS[sort]
    tie = "-id" if desc else "id"
    if field == "deadline":
        key = F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True)
        return [key, tie]
    return [f"-{field}" if desc else field, tie]


def _verifications(case_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """``{case_id: (verifier's name, time)}`` from each case's last ``verify`` event; one
    query. The name is what ``User.get_full_name()`` gives, else the username."""
    found: dict[int, tuple[str, datetime]] = {}
    rows = (
        CaseEvent.objects.filter(case_id__in=case_ids, action="verify")
        .order_by("case_id", "seq")
        .values_list("case_id", "at", "actor__username", "actor__first_name", "actor__last_name")
    )
    for case_id, at, username, first, last in rows:
        full = f"{first or ''} {last or ''}".strip()
        found[case_id] = (full or username or "", at)  # later events overwrite earlier ones
    return found


def ledger_rows(
    user,
    f: LedgerFilter,
    sort: str = "-reported_at",
    *,
    chunk_size: int = CHUNK_SIZE,
    now: datetime | None = None,
) -> Iterator[list]:
    """The ledger rows the user may see under ``f``, ordered by ``sort`` (a key of
    ``selectors.SORTS``), as lists of values in :data:`LEDGER_COLUMNS` order.

    ``user`` is a user or an ``org.scope.Scope``. Values are ``str``, ``int``, aware
    ``datetime`` or ``None``; labels (source, status, 是/否) are translated in the active
    language. ``now`` (default: the current time) decides 是否超期 for open cases. Queries:
    the scope (once per user), one streaming query for the cases, one per ``chunk_size``
    cases for the verify events. Raises ``ApplicationError`` (400, ``invalid_sort``) for an
    unknown sort.
    """
    if sort not in SORTS:
        # Same refusal as selectors.ledger_page.
        raise ApplicationError(
            "invalid_sort",
            _("Unknown sort order."),
            detail={"field": "sort", "allowed": list(SORTS)},
        )
    now = now or timezone.now()
    sources = {value: str(label) for value, label in Source.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    yes, no = pgettext("ledger overdue", "Yes"), pgettext("ledger overdue", "No")
    holds = {str(s) for s in UNIT_HOLDS}

    cases = (
        selectors._filtered(user, f)
        .order_by(*_ordering(sort))
        .values_list(*_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    while chunk := list(islice(cases, chunk_size)):
        verified = _verifications([row[0] for row in chunk])
        for (
            case_id,
            number,
            reported_at,
            source,
            address,
            subdistrict,
            community,
            grid,
            category,
            title,
            description,
            unit,
            deadline,
            status,
            submitted_at,
            closed_on_time,
            rework_count,
        ) in chunk:
            if status in holds:
                overdue = deadline is not None and deadline < now
            elif status == Status.CLOSED:
                overdue = deadline is not None and closed_on_time is False
            else:
                overdue = False
            verifier, verified_at = verified.get(case_id, (None, None))
            yield [
                number,
                reported_at,
                sources.get(source, source),
                address,
                subdistrict,
                community,
                grid,
                category,
                f"{title}：{description}" if description else title,
                unit,
                deadline,
                statuses.get(status, status),
                submitted_at,
                verifier,
                verified_at,
                yes if overdue else no,
                rework_count,
            ]


def write_ledger_xlsx(
    user, f: LedgerFilter, out_file: IO[bytes], *, sort: str = "-reported_at"
) -> int:
    """Write the user's ledger under ``f`` as one sheet (问题台账) to the binary file-like
    ``out_file``; return the number of case rows.

    Headers in the active language; formula-injection guard and local times from
    :mod:`wenming.core.xlsx`. ``out_file`` is written only after the last row has been read.
    Raises ``ApplicationError`` (400) for an unknown sort.
    """
    return write_workbook(
        out_file,
        ledger_headers(),
        ledger_rows(user, f, sort),
        sheet_title=pgettext("ledger sheet", "Problem ledger"),
        column_widths=[c.width for c in LEDGER_COLUMNS],
    )
