"""The one photo pipeline: every path that takes an image (case report, unit submission,
citizen reports, inspections, evidence) passes its uploads through ``process_photos``.

What happens to one photo (docs/photos.md explains why):

1. Size: the byte size is checked before the content is read (``WENMING_PHOTO_MAX_BYTES``,
   default 10 MiB); an empty file is refused.
2. Type: the real type is sniffed from the first bytes. The declared content type and the file
   name are ignored. Accepted: JPEG, PNG, WebP, and HEIC/HEIF when ``pillow-heif`` is importable.
3. Pixels: the dimensions from the header are checked against ``WENMING_PHOTO_MAX_PIXELS``
   (default 50 megapixels) before anything is decoded, so a decompression bomb costs nothing.
4. Decode: the whole image is decoded; a truncated or damaged file is refused.
5. Orientation: the EXIF orientation is applied once (``ImageOps.exif_transpose``).
6. Colour: an embedded ICC profile is used to convert the pixels to sRGB, then dropped.
7. Metadata: everything else is dropped (EXIF including GPS, XMP, IPTC, comments, text chunks):
   the image is re-encoded from its pixels alone.
8. Encoding: JPEG and HEIC become JPEG (quality 85). PNG stays PNG (transparency kept) unless
   the cleaned PNG is larger than ``WENMING_PHOTO_PNG_MAX_BYTES`` (default 4 MiB), then it
   becomes JPEG. WebP becomes JPEG, or PNG when it has real transparency. So the stored
   ``format`` is always ``"JPEG"`` or ``"PNG"``: every browser, python-docx (briefings) and
   LibreOffice (PDF) can show them.
9. Thumbnail: longest side 320 px, JPEG (transparency flattened onto white), never enlarged.

Every refusal is an ``ApplicationError`` (status 400) whose ``detail`` is
``{"field": "photos", "index": i, "name": original name}`` (``index`` counts from 0; the
message counts from 1 for people), so the caller can process all photos first and write
nothing when one is bad.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

from .errors import ApplicationError

try:  # HEIC/HEIF (iPhone photos) when the optional plugin is installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_SUPPORTED = False

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_COUNT = 9
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_PNG_MAX_BYTES = 4 * 1024 * 1024
JPEG_QUALITY = 85
THUMBNAIL_SIZE = 320  # pixels, longest side
THUMBNAIL_QUALITY = 80
NAME_MAX_LENGTH = 120  # characters of the original name kept for display
SNIFF_BYTES = 64

_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1", b"mif2", b"miaf"}
_AVIF_BRANDS = {b"avif", b"avis"}


@dataclass(frozen=True)
class ProcessedPhoto:
    """One cleaned photo, ready to be saved through the storage API.

    ``content``: the re-encoded image without metadata, named ``<uuid4 hex>.jpg|.png`` (never
    the user's name). ``thumbnail``: JPEG, longest side at most 320 px, named
    ``<same uuid>_thumb.jpg``. ``width``/``height``: pixels of ``content`` after the EXIF
    orientation was applied. ``format``: ``"JPEG"`` or ``"PNG"`` (of ``content``).
    ``source_format``: the sniffed input type (``"JPEG"``, ``"PNG"``, ``"WEBP"``, ``"HEIF"``).
    ``original_name``: the uploaded name, sanitised, for display only (may be empty).
    ``sha256``: hex digest of ``content``'s bytes.
    """

    content: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    format: str
    source_format: str
    original_name: str
    sha256: str

    @property
    def content_type(self) -> str:
        """MIME type of ``content`` (``image/jpeg`` or ``image/png``)."""
        return _CONTENT_TYPES[self.format]


def max_photo_bytes() -> int:
    """Largest accepted upload per photo, in bytes (``WENMING_PHOTO_MAX_BYTES``)."""
    return int(getattr(settings, "WENMING_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_photo_count() -> int:
    """Most photos accepted in one step (``WENMING_PHOTO_MAX_COUNT``)."""
    return int(getattr(settings, "WENMING_PHOTO_MAX_COUNT", DEFAULT_MAX_COUNT))


def max_photo_pixels() -> int:
    """Largest accepted width x height, in pixels (``WENMING_PHOTO_MAX_PIXELS``)."""
    return int(getattr(settings, "WENMING_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def accepted_formats() -> list[str]:
    """Names of the accepted input types, for messages and upload hints."""
    names = ["JPEG", "PNG", "WebP"]
    if HEIF_SUPPORTED:
        names.append("HEIC")
    return names


def process_photos(files: Sequence[Any], *, max_count: int | None = None) -> list[ProcessedPhoto]:
    """Validate and clean every photo of one step, in order; return them all or raise.

    ``files``: Django ``UploadedFile``/``File`` objects, binary file objects, or bytes-like
    values. ``max_count`` overrides ``WENMING_PHOTO_MAX_COUNT``. Nothing is written anywhere:
    the caller saves the returned ``ContentFile`` objects once all photos passed, so one bad
    photo loses nothing else the user typed. An empty sequence returns ``[]``.

    Raises ApplicationError (400): ``photo_too_many`` before any photo is read, otherwise the
    first bad photo's error from ``process_photo`` (with its index).
    """
    files = list(files)
    limit = max_count if max_count is not None else max_photo_count()
    if len(files) > limit:
        raise ApplicationError(
            "photo_too_many",
            _("At most %(max)d photos can be attached at once; %(count)d were sent.")
            % {"max": limit, "count": len(files)},
            detail={"field": "photos", "count": len(files), "max_count": limit},
        )
    return [process_photo(file, index) for index, file in enumerate(files)]


def process_photo(file: Any, index: int = 0) -> ProcessedPhoto:
    """Validate and clean one photo (steps 1-9 of the module docstring).

    ``file``: see ``process_photos``; a file object is read from its start and left at its
    start, and is not closed (unless this function had to open it). ``index``: its position
    in the step, reported in errors.

    Raises ApplicationError (400) with ``detail = {"field": "photos", "index", "name", ...}``
    and code ``photo_empty``, ``photo_too_large`` (bytes), ``photo_not_image``,
    ``photo_unsupported`` (a recognised type that is not accepted, e.g. GIF, or HEIC without
    pillow-heif), ``photo_too_many_pixels`` or ``photo_truncated`` (damaged or incomplete).
    """
    name = sanitise_name(getattr(file, "name", "") if not _is_bytes(file) else "")
    fail = _Failure(index, name)
    stream, opened_here = _open(file, fail)
    try:
        source_format = _sniff(stream, fail)
        image = _decode(_Lent(stream), source_format, fail)
        try:
            return _clean(image, source_format, name)
        finally:
            image.close()
    finally:
        if opened_here:
            stream.close()
        else:
            _rewind(stream)


def sanitise_name(name: Any) -> str:
    """The uploaded file name made safe for display: the last path part, Unicode NFC, no
    control or format characters, whitespace collapsed, at most 120 characters."""
    if not isinstance(name, str):
        return ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if ch.isspace() else ch for ch in name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split())
    if len(name) > NAME_MAX_LENGTH:
        name = name[: NAME_MAX_LENGTH - 1] + "…"
    return name


class _Failure:
    """Builds the ApplicationError for one photo (its number, name and the problem)."""

    def __init__(self, index: int, name: str) -> None:
        self.index = index
        self.name = name

    def __call__(self, code: str, problem: str, **detail: Any) -> ApplicationError:
        if self.name:
            message = _("Photo %(number)d (%(name)s): %(problem)s") % {
                "number": self.index + 1,
                "name": self.name,
                "problem": problem,
            }
        else:
            message = _("Photo %(number)d: %(problem)s") % {
                "number": self.index + 1,
                "problem": problem,
            }
        detail = {"field": "photos", "index": self.index, "name": self.name, **detail}
        return ApplicationError(code, message, detail=detail, status=400)


class _Lent:
    """The caller's stream as handed to Pillow: ``Image.close()`` closes the file it was
    opened from (for some formats even after loading), and the caller's file must stay open."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def close(self) -> None:
        """Leave the caller's stream open."""


def _is_bytes(file: Any) -> bool:
    return isinstance(file, bytes | bytearray | memoryview)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _too_large(fail: _Failure, size: int, limit: int) -> ApplicationError:
    return fail(
        "photo_too_large",
        _("the file is %(size)s; at most %(max)s is allowed.")
        % {"size": _megabytes(size), "max": _megabytes(limit)},
        size=size,
        max_bytes=limit,
    )


def _open(file: Any, fail: _Failure) -> tuple[IO[bytes], bool]:
    """Return a readable, seekable binary stream at position 0 and whether we opened it.

    The size is checked before the content is read: from ``File.size`` or seek/tell when the
    object can tell it, else by reading at most ``max_photo_bytes() + 1`` bytes.
    """
    limit = max_photo_bytes()
    if _is_bytes(file):
        _check_size(memoryview(file).nbytes, limit, fail)  # before copying anything
        return io.BytesIO(bytes(file)), False
    if not hasattr(file, "read"):
        raise fail(
            "photo_not_image",
            _("the file is not an image; please upload %(formats)s.")
            % {"formats": ", ".join(accepted_formats())},
        )
    opened_here = False
    if getattr(file, "closed", False) and isinstance(file, File):
        file.open("rb")  # e.g. a FieldFile or a File on disk that was closed
        opened_here = True
    try:
        size = _declared_size(file)
        if size is not None:
            _check_size(size, limit, fail)  # before a byte of content is read
            if _seekable(file):
                _rewind(file)
                return file, opened_here
        data = file.read(limit + 1)  # not seekable, or cannot tell its size: a bounded read
    except BaseException:
        if opened_here:
            file.close()
        raise
    if opened_here:
        file.close()
    if isinstance(data, str):
        data = data.encode()
    _check_size(len(data), limit, fail)
    return io.BytesIO(data), False


def _declared_size(file: Any) -> int | None:
    """The stream's size in bytes without reading it (``File.size``, else seek/tell), or None
    when it cannot tell."""
    if isinstance(file, File):
        try:
            size = file.size
        except (AttributeError, OSError, ValueError):
            return None
        return size if isinstance(size, int) else None
    if not _seekable(file):
        return None
    try:
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(0)
    except (OSError, ValueError):
        return None
    return size


def _seekable(file: Any) -> bool:
    try:
        return bool(file.seekable()) if hasattr(file, "seekable") else hasattr(file, "seek")
    except (OSError, ValueError):
        return False


def _rewind(file: Any) -> None:
    try:
        file.seek(0)
    except (AttributeError, OSError, ValueError):
        pass


def _check_size(size: int, limit: int, fail: _Failure) -> None:
    if size == 0:
        raise fail("photo_empty", _("the file is empty."), size=0)
    if size > limit:
        raise _too_large(fail, size, limit)


def _sniff(stream: IO[bytes], fail: _Failure) -> str:
    """The real type from the magic bytes: ``"JPEG"``, ``"PNG"``, ``"WEBP"`` or ``"HEIF"``.

    Raises ``photo_unsupported`` for a recognised but refused type (GIF, BMP, TIFF/RAW, AVIF,
    JPEG XL, HEIC without pillow-heif) and ``photo_not_image`` for anything else.
    """
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    refused = None
    if head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {
            head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)
        }
        if brands & _AVIF_BRANDS:
            refused = "AVIF"
        elif brands & (_HEIF_BRANDS | _HEIF_GENERIC_BRANDS):
            if HEIF_SUPPORTED:
                return "HEIF"
            raise fail(
                "photo_unsupported",
                _("HEIC photos are not supported on this server; please upload JPEG or PNG."),
                format="HEIC",
            )
    elif head.startswith((b"GIF87a", b"GIF89a")):
        refused = "GIF"
    elif head.startswith(b"BM"):
        refused = "BMP"
    elif head.startswith((b"II*\x00", b"MM\x00*")):
        refused = "TIFF"
    elif head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        refused = "JPEG XL"
    if refused:
        raise fail(
            "photo_unsupported",
            _("%(format)s files are not accepted; please upload %(formats)s.")
            % {"format": refused, "formats": ", ".join(accepted_formats())},
            format=refused,
        )
    raise fail(
        "photo_not_image",
        _("the file is not an image; please upload %(formats)s.")
        % {"formats": ", ".join(accepted_formats())},
    )


def _decode(stream: IO[bytes], source_format: str, fail: _Failure) -> Image.Image:
    """Open as ``source_format`` only, check the pixel count from the header, then decode.

    Pillow refuses more than 2 x ``Image.MAX_IMAGE_PIXELS`` itself (DecompressionBombError);
    below that our own cap decides, before any pixel is decoded.
    """
    limit = max_photo_pixels()
    try:
        image = Image.open(stream, formats=[source_format])
    except Image.DecompressionBombError as exc:
        raise fail(
            "photo_too_many_pixels",
            _("the image has too many pixels; at most %(max)s megapixels are allowed.")
            % {"max": _megapixels(limit)},
            max_pixels=limit,
        ) from exc
    except Exception as exc:  # the magic bytes matched but the header is broken
        raise _damaged(fail) from exc
    width, height = image.size
    if width * height > limit:
        image.close()
        raise fail(
            "photo_too_many_pixels",
            _(
                "the image is %(width)d × %(height)d pixels (%(pixels)s megapixels); "
                "at most %(max)s megapixels are allowed."
            )
            % {
                "width": width,
                "height": height,
                "pixels": _megapixels(width * height),
                "max": _megapixels(limit),
            },
            width=width,
            height=height,
            max_pixels=limit,
        )
    try:
        image.load()
    except Exception as exc:  # truncated data, broken stream, decoder errors
        image.close()
        raise _damaged(fail) from exc
    return image


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}"


def _damaged(fail: _Failure) -> ApplicationError:
    return fail(
        "photo_truncated",
        _(
            "the image is damaged or incomplete (perhaps the upload was cut off); "
            "please upload it again."
        ),
    )


def _clean(image: Image.Image, source_format: str, name: str) -> ProcessedPhoto:
    """Orientation, sRGB, metadata removal, re-encoding and thumbnail of a decoded image."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # noqa: S110 - unreadable EXIF: the pixels are fine, keep them as sent
        pass
    image = _to_srgb(image)
    image = _normalise_mode(image)
    image.info = {}  # encoders read ICC, transparency and comments from here: keep nothing

    has_alpha = image.mode in ("LA", "RGBA")
    if source_format == "PNG" or (source_format == "WEBP" and has_alpha):
        data = _encode(image, "PNG")
        out_format = "PNG"
        png_limit = int(getattr(settings, "WENMING_PHOTO_PNG_MAX_BYTES", DEFAULT_PNG_MAX_BYTES))
        if len(data) > png_limit:
            data = _encode(_flatten(image), "JPEG")
            out_format = "JPEG"
    else:
        data = _encode(_flatten(image), "JPEG")
        out_format = "JPEG"

    stem = uuid.uuid4().hex
    content = ContentFile(data, name=f"{stem}.{_EXTENSIONS[out_format]}")
    thumbnail = ContentFile(_thumbnail(image), name=f"{stem}_thumb.jpg")
    return ProcessedPhoto(
        content=content,
        thumbnail=thumbnail,
        width=image.width,
        height=image.height,
        format=out_format,
        source_format=source_format,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert pixels tagged with an ICC profile (Display P3, Adobe RGB, CMYK) to sRGB.

    A profile that cannot be read or applied is ignored (the pixels are kept as sent); the
    profile itself is never kept.
    """
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in (ImageCms.getProfileDescription(source) or "").lower():
            return image
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        converted = ImageCms.profileToProfile(
            image, source, srgb, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except Exception:  # broken or mismatched profile
        return image
    if converted is None:  # pragma: no cover - only with inPlace=True
        return image
    image.close()
    return converted


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Return the image in L, LA, RGB or RGBA; an alpha channel that is fully opaque is
    dropped. 16-bit greyscale is scaled to 8 bits (not clipped)."""
    mode = image.mode
    if mode.startswith("I;16"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif mode in ("I", "F", "1"):
        image = image.convert("L")
    elif mode in ("P", "PA"):
        transparent = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    elif mode == "La":
        image = image.convert("LA")
    elif mode == "RGBa":
        image = image.convert("RGBA")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV
    if image.mode in ("LA", "RGBA") and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert(image.mode[:-1])
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """The image on a white background when it has an alpha channel (for JPEG)."""
    if image.mode not in ("LA", "RGBA"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """JPEG whose longest side is at most 320 px (the aspect ratio kept, never enlarged)."""
    width, height = image.size
    scale = min(1.0, THUMBNAIL_SIZE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    buffer = io.BytesIO()
    _flatten(small).save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return buffer.getvalue()
