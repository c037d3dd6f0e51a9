"""Uploaded files: product photos and certificate documents.

A file is judged by its content, never by its name or the type the browser claims:
Pillow must decode a photo fully, a PDF must look like one from its first bytes to its
end marker. Photos are turned upright, stripped of every metadata (EXIF with its GPS
position, ICC, comments) by re-encoding, and saved at web size with a thumbnail.
Names are random, so nobody can guess another cooperative's files.

For responsive pages each photo also has copies at :data:`DERIVED_WIDTHS` and in WebP
(``<stem>-w400.webp``, ``<stem>-w400.jpg``, ``<stem>.webp``): made when the photo is
stored, or on first request for photos stored before (:func:`derive`).
"""

from __future__ import annotations

import io
import re
import secrets
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from catalog.errors import InvalidUpload
from catalog.media import MediaStore, as_store

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
#: more pixels than this is refused before decoding (a "decompression bomb"): a 24
#: megapixel camera passes; a 6300 × 6300 PNG of 115 KB that would take ~360 MB does not
MAX_PIXELS = 25_000_000
#: photos decoded at once in one process; more wait their turn (memory stays bounded)
MAX_CONCURRENT_DECODES = 2
_decoding = threading.BoundedSemaphore(MAX_CONCURRENT_DECODES)
MIN_SIDE = 200
PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
DOCUMENT_IMAGE_FORMATS = frozenset({"JPEG", "PNG"})
WEB_SIZE = 1200
THUMB_SIZE = 400
_STORED_NAME = re.compile(r"^[0-9a-f]{16,64}(-t)?\.(jpg|png|pdf)$")
#: widths of the smaller copies of a photo for ``srcset`` (list thumbnails at 2×,
#: cards, phones); none is made wider than the photo
DERIVED_WIDTHS = (112, 240, 400, 800)
DERIVED_FORMATS = ("webp", "jpg")
_DERIVED_NAME = re.compile(r"^([0-9a-f]{16,64})(?:-w(\d+))?\.(webp|jpg)$")


@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    web: bytes
    thumbnail: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class StoredImage:
    filename: str
    thumbnail: str
    width: int
    height: int


def _size_check(data: bytes, limit: int) -> None:
    if not data:
        raise InvalidUpload(code="empty")
    if len(data) > limit:
        raise InvalidUpload(code="too_large", max_bytes=limit, size=len(data))


def open_image(
    data: bytes,
    *,
    formats: frozenset[str],
    max_bytes: int = MAX_PHOTO_BYTES,
    reduce_to: int | None = None,
) -> Image.Image:
    """Decode ``data`` fully as one of ``formats``. With ``reduce_to``, a JPEG is decoded
    at the smallest scale (1/2, 1/4, 1/8) still at least that many pixels on each side
    (Pillow's ``draft``), so a large photo never takes its full size in memory.

    :raises InvalidUpload: ``empty``, ``too_large``, ``unsupported_type`` (not an image,
        or another kind: GIF, TIFF...), ``too_many_pixels``, ``too_small`` or
        ``unreadable`` (truncated or corrupt).
    """
    _size_check(data, max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise InvalidUpload(code="unsupported_type", allowed=sorted(formats)) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidUpload(code="too_many_pixels", max_pixels=MAX_PIXELS) from None
        except (OSError, SyntaxError, ValueError):  # cut short inside its headers
            raise InvalidUpload(code="unreadable") from None
        if image.format not in formats:
            raise InvalidUpload(
                code="unsupported_type", allowed=sorted(formats), found=image.format
            )
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise InvalidUpload(code="too_many_pixels", max_pixels=MAX_PIXELS)
        if min(width, height) < 1:
            raise InvalidUpload(code="unreadable")
        if reduce_to is not None and image.format == "JPEG":
            image.draft("RGB", (reduce_to, reduce_to))
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise InvalidUpload(code="unreadable") from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (transparent PNGs must not turn black in a JPEG)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _without_metadata(image: Image.Image) -> Image.Image:
    """Pillow writes back what ``info`` holds (a JPEG comment, EXIF, ICC, PNG text):
    forget it all, so the new file carries no metadata at all."""
    image.info = {}
    return image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    _without_metadata(image).save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def prepare_photo(data: bytes) -> PreparedPhoto:
    """A product photo checked by content, upright, without metadata, at most
    :data:`WEB_SIZE` pixels on its long side, plus a :data:`THUMB_SIZE` thumbnail.

    :raises InvalidUpload: see :func:`open_image`.
    """
    with _decoding:
        return _prepare_photo(data)


def _prepare_photo(data: bytes) -> PreparedPhoto:
    image = open_image(data, formats=PHOTO_FORMATS, reduce_to=WEB_SIZE)
    image = ImageOps.exif_transpose(image) or image
    if min(image.size) < MIN_SIDE:
        raise InvalidUpload(code="too_small", min_side=MIN_SIDE)
    image = _flatten(image)
    web = image.copy()
    web.thumbnail((WEB_SIZE, WEB_SIZE), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return PreparedPhoto(_jpeg(web), _jpeg(thumb), web.width, web.height)


def store_product_image(target: Path | MediaStore, data: bytes) -> StoredImage:
    """Check, clean and save a product photo under a random name in ``target`` (a
    folder or a :class:`~catalog.media.MediaStore`), with its thumbnail and its smaller
    and WebP copies.

    :raises InvalidUpload: see :func:`open_image`.
    """
    store = as_store(target)
    photo = prepare_photo(data)
    stem = secrets.token_hex(16)
    name, thumb = f"{stem}.jpg", f"{stem}-t.jpg"
    store.write(name, photo.web)
    store.write(thumb, photo.thumbnail)
    with _decoding, Image.open(io.BytesIO(photo.web)) as opened:
        source = _flatten(opened)
        copies = {copy: _copy(source, copy) for copy in derived_names(name, photo.width)}
    for copy, content in copies.items():
        store.write(copy, content)
    return StoredImage(name, thumb, photo.width, photo.height)


def derived_name(filename: str, width: int | None, fmt: str) -> str:
    """The copy of stored photo ``filename`` ``width`` pixels wide (``None``: as wide
    as the photo) in ``fmt`` (``webp`` or ``jpg``)."""
    return photo_stem(filename) + derived_ending(width, fmt)


def photo_stem(filename: str) -> str:
    """A stored photo's name without its extension: its copies' names begin with it."""
    return filename.rsplit(".", 1)[0]


def derived_ending(width: int | None, fmt: str) -> str:
    """What follows the stem in a copy's name (letters, digits, '-' and '.' only: the
    same in a URL, quoted or not, and in HTML)."""
    return f"-w{width}.{fmt}" if width else f".{fmt}"


def derived_names(filename: str, width: int) -> list[str]:
    """Every copy of a photo ``width`` pixels wide (the full-width JPEG is the photo)."""
    names = [derived_name(filename, None, "webp")]
    for w in DERIVED_WIDTHS:
        if w < width:
            names += [derived_name(filename, w, fmt) for fmt in DERIVED_FORMATS]
    return names


def derive(target: Path | MediaStore, name: str) -> bool:
    """Make the copy ``name`` of a stored photo in ``target`` unless it exists; whether
    it exists now. Names that are not such a copy, of a width not offered or of a photo
    not stored, are refused (nobody can make the server draw arbitrary sizes)."""
    store = as_store(target)
    match = _DERIVED_NAME.match(name)
    if match is None:
        return False
    stem, width, fmt = match.group(1), match.group(2), match.group(3)
    if width is None and fmt == "jpg":
        return store.exists(name)  # the photo itself
    if width is not None and int(width) not in DERIVED_WIDTHS:
        return False
    if store.exists(name):
        return True
    data = next(
        (found for ext in ("jpg", "png") if (found := store.read(f"{stem}.{ext}")) is not None),
        None,
    )
    if data is None:
        return False
    with _decoding, Image.open(io.BytesIO(data)) as opened:
        copy = _copy(_flatten(opened), name)
    store.write(name, copy)  # whole: a concurrent request sees the whole file or none
    return True


def _copy(image: Image.Image, name: str) -> bytes:
    """The bytes of copy ``name`` (a name :func:`derived_name` gives) of ``image``."""
    match = _DERIVED_NAME.match(name)
    assert match is not None
    width, fmt = match.group(2), match.group(3)
    if width is not None and int(width) < image.width:
        height = max(1, round(image.height * int(width) / image.width))
        image = image.resize((int(width), height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "webp":
        _without_metadata(image).save(out, "WEBP", quality=78, method=4)
    else:
        _without_metadata(image).save(out, "JPEG", quality=80, optimize=True, progressive=True)
    return out.getvalue()


def clean_document(data: bytes) -> tuple[bytes, str]:
    """A certificate document: a PDF (kept as sent) or a JPEG/PNG scan (re-encoded,
    without metadata). Returns the bytes to store and their extension.

    :raises InvalidUpload: ``empty``, ``too_large``, ``unsupported_type``, ``unreadable``.
    """
    _size_check(data, MAX_DOCUMENT_BYTES)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise InvalidUpload(code="unreadable")
        return data, "pdf"
    try:
        with _decoding:
            image = open_image(data, formats=DOCUMENT_IMAGE_FORMATS, max_bytes=MAX_DOCUMENT_BYTES)
    except InvalidUpload as exc:
        if exc.code == "unsupported_type":
            raise InvalidUpload(code="unsupported_type", allowed=["PDF", "JPEG", "PNG"]) from None
        raise
    fmt = image.format
    image = _without_metadata(ImageOps.exif_transpose(image) or image)
    out = io.BytesIO()
    if fmt == "PNG":
        image.save(out, "PNG", optimize=True)
        return out.getvalue(), "png"
    _flatten(image).save(out, "JPEG", quality=88)
    return out.getvalue(), "jpg"


def store_document(target: Path | MediaStore, data: bytes) -> str:
    """Check and save a certificate document under a random name; return the name.

    :raises InvalidUpload: see :func:`clean_document`.
    """
    content, ext = clean_document(data)
    name = f"{secrets.token_hex(16)}.{ext}"
    as_store(target).write(name, content)
    return name


def is_stored_name(name: str) -> bool:
    """Whether ``name`` has the shape of a name this module gives (no path tricks)."""
    return bool(_STORED_NAME.match(name))


def delete_files(target: Path | MediaStore, names: list[str]) -> None:
    """Remove stored files and the copies made of them (missing ones are fine). Names
    not made here are ignored."""
    store = as_store(target)
    for name in names:
        if is_stored_name(name):
            store.delete(name)
            for copy in derived_names(name, max(DERIVED_WIDTHS) + 1):
                store.delete(copy)
