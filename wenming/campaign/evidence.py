"""Checking evidence files (佐证材料) by their content, never by their name.

Accepted, by what the bytes say:

- PDF: begins with ``%PDF-`` (ISO 32000-1, 7.5.2 "File Header") and contains ``%%EOF``.
- DOCX / XLSX: a ZIP archive (``PK\\x03\\x04``) that opens, holds ``[Content_Types].xml``
  (ECMA-376 Part 2, Open Packaging Conventions) and ``word/document.xml`` (DOCX) or
  ``xl/workbook.xml`` (XLSX). The sum of the members' uncompressed sizes must stay under
  ``WENMING_EVIDENCE_MAX_UNZIPPED_BYTES`` (default 200 MiB): a zip bomb is refused unread.
- Images (JPEG, PNG, WebP, HEIC): passed to :func:`wenming.core.photos.process_photo`, the one
  photo pipeline (metadata stripped, re-encoded, thumbnail).

Everything else (an ``.exe`` renamed ``.pdf``, a legacy ``.doc``, an empty file, a file over
``WENMING_EVIDENCE_MAX_BYTES``, default 20 MiB) is refused with an ``ApplicationError`` (400)
whose ``detail`` is ``{"field": "files", "index": i, "name": original name}``. Nothing is
written: :func:`check_files` returns every file checked, or raises at the first bad one.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from wenming.core.errors import ApplicationError
from wenming.core.photos import process_photo, sanitise_name

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_FILES = 20

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
EXTENSIONS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class CheckedFile:
    """One accepted file: ``content`` (named ``<uuid>.<ext>``, never the user's name),
    ``thumbnail`` (images only), ``format`` (key of :data:`CONTENT_TYPES`), ``size`` (bytes of
    ``content``), ``sha256`` (hex of ``content``), ``original_name`` (sanitised, display only)."""

    content: ContentFile
    thumbnail: ContentFile | None
    format: str
    size: int
    sha256: str
    original_name: str


def max_bytes() -> int:
    """Largest accepted evidence file in bytes (``WENMING_EVIDENCE_MAX_BYTES``)."""
    return int(getattr(settings, "WENMING_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_files() -> int:
    """Most files accepted in one submission (``WENMING_EVIDENCE_MAX_FILES``)."""
    return int(getattr(settings, "WENMING_EVIDENCE_MAX_FILES", DEFAULT_MAX_FILES))


def _fail(code: str, message: str, index: int, name: str) -> ApplicationError:
    return ApplicationError(
        code,
        _("File %(n)d (%(name)s): %(problem)s")
        % {"n": index + 1, "name": name, "problem": message},
        detail={"field": "files", "index": index, "name": name},
    )


def _read(file: Any, index: int, name: str) -> bytes:
    limit = max_bytes()
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _fail(
            "file_too_large",
            _("the file is larger than %(max)d MB.") % {"max": limit // (1024 * 1024)},
            index,
            name,
        )
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
        if hasattr(file, "seek"):
            file.seek(0)
    if len(data) > limit:
        raise _fail(
            "file_too_large",
            _("the file is larger than %(max)d MB.") % {"max": limit // (1024 * 1024)},
            index,
            name,
        )
    if not data:
        raise _fail("file_empty", _("the file is empty."), index, name)
    return data


def _office_format(data: bytes, index: int, name: str) -> str:
    """``docx`` or ``xlsx`` for a valid OOXML package, or raise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fail("file_damaged", _("the file is damaged."), index, name) from None
    limit = int(
        getattr(settings, "WENMING_EVIDENCE_MAX_UNZIPPED_BYTES", DEFAULT_MAX_UNZIPPED_BYTES)
    )
    if sum(i.file_size for i in infos) > limit:
        raise _fail("file_damaged", _("the file is damaged."), index, name)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    raise _fail(
        "file_type",
        _("this type of file is not accepted (PDF, DOCX, XLSX, JPEG, PNG, WebP only)."),
        index,
        name,
    )


def check_file(file: Any, index: int = 0) -> CheckedFile:
    """Check one upload (Django ``UploadedFile``, binary file object or bytes) by content and
    return it ready to store. Raises ApplicationError (400): ``file_empty``,
    ``file_too_large``, ``file_type``, ``file_damaged``, or the photo pipeline's ``photo_*``
    errors for a broken image."""
    name = sanitise_name(
        getattr(file, "name", "") if not isinstance(file, bytes | bytearray) else ""
    )
    data = _read(file, index, name)
    head = data[:16]
    fmt: str
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _fail("file_damaged", _("the file is damaged."), index, name)
        fmt = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        fmt = _office_format(data, index, name)
    elif (
        head.startswith(IMAGE_MAGIC)
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[4:8] == b"ftyp"
    ):
        try:
            photo = process_photo(io.BytesIO(data), index)
        except ApplicationError as e:
            raise ApplicationError(
                e.code, e.message, detail={"field": "files", "index": index, "name": name}
            ) from None
        content = photo.content.read()
        photo.content.seek(0)
        return CheckedFile(
            content=ContentFile(content, name=photo.content.name),
            thumbnail=photo.thumbnail,
            format="jpeg" if photo.format == "JPEG" else "png",
            size=len(content),
            sha256=photo.sha256,
            original_name=name,
        )
    else:
        raise _fail(
            "file_type",
            _("this type of file is not accepted (PDF, DOCX, XLSX, JPEG, PNG, WebP only)."),
            index,
            name,
        )
    return CheckedFile(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.{EXTENSIONS[fmt]}"),
        thumbnail=None,
        format=fmt,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=name,
    )


def check_files(files: Sequence[Any]) -> list[CheckedFile]:
    """Check every file of one submission, in order; return them all or raise (nothing is
    stored either way). Raises ``file_too_many`` (400) before reading any file when there
    are more than :func:`max_files`."""
    files = list(files)
    if len(files) > max_files():
        raise ApplicationError(
            "file_too_many",
            _("At most %(max)d files can be uploaded at once; %(count)d were sent.")
            % {"max": max_files(), "count": len(files)},
            detail={"field": "files"},
        )
    return [check_file(f, i) for i, f in enumerate(files)]
