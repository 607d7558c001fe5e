"""The photo pipeline (wenming.core.photos): types, limits, orientation, metadata, thumbnails.

Every image is generated here with Pillow; nothing touches the database or the storage.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import struct
import zlib

import pytest
from django.core.files import File
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageCms, features

from wenming.core import photos
from wenming.core.errors import ApplicationError

MB = 1024 * 1024
EXIF_ORIENTATION = 0x0112
EXIF_GPS_IFD = 0x8825
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="36,27.0N"/></rdf:RDF></x:xmpmeta>'
)


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in the source language (the default language is zh-hans)."""
    with translation.override("en"):
        yield


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def halves(size=(400, 200), left=(255, 0, 0), right=(0, 0, 255)) -> Image.Image:
    """Left half one colour, right half another (to see where the pixels went)."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def noise(size=(300, 200), mode="RGB") -> Image.Image:
    """Incompressible pixels (so that cutting the file cuts image data)."""
    return Image.frombytes(mode, size, random.Random(7).randbytes(size[0] * size[1] * len(mode)))


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[EXIF_GPS_IFD] = {1: "N", 2: (36.0, 27.0, 1.5), 3: "E", 4: (115.0, 59.0, 2.5)}
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A valid 1x1 greyscale PNG whose IHDR is patched to declare width x height (CRC fixed)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def icc_profile(colorants, description=b"Test RGB") -> bytes:
    """A minimal ICC v2 RGB display profile with the given (X, Y, Z) colorants (D50) and a
    gamma 2.2 curve, built by hand (Pillow can only create sRGB, LAB and XYZ profiles)."""

    def s15(value):
        return struct.pack(">i", round(value * 65536))

    def xyz(values):
        return b"XYZ " + b"\0" * 4 + b"".join(s15(v) for v in values)

    desc = (
        b"desc"
        + b"\0" * 4
        + struct.pack(">I", len(description) + 1)
        + description
        + b"\0"
        + b"\0" * 8
        + b"\0" * 3
        + b"\0" * 67
    )
    curve = b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", 0x0233) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(colorants[0])),
        (b"gXYZ", xyz(colorants[1])),
        (b"bXYZ", xyz(colorants[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


SRGB_COLORANTS = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))


def refused(code: str, *args, **kwargs) -> ApplicationError:
    """Run process_photos(*args) and return the ApplicationError, asserting its code."""
    with pytest.raises(ApplicationError) as caught:
        photos.process_photos(*args, **kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    assert caught.value.status == 400
    return caught.value


def reopen(content) -> Image.Image:
    content.seek(0)
    return Image.open(io.BytesIO(content.read()))


class SpyStream(io.BytesIO):
    """A BytesIO that counts how many bytes were read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


class Unseekable:
    """A stream that can only be read forward (e.g. a request body), with no size."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.bytes_read = 0
        self.name = "stream.jpg"

    def read(self, size=-1):
        data = self._stream.read(size)
        self.bytes_read += len(data)
        return data


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> InMemoryUploadedFile:
    stream = SpyStream(data)
    return InMemoryUploadedFile(stream, "photos", name, content_type, len(data), None)


# ------------------------------------------------------------------ orientation and metadata


def test_jpeg_orientation_applied_and_all_metadata_stripped():
    source = encode(
        halves((400, 200)),
        "JPEG",
        quality=95,
        exif=gps_exif(orientation=6).tobytes(),
        xmp=XMP,
        comment=b"shot at home",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    before = Image.open(io.BytesIO(source))
    assert before.getexif()[EXIF_ORIENTATION] == 6
    assert before.getexif().get_ifd(EXIF_GPS_IFD)[1] == "N"  # the input really has GPS
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(before.info)

    [photo] = photos.process_photos([source])

    assert (photo.width, photo.height) == (200, 400)  # orientation 6: rotated 90° clockwise
    assert (photo.format, photo.source_format) == ("JPEG", "JPEG")
    data = photo.content.read()
    out = Image.open(io.BytesIO(data))
    assert out.format == "JPEG"
    assert out.size == (200, 400)
    assert len(out.getexif()) == 0
    assert out.getexif().get_ifd(EXIF_GPS_IFD) == {}
    assert not {"exif", "xmp", "comment", "icc_profile", "photoshop"} & set(out.info)
    for marker in (b"Exif", b"PhoneMaker", b"ns.adobe.com", b"shot at home"):
        assert marker not in data
    # The left half (red) is now the top half; the right half (blue) the bottom.
    red, blue = out.convert("RGB").getpixel((100, 50)), out.convert("RGB").getpixel((100, 350))
    assert red[0] > 200 and red[2] < 60
    assert blue[2] > 200 and blue[0] < 60
    # The thumbnail is rotated too and carries no metadata either.
    thumb = reopen(photo.thumbnail)
    assert thumb.size == (160, 320)
    assert len(thumb.getexif()) == 0 and "exif" not in thumb.info


@pytest.mark.parametrize(
    ("orientation", "size", "top_left_colour"),
    [
        (1, (400, 200), "red"),
        (3, (400, 200), "blue"),  # rotated 180°
        (6, (200, 400), "red"),  # 90° clockwise: left goes to the top
        (8, (200, 400), "blue"),  # 90° counter-clockwise: right goes to the top
    ],
)
def test_each_orientation_applied_once(orientation, size, top_left_colour):
    source = encode(halves((400, 200)), "JPEG", exif=gps_exif(orientation).tobytes())
    photo = photos.process_photo(source)
    out = reopen(photo.content).convert("RGB")
    assert out.size == size == (photo.width, photo.height)
    r, _g, b = out.getpixel((10, 10))
    assert (r > b) == (top_left_colour == "red")


def test_png_text_chunks_and_exif_are_stripped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Zhang San")
    info.add_itxt("Comment", "家里拍的")
    source = encode(halves((120, 80)), "PNG", pnginfo=info, exif=gps_exif().tobytes())
    assert "Author" in Image.open(io.BytesIO(source)).info
    photo = photos.process_photo(source)
    assert photo.format == "PNG"
    data = photo.content.read()
    out = Image.open(io.BytesIO(data))
    assert len(out.getexif()) == 0
    assert not {"Author", "Comment", "exif"} & set(out.info)
    assert b"Zhang San" not in data and b"eXIf" not in data and b"tEXt" not in data


def test_icc_profile_converted_to_srgb_then_dropped():
    # A profile whose "red" is sRGB's green: a pure red pixel in it is green on screen.
    swapped = icc_profile((SRGB_COLORANTS[1], SRGB_COLORANTS[0], SRGB_COLORANTS[2]))
    source = encode(Image.new("RGB", (64, 64), (255, 0, 0)), "PNG", icc_profile=swapped)
    photo = photos.process_photo(source)
    out = reopen(photo.content)
    assert "icc_profile" not in out.info
    r, g, b = out.getpixel((32, 32))
    assert g > 200 and r < 60 and b < 60


def test_unreadable_icc_profile_is_ignored():
    source = encode(Image.new("RGB", (64, 64), (255, 0, 0)), "JPEG", icc_profile=b"not a profile")
    photo = photos.process_photo(source)
    out = reopen(photo.content)
    assert "icc_profile" not in out.info
    assert out.getpixel((32, 32))[0] > 240


# ----------------------------------------------------------------------------- formats


def test_png_with_alpha_stays_png_with_alpha():
    image = Image.new("RGBA", (100, 60), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 50, 60))
    photo = photos.process_photo(encode(image, "PNG"))
    assert (photo.format, photo.source_format) == ("PNG", "PNG")
    assert photo.content.name.endswith(".png") and photo.content_type == "image/png"
    out = reopen(photo.content)
    assert out.mode == "RGBA"
    assert out.getpixel((10, 10)) == (0, 128, 0, 255)
    assert out.getpixel((90, 10)) == (0, 0, 0, 0)
    # The thumbnail is a JPEG with the transparent part on white.
    thumb = reopen(photo.thumbnail)
    assert thumb.format == "JPEG" and thumb.mode == "RGB"
    assert all(channel > 245 for channel in thumb.getpixel((95, 5)))


def test_opaque_alpha_channel_is_dropped():
    photo = photos.process_photo(encode(Image.new("RGBA", (40, 30), (1, 2, 3, 255)), "PNG"))
    out = reopen(photo.content)
    assert (photo.format, out.mode) == ("PNG", "RGB")
    assert out.getpixel((0, 0)) == (1, 2, 3)


def test_palette_png_with_transparency_keeps_it():
    image = Image.new("P", (20, 20), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (10, 0, 20, 20))
    photo = photos.process_photo(encode(image, "PNG", transparency=1))
    out = reopen(photo.content)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0)) == (255, 0, 0, 255)
    assert out.getpixel((15, 0))[3] == 0


def test_huge_png_becomes_jpeg(settings):
    settings.WENMING_PHOTO_PNG_MAX_BYTES = 50_000
    source = encode(noise((300, 200)), "PNG")
    assert len(source) > 50_000
    photo = photos.process_photo(source)
    assert (photo.format, photo.source_format) == ("JPEG", "PNG")
    assert photo.content.name.endswith(".jpg")
    assert reopen(photo.content).format == "JPEG"


def test_huge_png_with_alpha_becomes_jpeg_on_white(settings):
    settings.WENMING_PHOTO_PNG_MAX_BYTES = 1_000
    image = noise((120, 80)).convert("RGBA")
    image.paste((0, 0, 0, 0), (0, 0, 60, 80))
    photo = photos.process_photo(encode(image, "PNG"))
    out = reopen(photo.content)
    assert (photo.format, out.mode) == ("JPEG", "RGB")
    assert all(channel > 240 for channel in out.getpixel((10, 10)))


def test_webp_becomes_jpeg():
    source = encode(halves((200, 100)), "WEBP", quality=90, exif=gps_exif().tobytes())
    photo = photos.process_photo(source)
    assert (photo.format, photo.source_format) == ("JPEG", "WEBP")
    out = reopen(photo.content)
    assert out.format == "JPEG" and out.size == (200, 100)
    assert len(out.getexif()) == 0 and "exif" not in out.info


def test_webp_with_transparency_becomes_png():
    image = Image.new("RGBA", (80, 40), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 40, 40))
    photo = photos.process_photo(encode(image, "WEBP", lossless=True))
    assert (photo.format, photo.source_format) == ("PNG", "WEBP")
    out = reopen(photo.content)
    assert out.getpixel((10, 10)) == (200, 0, 0, 255)
    assert out.getpixel((70, 10))[3] == 0


def test_cmyk_jpeg_becomes_rgb():
    photo = photos.process_photo(encode(Image.new("CMYK", (40, 40), (0, 255, 255, 0)), "JPEG"))
    out = reopen(photo.content)
    assert out.mode == "RGB"
    r, g, b = out.getpixel((20, 20))
    assert r > 200 and g < 60 and b < 60


def test_greyscale_jpeg_stays_greyscale():
    photo = photos.process_photo(encode(Image.new("L", (40, 40), 90), "JPEG"))
    out = reopen(photo.content)
    assert out.mode == "L"
    assert abs(out.getpixel((5, 5)) - 90) <= 2


def test_sixteen_bit_greyscale_png_is_scaled_not_clipped():
    image = Image.new("I;16", (4, 1))
    image.putpixel((0, 0), 65535)
    image.putpixel((1, 0), 100 * 256)
    photo = photos.process_photo(encode(image, "PNG"))
    out = reopen(photo.content)
    assert out.mode == "L"
    assert [out.getpixel((x, 0)) for x in range(3)] == [255, 100, 0]


def test_heic_is_converted_to_jpeg():
    pytest.importorskip("pillow_heif")
    # pillow-heif turns the EXIF orientation into a HEIF transform on save, applies it on open
    # and resets the EXIF tag to 1: the pipeline must not rotate a second time.
    source = encode(halves((400, 200)), "HEIF", quality=90, exif=gps_exif(orientation=6).tobytes())
    assert source[4:12] == b"ftypheic"
    photo = photos.process_photo(SimpleUploadedFile("IMG_0001.HEIC", source, "image/heic"))
    assert (photo.format, photo.source_format) == ("JPEG", "HEIF")
    assert (photo.width, photo.height) == (200, 400)
    data = photo.content.read()
    out = Image.open(io.BytesIO(data))
    assert out.format == "JPEG" and out.size == (200, 400)
    assert len(out.getexif()) == 0 and "exif" not in out.info
    assert b"PhoneMaker" not in data
    red = out.convert("RGB").getpixel((100, 50))
    assert red[0] > 180 and red[2] < 80


def test_heic_without_the_plugin_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(photos, "HEIF_SUPPORTED", False)
    source = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    error = refused("photo_unsupported", [SimpleUploadedFile("IMG_0001.HEIC", source)])
    assert error.message == (
        "Photo 1 (IMG_0001.HEIC): HEIC photos are not supported on this server; "
        "please upload JPEG or PNG."
    )
    assert error.detail == {
        "field": "photos",
        "index": 0,
        "name": "IMG_0001.HEIC",
        "format": "HEIC",
    }
    assert photos.accepted_formats() == ["JPEG", "PNG", "WebP"]


@pytest.mark.parametrize(
    ("fmt", "label"),
    [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")],
)
def test_other_image_types_are_unsupported(fmt, label):
    source = encode(Image.new("RGB", (10, 10), (1, 2, 3)), fmt)
    error = refused("photo_unsupported", [source])
    assert error.detail["format"] == label
    assert error.message.startswith(f"Photo 1: {label} files are not accepted; please upload JPEG")


def test_avif_is_unsupported():
    if not features.check("avif"):
        pytest.skip("this Pillow cannot write AVIF")
    source = encode(Image.new("RGB", (16, 16), (1, 2, 3)), "AVIF")
    assert refused("photo_unsupported", [source]).detail["format"] == "AVIF"


def test_real_type_is_sniffed_not_declared():
    jpeg = encode(halves((64, 48)), "JPEG")
    upload_ = SimpleUploadedFile("holiday.png", jpeg, content_type="application/octet-stream")
    photo = photos.process_photo(upload_)
    assert (photo.format, photo.source_format) == ("JPEG", "JPEG")
    assert photo.original_name == "holiday.png"
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", photo.content.name)
    assert re.fullmatch(r"[0-9a-f]{32}_thumb\.jpg", photo.thumbnail.name)
    assert photo.thumbnail.name.startswith(photo.content.name[:32])


def test_png_named_jpg_declared_jpeg_is_png():
    png = encode(Image.new("RGB", (30, 20), (9, 9, 9)), "PNG")
    photo = photos.process_photo(SimpleUploadedFile("x.jpg", png, content_type="image/jpeg"))
    assert photo.source_format == "PNG" and photo.format == "PNG"


# ----------------------------------------------------------------------------- refusals


def test_text_file_is_not_an_image():
    text = SimpleUploadedFile("notes.jpg", "今天的检查记录\n".encode(), content_type="image/jpeg")
    error = refused("photo_not_image", [text])
    formats = "JPEG, PNG, WebP, HEIC" if photos.HEIF_SUPPORTED else "JPEG, PNG, WebP"
    assert error.message == (
        f"Photo 1 (notes.jpg): the file is not an image; please upload {formats}."
    )
    assert error.detail == {"field": "photos", "index": 0, "name": "notes.jpg"}


@pytest.mark.parametrize(
    "source",
    [b"%PDF-1.7\n...", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"PK\x03\x04zip", b"\x00"],
)
def test_other_files_are_not_images(source):
    refused("photo_not_image", [source])


def test_object_that_is_not_a_file_is_not_an_image():
    refused("photo_not_image", [12345])


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_image_is_refused(fmt):
    source = encode(noise((300, 200)), fmt)
    error = refused("photo_truncated", [SimpleUploadedFile("cut.img", source[: len(source) // 2])])
    assert error.message == (
        "Photo 1 (cut.img): the image is damaged or incomplete (perhaps the upload was cut "
        "off); please upload it again."
    )
    assert error.detail == {"field": "photos", "index": 0, "name": "cut.img"}


def test_image_cut_inside_its_header_is_truncated():
    refused("photo_truncated", [encode(noise((50, 50)), "PNG")[:20]])
    refused("photo_truncated", [b"\xff\xd8\xff\xe0\x00\x10JFIF"])


def test_decompression_bomb_beyond_pillows_own_limit():
    bomb = png_declaring(100_000, 100_000)  # 10 gigapixels in 67 bytes
    assert len(bomb) < 100
    error = refused("photo_too_many_pixels", [bomb])
    assert error.detail["max_pixels"] == 50_000_000
    assert error.message == (
        "Photo 1: the image has too many pixels; at most 50.0 megapixels are allowed."
    )


def test_image_above_the_pixel_cap_is_refused_before_decoding():
    error = refused("photo_too_many_pixels", [png_declaring(8000, 8000)])
    assert error.detail == {
        "field": "photos",
        "index": 0,
        "name": "",
        "width": 8000,
        "height": 8000,
        "max_pixels": 50_000_000,
    }
    assert error.message == (
        "Photo 1: the image is 8000 × 8000 pixels (64.0 megapixels); at most 50.0 megapixels "
        "are allowed."
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_between_pillows_warning_and_error_is_refused():
    refused("photo_too_many_pixels", [png_declaring(10_000, 10_000)])


def test_real_image_above_a_low_pixel_cap(settings):
    settings.WENMING_PHOTO_MAX_PIXELS = 30_000
    source = encode(Image.new("RGB", (200, 200), (5, 5, 5)), "PNG")  # 40,000 pixels
    error = refused("photo_too_many_pixels", [source])
    assert (error.detail["width"], error.detail["height"]) == (200, 200)
    settings.WENMING_PHOTO_MAX_PIXELS = 40_000
    assert photos.process_photo(source).width == 200


def test_eleven_megabyte_file_is_refused_without_reading_it():
    data = b"\xff\xd8\xff\xe0" + b"\0" * (11 * MB - 4)
    file = upload(data, name="big.jpg")
    error = refused("photo_too_large", [file])
    assert file.file.bytes_read == 0
    assert error.message == "Photo 1 (big.jpg): the file is 11.0 MB; at most 10.0 MB is allowed."
    assert error.detail == {
        "field": "photos",
        "index": 0,
        "name": "big.jpg",
        "size": 11 * MB,
        "max_bytes": 10 * MB,
    }
    refused("photo_too_large", [data])  # bytes too


def test_size_limit_is_a_setting_and_exact(settings):
    settings.WENMING_PHOTO_MAX_BYTES = 2_000
    small = encode(Image.new("RGB", (10, 10)), "JPEG")
    assert len(small) < 2_000
    photos.process_photo(small)
    refused("photo_too_large", [small + b"\0" * (2_001 - len(small))])
    photos.process_photo(small + b"\0" * (2_000 - len(small)))  # exactly the limit: accepted


def test_unseekable_stream_is_read_only_up_to_the_limit(settings):
    settings.WENMING_PHOTO_MAX_BYTES = 1_000
    stream = Unseekable(b"\xff\xd8\xff" + b"\0" * 5_000)
    error = refused("photo_too_large", [stream])
    assert stream.bytes_read == 1_001
    assert error.detail["name"] == "stream.jpg"
    good = Unseekable(encode(Image.new("RGB", (20, 10)), "JPEG"))
    assert photos.process_photo(good).width == 20


def test_empty_file_is_refused():
    error = refused("photo_empty", [SimpleUploadedFile("empty.jpg", b"")])
    assert error.message == "Photo 1 (empty.jpg): the file is empty."
    refused("photo_empty", [b""])


def test_ten_photos_when_nine_are_allowed_reads_none():
    files = [upload(encode(Image.new("RGB", (8, 8)), "JPEG")) for _ in range(10)]
    error = refused("photo_too_many", files)
    assert error.message == "At most 9 photos can be attached at once; 10 were sent."
    assert error.detail == {"field": "photos", "count": 10, "max_count": 9}
    assert all(f.file.bytes_read == 0 for f in files)
    assert len(photos.process_photos(files[:9])) == 9


def test_photo_count_from_setting_and_argument(settings):
    jpeg = encode(Image.new("RGB", (8, 8)), "JPEG")
    settings.WENMING_PHOTO_MAX_COUNT = 2
    refused("photo_too_many", [jpeg] * 3)
    assert len(photos.process_photos([jpeg] * 3, max_count=3)) == 3
    refused("photo_too_many", [jpeg], max_count=0)
    assert photos.process_photos([]) == []


def test_first_bad_photo_is_named_by_index_and_sanitised_name():
    good = encode(Image.new("RGB", (8, 8)), "JPEG")
    files = [
        SimpleUploadedFile("a.jpg", good),
        SimpleUploadedFile("b.jpg", good),
        SimpleUploadedFile("../../etc/pass\x00wd\u202e.txt", b"hello"),
        SimpleUploadedFile("d.jpg", b"also bad"),
    ]
    error = refused("photo_not_image", files)
    assert error.detail["index"] == 2
    assert error.detail["name"] == "passwd.txt"
    assert error.message.startswith("Photo 3 (passwd.txt): the file is not an image")


def test_messages_are_translated():
    with translation.override("zh-hans"):
        error = refused("photo_empty", [SimpleUploadedFile("空.jpg", b"")])
    assert error.message == "第 1 张照片（空.jpg）：文件为空。"


# ----------------------------------------------------------------------------- shapes of the result


def test_thumbnail_of_1000_by_600_is_320_by_192():
    photo = photos.process_photo(encode(halves((1000, 600)), "JPEG"))
    thumb = reopen(photo.thumbnail)
    assert (thumb.format, thumb.size) == ("JPEG", (320, 192))
    assert (photo.width, photo.height) == (1000, 600)


@pytest.mark.parametrize(
    ("size", "thumb_size"),
    [
        ((600, 1000), (192, 320)),
        ((320, 320), (320, 320)),
        ((100, 50), (100, 50)),
        ((5000, 10), (320, 1)),
    ],
)
def test_thumbnail_sizes(size, thumb_size):
    photo = photos.process_photo(encode(Image.new("RGB", size, (50, 60, 70)), "PNG"))
    assert reopen(photo.thumbnail).size == thumb_size


def test_result_shape():
    upload_ = SimpleUploadedFile(
        "C:\\Users\\王\\Desktop\\现场 照片.JPG", encode(halves((64, 48)), "JPEG")
    )
    photo = photos.process_photo(upload_, index=4)
    assert photo.original_name == "现场 照片.JPG"
    data = photo.content.read()
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.content.size == len(data)
    assert photo.content_type == "image/jpeg"
    with pytest.raises(AttributeError):
        photo.width = 1  # frozen


def test_each_photo_gets_its_own_name():
    jpeg = encode(Image.new("RGB", (8, 8)), "JPEG")
    names = {p.content.name for p in photos.process_photos([jpeg, jpeg, jpeg])}
    assert len(names) == 3


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_uploaded_file_is_left_open_at_its_start(fmt):
    if fmt == "HEIF":
        pytest.importorskip("pillow_heif")
    file = upload(encode(halves((64, 48)), fmt))
    photos.process_photo(file)
    assert not file.closed and file.tell() == 0


def test_closed_file_on_disk_is_opened_and_closed_again(tmp_path):
    path = tmp_path / "photo.webp"
    path.write_bytes(encode(halves((64, 48)), "WEBP"))
    file = File(open(path, "rb"), name=str(path))  # noqa: SIM115 - closed right below
    file.close()
    photo = photos.process_photo(file)
    assert (photo.source_format, photo.original_name) == ("WEBP", "photo.webp")
    assert file.closed


def test_closed_file_on_disk_that_is_too_large_is_closed_again(tmp_path, settings):
    settings.WENMING_PHOTO_MAX_BYTES = 100
    path = tmp_path / "big.jpg"
    path.write_bytes(b"\xff\xd8\xff" + b"\0" * 200)
    file = File(open(path, "rb"), name=str(path))  # noqa: SIM115 - closed right below
    file.close()
    assert refused("photo_too_large", [file]).detail["size"] == 203
    assert file.closed


def test_django_file_over_a_stream():
    file = File(io.BytesIO(encode(halves((64, 48)), "PNG")), name="in/memory.png")
    photo = photos.process_photo(file)
    assert (photo.format, photo.original_name) == ("PNG", "memory.png")
    assert file.tell() == 0


def test_plain_binary_streams_and_bytearrays_are_accepted():
    jpeg = encode(halves((64, 48)), "JPEG")
    assert photos.process_photo(io.BytesIO(jpeg)).width == 64
    assert photos.process_photo(bytearray(jpeg)).width == 64
    assert photos.process_photo(memoryview(jpeg)).width == 64


def test_processing_the_output_again_is_stable():
    first = photos.process_photo(encode(halves((300, 200)), "JPEG", exif=gps_exif(6).tobytes()))
    second = photos.process_photo(first.content.read())
    assert (second.width, second.height) == (first.width, first.height) == (200, 300)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.jpg", "photo.jpg"),
        ("/tmp/a/b.png", "b.png"),
        ("C:\\x\\y.jpg", "y.jpg"),
        ("  a \t\n b.jpg  ", "a b.jpg"),
        ("e\u0301.jpg", "\u00e9.jpg"),
        ("x\u200b\u202ey.jpg", "xy.jpg"),
        ("<script>.jpg", "<script>.jpg"),  # kept as text; escaping is the renderer's job
        (None, ""),
        ("a" * 300 + ".jpg", "a" * 119 + "…"),
    ],
)
def test_sanitise_name(name, expected):
    assert photos.sanitise_name(name) == expected
