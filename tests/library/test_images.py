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
        (picture()[:200], "unreadable"),
        (picture(size=(120, 900)), "too_small"),
    ],
    ids=["empty", "text", "pdf", "gif", "bmp", "truncated", "cut_in_headers", "tiny"],
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
    copies = images.derived_names(a.filename, a.width)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [a.filename, a.thumbnail, *copies, b.filename, b.thumbnail]
        + images.derived_names(b.filename, b.width)
    )
    images.delete_files(tmp_path, [a.filename, a.thumbnail, "../etc/passwd"])
    assert not any(p.name.startswith(a.filename[:32]) for p in tmp_path.iterdir())
    assert (tmp_path / b.filename).exists() and (tmp_path / b.thumbnail).exists()


def test_a_stored_photo_gets_smaller_and_webp_copies(tmp_path) -> None:
    stored = images.store_product_image(tmp_path, picture(size=(1600, 1200)))
    stem = stored.filename.removesuffix(".jpg")
    with Image.open(tmp_path / f"{stem}.webp") as whole:
        assert whole.format == "WEBP" and whole.size == (1200, 900)
    for width in (112, 240, 400, 800):
        for fmt, kind in (("webp", "WEBP"), ("jpg", "JPEG")):
            with Image.open(tmp_path / f"{stem}-w{width}.{fmt}") as copy:
                assert copy.format == kind and copy.width == width
                assert abs(copy.height - width * 3 / 4) <= 1, "the shape is kept"
                assert not copy.info.get("exif")
    webp = (tmp_path / f"{stem}-w400.webp").stat().st_size
    assert webp < (tmp_path / f"{stem}-w400.jpg").stat().st_size


def test_copies_of_older_photos_are_made_on_demand_and_only_known_ones(tmp_path) -> None:
    stem = "0123456789abcdef0123"
    Image.new("RGB", (600, 300), (10, 80, 30)).save(tmp_path / f"{stem}.jpg", "JPEG")
    assert images.derive(tmp_path, f"{stem}-w240.webp")
    with Image.open(tmp_path / f"{stem}-w240.webp") as copy:
        assert copy.size == (240, 120)
    assert images.derive(tmp_path, f"{stem}.webp")
    for refused_name in (
        f"{stem}-w241.webp",  # a width not offered: nobody makes the server draw any size
        f"{stem}-w240.gif",
        "ffffffffffffffff-w240.webp",  # no such photo
        f"../{stem}-w240.webp",
    ):
        assert not images.derive(tmp_path, refused_name)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{stem}.jpg", f"{stem}-w240.webp", f"{stem}.webp"]
    )


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
        (picture()[:200], "unreadable"),
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
