"""The donors' impact report as a PDF: the figures of
:func:`solidarity_baskets.impact.impact_report` on A4 pages in the reader's language
(French, English, or Arabic right to left), money and dates formatted as on the HTML page.

fpdf2 writes the PDF and harfbuzz (uharfbuzz) shapes the text, so Arabic letters join
and lines run right to left with numbers and Latin names kept in order. One font,
DejaVu Sans (``static/fonts``, with its licence), has both the Latin and the Arabic
glyphs; the PDF embeds only the glyphs it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from solidarity_baskets.impact import ImpactReport
from solidarity_baskets.nutrition import Coverage
from storefront.filters import local_date, local_datetime, money_text, number, percent
from storefront.i18n import current_language
from storefront.ngo.helpers import point_name, region_name

FONT = Path(__file__).resolve().parents[1] / "static" / "fonts" / "DejaVuSans.ttf"
FAMILY = "dejavu"
#: The cooperatives listed by name, those paid most first: a national campaign pays tens
#: of thousands, and the CSV lists every one of them.
MAX_COOPERATIVE_ROWS = 100

INK = (31, 35, 40)
MUTED = (84, 91, 100)
ACCENT = (138, 59, 18)
HEAD_FILL = (244, 239, 228)
LINE = 5.5  # mm per line of body text


class _Report(FPDF):
    """A4 pages with the order number and the page number at the foot."""

    def __init__(self, *, rtl: bool, foot: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.rtl = rtl
        self.foot = foot
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=18)
        self.add_font(FAMILY, "", str(FONT))
        self.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
        self.set_text_color(*INK)

    @property
    def start(self) -> Align:
        return Align.R if self.rtl else Align.L

    @property
    def end(self) -> Align:
        return Align.L if self.rtl else Align.R

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        page = _("Page %(page)d", page=self.page_no())
        text = f"{self.foot} · {page}"
        self.cell(0, 5, text, align=Align.C)
        self.set_text_color(*INK)

    # -- blocks ------------------------------------------------------------------------
    def paragraph(self, text: str, *, size: float = 10, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FAMILY, size=size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.55, text, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def heading(self, text: str) -> None:
        if self.will_page_break(30):
            self.add_page()
        self.ln(4)
        self.paragraph(text, size=14, color=ACCENT)
        self.ln(1)

    def grid(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        numeric: Sequence[bool],
    ) -> None:
        """A table whose first column sits at the reading start (the right in Arabic),
        numbers aligned to the end of their cells."""
        order = list(reversed(range(len(widths)))) if self.rtl else list(range(len(widths)))
        align = tuple(self.end if numeric[i] else self.start for i in order)
        self.set_font(FAMILY, size=9)
        with self.table(
            col_widths=tuple(widths[i] for i in order),
            text_align=align,
            first_row_as_headings=headings is not None,
            headings_style=FontFace(emphasis="", fill_color=HEAD_FILL),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=LINE,
            padding=(1, 1.5),
        ) as table:
            for cells in ([headings] if headings is not None else []) + list(rows):
                row = table.row()
                for i in order:
                    row.cell(cells[i])
        self.ln(2)


def _balance(coverage: Coverage, nutrient: str) -> str:
    state = coverage.balance(nutrient)
    if state == "good":
        return _("keeps up with energy")
    return _("a little low") if state == "low" else _("short")


def impact_pdf(report: ImpactReport, *, organisation: str, now: datetime) -> bytes:
    """The report as PDF bytes, in the current request's language."""
    lang = current_language()
    title = " ".join((_("Impact report"), "—", _("order"), report.order_number))
    pdf = _Report(rtl=lang == "ar", foot=f"Taawun · {title}")
    pdf.set_lang(lang)
    pdf.set_title(title)
    pdf.set_author("Taawun")
    pdf.set_creation_date(now)
    pdf.add_page()

    def money(minor: int) -> str:
        return money_text(report.money(minor), lang)

    pdf.paragraph(title, size=18, color=ACCENT)
    pdf.paragraph(organisation, size=12)
    pdf.paragraph(_("Baskets to deliver by %(date)s", date=local_date(report.deliver_by)))
    pdf.paragraph(
        _("Figures as of %(date)s", date=local_datetime(now, "short")), size=8, color=MUTED
    )

    pdf.heading(_("Baskets"))
    pdf.paragraph(
        " · ".join(
            (
                f"{number(report.baskets)} " + _("ordered"),
                f"{number(report.baskets_received)} " + _("received"),
                f"{money(report.cost_per_basket_minor)} " + _("per basket"),
            )
        )
    )
    pdf.ln(1)
    pdf.grid(
        (_("Distribution point"), _("Region"), _("Ordered"), _("Received")),
        [
            (
                point_name(p.destination),
                region_name(p.destination.region_code),
                number(p.baskets),
                number(p.baskets_received),
            )
            for p in report.points
        ],
        (70, 62, 23, 23),
        (False, False, True, True),
    )

    pdf.heading(_("Where the money goes"))
    kept_share = percent(report.share(report.to_cooperatives_minor, report.total_minor), 1)
    pdf.grid(
        None,
        [
            (_("Products, paid to the cooperatives"), money(report.goods_minor)),
            (_("Shipping, paid to the cooperatives who ship"), money(report.shipping_minor)),
            (_("Total"), money(report.total_minor)),
            (_("Of which Taawun's commission"), money(report.commission_minor)),
            (
                _("Kept by the cooperatives"),
                f"{money(report.to_cooperatives_minor)} ({kept_share})",
            ),
        ],
        (118, 60),
        (False, True),
    )
    cooperatives = len(report.cooperatives)
    for line in (
        f"{cooperatives} " + ngettext("cooperative paid", "cooperatives paid", cooperatives),
        f"{percent(report.share(report.women_led_goods_minor))} "
        + _("to %(n)d women-led cooperatives", n=report.women_led_cooperatives),
        f"{percent(report.share(report.rural_goods_minor))} " + _("to rural cooperatives"),
        f"{len(report.regions)} " + ngettext("region", "regions", len(report.regions)),
    ):
        pdf.paragraph(f"• {line}")

    pdf.heading(_("The cooperatives"))
    shown = report.cooperatives[:MAX_COOPERATIVE_ROWS]
    pdf.grid(
        (_("Cooperative"), _("Region"), _("Goods"), _("Shipping"), _("Kept")),
        [
            (
                c.name(lang) + (" — " + _("led by women") if c.women_led else ""),
                region_name(c.region_code),
                money(c.goods_minor),
                money(c.shipping_minor),
                money(c.received_minor),
            )
            for c in shown
        ],
        (58, 42, 26, 26, 26),
        (False, False, True, True, True),
    )
    if len(report.cooperatives) > len(shown):
        more = len(report.cooperatives) - len(shown)
        pdf.paragraph(
            ngettext(
                "And %(num)d more cooperative: the CSV file lists them all.",
                "And %(num)d more cooperatives: the CSV file lists them all.",
                more,
            ),
            size=9,
            color=MUTED,
        )
    pdf.heading(_("By region"))
    pdf.grid(
        (_("Region"), _("Cooperatives"), _("Goods")),
        [
            (
                region_name(r.region_code),
                str(r.cooperatives),
                money(r.goods_minor),
            )
            for r in report.regions
        ],
        (98, 40, 40),
        (False, True, True),
    )

    coverage = report.coverage
    pdf.heading(_("Food"))
    pdf.paragraph(
        _(
            "Each basket covers %(days)s days of food for a family of %(n)d.",
            days=number(coverage.days, 1),
            n=report.family_size,
        )
    )
    pdf.ln(1)
    pdf.grid(
        (_("Nutrient"), _("In one basket"), _("Days covered"), _("Balance")),
        [
            (
                _("Energy"),
                f"{number(coverage.kcal)} kcal",
                number(coverage.days_energy, 1),
                _("reference"),
            ),
            (
                _("Protein"),
                f"{number(coverage.protein_g)} g",
                number(coverage.days_protein, 1),
                _balance(coverage, "protein"),
            ),
            (
                _("Fat"),
                f"{number(coverage.fat_g)} g",
                number(coverage.days_fat, 1),
                _balance(coverage, "fat"),
            ),
        ],
        (40, 40, 34, 64),
        (False, True, True, False),
    )
    pdf.paragraph(
        _(
            "Targets per person per day (Sphere, WFP): 2,100 kcal, 10 %% of energy from "
            "protein, 17 %% from fat. This basket: %(protein)s %% of energy from protein, "
            "%(fat)s %% from fat.",
            protein=number(coverage.protein_energy_share * 100),
            fat=number(coverage.fat_energy_share * 100),
        )
        + " "
        + _("Nutrition values: USDA SR26 (public domain)."),
        size=8,
        color=MUTED,
    )
    return bytes(pdf.output())
