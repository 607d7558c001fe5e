"""The per-criterion evidence folder as a ZIP for the evaluation's material review.

Layout of the archive::

    index.xlsx                       one row per file (see INDEX_HEADERS)
    <task number>/<n>-<original name or stored name>

The index is written with :func:`wenming.core.xlsx.write_workbook` (formula-injection guard).
File names inside the archive are the sanitised original names prefixed with the running
number, so two uploads of ``照片.jpg`` never collide.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wenming.core.xlsx import write_workbook

from .evidence import EXTENSIONS

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _archive_name(n: int, evidence) -> str:
    # A task number of "." or ".." would be a folder outside the archive's root when
    # extracted (zip slip): leading and trailing dots and spaces go.
    folder = _UNSAFE.sub("_", evidence.occurrence.task.code).strip(". ") or "task"
    base = _UNSAFE.sub("_", evidence.original_name or "")
    ext = EXTENSIONS[evidence.format]
    if not base.lower().endswith("." + ext) and not (
        ext == "jpg" and base.lower().endswith(".jpeg")
    ):
        base = f"{base or 'file'}.{ext}"
    return f"{folder}/{n:03d}-{base}"


def index_headers() -> list[str]:
    """Column titles of ``index.xlsx`` (translated)."""
    return [
        _("No."),
        _("File in the archive"),
        _("Task number"),
        _("Task"),
        _("Lead unit"),
        pgettext("occurrence", "Period"),
        _("Due"),
        _("Uploaded at"),
        _("Accepted at"),
        _("Original name"),
        _("Type"),
        _("Size (bytes)"),
        "SHA-256",
    ]


def write_criterion_zip(out: IO[bytes], criterion, evidence_rows) -> int:
    """Write the ZIP of ``evidence_rows`` (accepted :class:`Evidence` with
    ``occurrence__task__lead_unit`` loaded) to ``out``; returns the number of files. Files are
    read through the storage API one at a time."""
    rows = []
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, ev in enumerate(evidence_rows, start=1):
            name = _archive_name(n, ev)
            with ev.file.open("rb") as fh, archive.open(name, "w") as target:
                shutil.copyfileobj(fh, target, 1024 * 1024)
            occ = ev.occurrence
            rows.append(
                [
                    n,
                    name,
                    occ.task.code,
                    occ.task.title,
                    occ.task.lead_unit.name,
                    occ.label,
                    occ.due,
                    ev.uploaded_at,
                    ev.accepted_at,
                    ev.original_name,
                    ev.format.upper(),
                    ev.size,
                    ev.sha256,
                ]
            )
            count += 1
        index = io.BytesIO()
        write_workbook(
            index,
            index_headers(),
            rows,
            sheet_title=f"{criterion.code}",
        )
        archive.writestr("index.xlsx", index.getvalue())
    return count
