import io

import pytest
from PIL import Image

from catalog import images
from catalog.errors import InvalidUpload


def picture(fmt="JPEG", size=(1600, 1200), mode="RGB", **save) -> bytes:
    img = Image.new(mode, size, (200, 120, 40) if mode == "RGB" else None)
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825)[2] = (31.0, 37.0, 48.0)  # GPSLatitude
    return picture(size=(800, 400), exif=exif.tobytes())


def refused(data: bytes) -> str:
    with pytest.raises(InvalidUpload) as exc:
        images.prepare_photo(data)
    return exc.value.code


def test_a_photo_is_resized_for_the_web_with_a_thumbnail() -> None:
    photo = images.prepare_photo(picture(size=(3000, 2000)))
    assert (photo.width, photo.height) == (1200, 800)
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert thumb.size == (400, 267) and thumb.format == "JPEG"


def test_exif_and_gps_are_stripped_and_the_photo_turned_upright() -> None:
    source = Image.open(io.BytesIO(with_exif()))
    assert source.getexif()[0x010F] == "PhoneMaker"
    photo = images.prepare_photo(with_exif())
    out = Image.open(io.BytesIO(photo.web))
    assert dict(out.getexif()) == {}
    assert "exif" not in out.info and b"PhoneMaker" not in photo.web
    assert out.size == (400, 800), "the orientation tag was applied before dropping it"


def test_a_transparent_png_gets_a_white_background() -> None:
    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG")
    photo = images.prepare_photo(out.getvalue())
    assert Image.open(io.BytesIO(photo.web)).getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"this is not a picture at all", "unsupported_type"),
        (b"%PDF-1.7\n...%%EOF", "unsupported_type"),
        (picture("GIF", mode="P"), "unsupported_type"),
        (picture("BMP", size=(400, 400)), "unsupported_type"),
        (picture()[:2000], "unreadable"),
        (picture(size=(120, 900)), "too_small"),
    ],
    ids=["empty", "text", "pdf", "gif", "bmp", "truncated", "tiny"],
)
def test_a_bad_file_is_refused_with_a_reason(data, code) -> None:
    assert refused(data) == code


def test_the_name_does_not_matter_only_the_content(tmp_path) -> None:
    """A GIF renamed photo.jpg is still a GIF: refused; a PNG called .jpg is fine."""
    assert refused(picture("GIF", mode="P")) == "unsupported_type"
    stored = images.store_product_image(tmp_path, picture("PNG"))
    assert stored.filename.endswith(".jpg")
    with Image.open(tmp_path / stored.filename) as img:
        assert img.format == "JPEG"


def test_too_big_a_file_is_refused_before_decoding() -> None:
    data = picture() + b"\0" * images.MAX_PHOTO_BYTES
    with pytest.raises(InvalidUpload) as exc:
        images.prepare_photo(data)
    assert exc.value.code == "too_large"
    assert exc.value.data["max_bytes"] == images.MAX_PHOTO_BYTES


def test_a_decompression_bomb_is_refused_without_decoding() -> None:
    bomb = picture("PNG", size=(8000, 8000), mode="1")
    assert len(bomb) < 100_000
    assert refused(bomb) == "too_many_pixels"


def test_stored_files_have_random_names(tmp_path) -> None:
    a = images.store_product_image(tmp_path, picture())
    b = images.store_product_image(tmp_path, picture())
    assert a.filename != b.filename
    assert images.is_stored_name(a.filename) and images.is_stored_name(a.thumbnail)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [a.filename, a.thumbnail, b.filename, b.thumbnail]
    )
    images.delete_files(tmp_path, [a.filename, a.thumbnail, "../etc/passwd"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([b.filename, b.thumbnail])


def test_documents_are_pdf_or_clean_scans(tmp_path) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    name = images.store_document(tmp_path, pdf)
    assert name.endswith(".pdf") and (tmp_path / name).read_bytes() == pdf
    scan = images.store_document(tmp_path, with_exif())
    assert scan.endswith(".jpg") and b"PhoneMaker" not in (tmp_path / scan).read_bytes()
    png = images.store_document(tmp_path, picture("PNG"))
    assert png.endswith(".png")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 but cut short", "unreadable"),
        (b"MZ\x90\x00 an executable", "unsupported_type"),
        (b"<html><script>alert(1)</script></html>", "unsupported_type"),
        (picture("WEBP"), "unsupported_type"),
    ],
)
def test_a_bad_document_is_refused(tmp_path, data, code) -> None:
    with pytest.raises(InvalidUpload) as exc:
        images.store_document(tmp_path, data)
    assert exc.value.code == code
    assert list(tmp_path.iterdir()) == []
