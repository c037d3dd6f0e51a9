"""Basket tags as one PDF per distribution point, on A4 label sheets.

Layout: 3 columns x 8 rows of 70 x 37.125 mm labels filling the A4 page edge to edge
(the Avery Zweckform 3474 sheet: 24 labels, no margins). Each label has, at the
start side, the basket's QR code, 27 mm square (a version 3 code of 33 modules with its
quiet zone: 0.8 mm per module, well above what office printers and phone cameras
need), and beside it the serial, "basket n of N", the point and the basket's contents
(product, units, cooperative). The QR code opens the basket's public trace page.

fpdf2 writes the PDF, segno draws each code as a small PNG; text uses DejaVu Sans with
harfbuzz shaping in Arabic, as the impact report.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import segno
from fpdf import FPDF

from solidarity_baskets.manifests import PointManifest
from solidarity_baskets.models import PackingWave
from storefront.filters import numbered_gettext as _
from storefront.i18n import current_language
from storefront.ngo.helpers import point_name
from storefront.ngo.impact_pdf import FAMILY, FONT

COLUMNS, ROWS = 3, 8
LABEL_W = 210 / COLUMNS  # 70 mm
LABEL_H = 297 / ROWS  # 37.125 mm
QR_MM = 27.0
PAD = 2.5
LAYOUT = "A4, 3 x 8 labels of 70 x 37 mm (Avery Zweckform 3474)"


@dataclass(frozen=True, slots=True)
class Tag:
    number: int
    serial: str
    link: str
    wave: PackingWave


def tags_of(point: PointManifest, link_for: Callable[[str], str]) -> Iterator[Tag]:
    """Every basket of the point, in order, with its serial and trace link."""
    for wave in point.waves:
        for rank in range(1, wave.baskets + 1):
            serial = wave.serial(rank)
            yield Tag(wave.first_basket + rank - 1, serial, link_for(serial), wave)


def _qr_png(link: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make_qr(link, error="m").save(buf, kind="png", scale=4, border=2)
    buf.seek(0)
    return buf


def _contents(wave: PackingWave, lang: str) -> list[str]:
    lines = []
    for m in wave.manifest:
        title = {"ar": m.product_title_ar, "en": m.product_title_en}.get(lang) or m.product_title_fr
        coop = (
            m.cooperative_name_ar
            if lang == "ar" and m.cooperative_name_ar
            else (m.cooperative_name_fr)
        )
        lines.append(f"{m.units_per_basket} × {title} — {coop}")
    return lines


def tags_pdf(point: PointManifest, tags: Iterator[Tag]) -> bytes:
    """All tags of ``point`` on label sheets (see the module docstring)."""
    lang = current_language()
    rtl = lang == "ar"
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(0, 0, 0)
    pdf.set_auto_page_break(False)
    pdf.add_font(FAMILY, "", str(FONT))
    if rtl:
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl")
    pdf.set_title(_("Basket tags") + " — " + point_name(point.destination))
    total = point.destination.baskets
    where = point_name(point.destination)
    contents: dict[int, list[str]] = {}
    for i, tag in enumerate(tags):
        slot = i % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        col, row = slot % COLUMNS, slot // COLUMNS
        x0, y0 = col * LABEL_W, row * LABEL_H
        qr_x = x0 + LABEL_W - PAD - QR_MM if rtl else x0 + PAD
        pdf.image(_qr_png(tag.link), x=qr_x, y=y0 + (LABEL_H - QR_MM) / 2, w=QR_MM, h=QR_MM)
        text_x = x0 + PAD if rtl else x0 + PAD + QR_MM + 1.5
        text_w = LABEL_W - QR_MM - 2 * PAD - 1.5
        align = "R" if rtl else "L"
        pdf.set_xy(text_x, y0 + PAD)
        pdf.set_font(FAMILY, size=8.5)
        pdf.cell(text_w, 4, tag.serial, align=align)
        pdf.set_font(FAMILY, size=6.5)
        pdf.set_xy(text_x, y0 + PAD + 4.5)
        pdf.cell(text_w, 3, _("Basket %(n)d of %(total)d", n=tag.number, total=total), align=align)
        pdf.set_xy(text_x, y0 + PAD + 7.5)
        pdf.cell(text_w, 3, where, align=align)
        pdf.set_font(FAMILY, size=5.5)
        lines = contents.setdefault(tag.wave.id, _contents(tag.wave, lang))
        y = y0 + PAD + 11.5
        for text in lines:
            if y > y0 + LABEL_H - PAD - 2.4:
                break
            pdf.set_xy(text_x, y)
            pdf.cell(text_w, 2.4, _fit(pdf, text, text_w), align=align)
            y += 2.4
    if pdf.page == 0:
        pdf.add_page()
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
