"""The donors' impact report as a PDF: the figures of
:func:`solidarity_baskets.impact.impact_report` on A4 pages in the reader's language
(French, English, or Arabic right to left), money and dates formatted as on the HTML page.

The first page is the one an organisation sends its donors: the headline figures
(families reached, people fed, cooperatives paid and what they kept, the women-led and
rural shares) and a bar chart of the baskets ordered and received per region (Morocco
has twelve regions: the chart always fits). The full tables follow from the second
page. A figure is never cut across two lines: table columns of numbers and money are
as wide as their widest value, and a headline figure shrinks its type to fit its box.

fpdf2 writes the PDF and harfbuzz (uharfbuzz) shapes the text, so Arabic letters join
and lines run right to left with numbers and Latin names kept in order. One font,
DejaVu Sans (``static/fonts``, with its licence), has both the Latin and the Arabic
glyphs; the PDF embeds only the glyphs it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from solidarity_baskets.impact import ImpactReport
from solidarity_baskets.nutrition import Coverage
from storefront.filters import local_date, local_datetime, money_text, number, percent
from storefront.filters import numbered_gettext as _
from storefront.filters import numbered_ngettext as ngettext
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
ORDERED_FILL = (230, 216, 191)  # the bars' colours, as on the HTML page
LINE = 5.5  # mm per line of body text
TABLE_SIZE = 9  # pt
CELL_PAD = 1.5  # mm either side of a table cell's text


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
        self.set_font(FAMILY, size=TABLE_SIZE)
        widths = self.fitted(headings, rows, widths, numeric)
        order = list(reversed(range(len(widths)))) if self.rtl else list(range(len(widths)))
        align = tuple(self.end if numeric[i] else self.start for i in order)
        with self.table(
            width=sum(widths),
            col_widths=tuple(widths[i] for i in order),
            text_align=align,
            first_row_as_headings=headings is not None,
            headings_style=FontFace(emphasis="", fill_color=HEAD_FILL),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=LINE,
            padding=(1, CELL_PAD),
        ) as table:
            for cells in ([headings] if headings is not None else []) + list(rows):
                row = table.row()
                for i in order:
                    row.cell(cells[i])
        self.ln(2)

    def fitted(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        numeric: Sequence[bool],
    ) -> list[float]:
        """``widths`` (mm, adding up to the page's width) with every column of numbers
        or money at least as wide as its widest value and its heading's longest word;
        the columns of text share what is left, each kept as wide as its longest word
        while the room allows (they wrap between words)."""
        need = list(widths)
        smallest = list(widths)
        for i, is_number in enumerate(numeric):
            texts = [row[i] for row in rows]
            if not is_number:
                texts = [word for text in texts for word in text.split()]
            if headings is not None:
                texts += headings[i].split()
            widest = max((self.get_string_width(t) for t in texts), default=0.0)
            smallest[i] = widest + 2 * CELL_PAD + 1
            if is_number:
                need[i] = max(need[i], smallest[i])
        extra = sum(need) - sum(widths)
        text_columns = [i for i, is_number in enumerate(numeric) if not is_number]
        slack = {i: max(0.0, need[i] - smallest[i]) for i in text_columns}
        room = sum(slack.values())
        if 0 < extra <= room:
            for i in text_columns:
                need[i] -= extra * slack[i] / room
        elif extra > 0:  # not even the longest words fit: share the loss
            total = sum(need[i] for i in text_columns)
            for i in text_columns:
                need[i] -= extra * need[i] / total
        return need

    def lines_of(self, text: str, width: float) -> int:
        """How many lines ``text`` takes in the current font on ``width`` mm."""
        lines = self.multi_cell(width, 4, text, dry_run=True, output=MethodReturnValue.LINES)
        assert isinstance(lines, list)
        return len(lines)

    def box(self, x: float, y: float, w: float, h: float, fill: tuple[int, int, int]) -> None:
        """A filled rectangle, the fill colour not kept for what follows (tables)."""
        with self.local_context(fill_color=fill):
            self.rect(x, y, w, h, style="F")

    def fit(self, text: str, width: float, size: float, smallest: float) -> float:
        """The largest type size up to ``size`` at which ``text`` fits on one line of
        ``width`` mm (never below ``smallest``)."""
        self.set_font(FAMILY, size=size)
        wide = self.get_string_width(text)
        if wide <= width:
            return size
        return max(smallest, size * width / wide)

    def tiles(self, items: Sequence[tuple[str, str]], columns: int = 3) -> None:
        """Headline figures in boxes, ``columns`` a row from the reading start: each a
        large figure on one line and what it counts below it."""
        gap, pad, label_size = 4.0, 3.0, 8.5
        width = (self.epw - gap * (columns - 1)) / columns
        inner = width - 2 * pad
        for first in range(0, len(items), columns):
            row = items[first : first + columns]
            self.set_font(FAMILY, size=label_size)
            lines = max(self.lines_of(label, inner) for _, label in row)
            height = 2 * pad + 9 + 4 * lines
            top = self.get_y()
            for rank, (figure, label) in enumerate(row):
                column = columns - 1 - rank if self.rtl else rank
                x = self.l_margin + column * (width + gap)
                self.box(x, top, width, height, HEAD_FILL)
                self.set_text_color(*ACCENT)
                self.set_font(FAMILY, size=self.fit(figure, inner, 20, 9))
                self.set_xy(x + pad, top + pad)
                self.cell(inner, 8, figure, align=self.start)
                self.set_text_color(*INK)
                self.set_font(FAMILY, size=label_size)
                self.set_xy(x + pad, top + pad + 9)
                self.multi_cell(inner, 4, label, align=self.start)
            self.set_xy(self.l_margin, top + height + gap)

    def chart(self, caption: str, legend: tuple[str, str], bars: Sequence[ChartBar]) -> None:
        """Horizontal bars, one per row: the name at the reading start, the bar of what
        was ordered with the bar of what was received inside it, and the figures at the
        end; bars grow from the reading start (from the right in Arabic)."""
        name_w, figures_w, gap, row_h = 48.0, 44.0, 3.0, 7.0
        bar_w = self.epw - name_w - figures_w - 2 * gap
        most = max((b.ordered for b in bars), default=0)
        left, right = self.l_margin, self.l_margin + self.epw
        self.paragraph(caption, size=11)
        # legend: a swatch and its word, twice
        self.set_font(FAMILY, size=8.5)
        y = self.get_y() + 1
        x = right if self.rtl else left
        for fill, word in zip((ORDERED_FILL, ACCENT), legend, strict=True):
            word_w = self.get_string_width(word) + 1
            box_x = x - 3.5 if self.rtl else x
            self.box(box_x, y + 0.75, 3.5, 3.5, fill)
            text_x = box_x - 1 - word_w if self.rtl else x + 4.5
            self.set_xy(text_x, y)
            self.cell(word_w, 5, word, align=self.start)
            x = text_x - 4 if self.rtl else text_x + word_w + 4
        y += 7
        for bar in bars:
            name_x = right - name_w if self.rtl else left
            figures_x = left if self.rtl else right - figures_w
            self.set_font(FAMILY, size=self.fit(bar.name, name_w, 9, 6.5))
            self.set_xy(name_x, y)
            self.cell(name_w, row_h, bar.name, align=self.start)
            self.set_text_color(*MUTED)
            self.set_font(FAMILY, size=self.fit(bar.figures, figures_w, 8.5, 6.5))
            self.set_xy(figures_x, y)
            self.cell(figures_w, row_h, bar.figures, align=self.end)
            self.set_text_color(*INK)
            for fill, value, height in (
                (ORDERED_FILL, bar.ordered, 5.0),
                (ACCENT, bar.received, 2.5),
            ):
                length = bar_w * value / most if most else 0.0
                if length <= 0:
                    continue
                start = (right - name_w - gap - length) if self.rtl else (left + name_w + gap)
                self.box(start, y + (row_h - height) / 2, length, height, fill)
            y += row_h
        self.set_xy(self.l_margin, y + 2)


@dataclass(frozen=True, slots=True)
class ChartBar:
    name: str
    figures: str
    ordered: int
    received: int


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
    pdf.paragraph(
        _(
            "%(organisation)s, solidarity baskets from Morocco's cooperatives, "
            "delivered by %(date)s.",
            organisation=organisation,
            date=local_date(report.deliver_by),
        ),
        size=12,
    )
    pdf.paragraph(
        _("Figures as of %(date)s", date=local_datetime(now, "short")), size=8, color=MUTED
    )

    # -- the page for the donors -------------------------------------------------------
    pdf.heading(_("In short"))
    cooperatives = len(report.cooperatives)
    kept_share = percent(report.share(report.to_cooperatives_minor, report.total_minor), 1)
    pdf.tiles(
        (
            (
                number(report.families_reached),
                ngettext("family reached", "families reached", report.families_reached),
            ),
            (
                number(report.people_reached),
                ngettext(
                    "person fed, at %(n)d per family",
                    "people fed, at %(n)d per family",
                    report.people_reached,
                    n=report.family_size,
                ),
            ),
            (
                number(cooperatives),
                ngettext("cooperative paid", "cooperatives paid", cooperatives),
            ),
            (
                money(report.to_cooperatives_minor),
                _("kept by the cooperatives (%(share)s of the order)", share=kept_share),
            ),
            (
                percent(report.share(report.women_led_goods_minor)),
                _("of the products bought from women-led cooperatives"),
            ),
            (
                percent(report.share(report.rural_goods_minor)),
                _("of the products bought from rural cooperatives"),
            ),
        )
    )
    by_region = report.baskets_by_region
    pdf.chart(
        _("Baskets ordered and received per region"),
        (_("ordered"), _("received")),
        [
            ChartBar(
                region_name(r.region_code),
                _(
                    "%(received)s received of %(ordered)s",
                    received=number(r.baskets_received),
                    ordered=number(r.baskets),
                ),
                r.baskets,
                r.baskets_received,
            )
            for r in by_region
        ],
    )

    pdf.paragraph(
        " · ".join(
            (
                f"{money(report.total_minor)} " + _("for the whole order"),
                f"{money(report.cost_per_basket_minor)} " + _("per basket"),
                _(
                    "Each basket covers %(days)s days of food for a family of %(n)d.",
                    days=number(report.coverage.days, 1),
                    n=report.family_size,
                ),
            )
        ),
        size=9,
        color=MUTED,
    )

    # -- the full tables ---------------------------------------------------------------
    pdf.add_page()
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

    pdf.heading(_("Baskets per region"))
    pdf.grid(
        (_("Region"), _("Distribution points"), _("Ordered"), _("Received")),
        [
            (
                region_name(r.region_code),
                number(r.points),
                number(r.baskets),
                number(r.baskets_received),
            )
            for r in by_region
        ],
        (82, 40, 28, 28),
        (False, True, True, True),
    )

    pdf.heading(_("Where the money goes"))
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
    for line in (
        f"{number(cooperatives)} "
        + ngettext("cooperative paid", "cooperatives paid", cooperatives),
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
                number(r.cooperatives),
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
                f"{number(coverage.kcal)}\u00a0{_('kcal')}",
                number(coverage.days_energy, 1),
                _("reference"),
            ),
            (
                _("Protein"),
                f"{number(coverage.protein_g)}\u00a0{_('g')}",
                number(coverage.days_protein, 1),
                _balance(coverage, "protein"),
            ),
            (
                _("Fat"),
                f"{number(coverage.fat_g)}\u00a0{_('g')}",
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
