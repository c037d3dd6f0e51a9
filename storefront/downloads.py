"""Tables people download (an organisation's quote plan and impact report, a
cooperative's sales and statement), as a real .xlsx workbook or as CSV, with the column
names and yes/no words in the reader's language. The CSV opens right in Excel: a UTF-8
byte-order mark, and in French and Arabic ``;`` between cells and ``,`` before
decimals, as Excel set to those languages expects."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.spreadsheet import Cell, write_csv, write_xlsx
from storefront.i18n import current_language

FORMATS = ("csv", "xlsx")

COLUMNS = {
    "cooperative_id": _l("Cooperative no."),
    "cooperative": _l("Cooperative"),
    "region_code": _l("Region code"),
    "women_led": _l("Led by women"),
    "line": _l("Basket line"),
    "product": _l("Product"),
    "destination": _l("Distribution point"),
    "units": _l("Units"),
    "goods_mad": _l("Products (MAD)"),
    "shipping_mad": _l("Shipping (MAD)"),
    "ship_by": _l("Leaves by"),
    "section": _l("Section"),
    "code": _l("Code"),
    "name": _l("Name"),
    "rural": _l("Rural"),
    "baskets": _l("Baskets ordered"),
    "baskets_received": _l("Baskets received"),
    "commission_mad": _l("Commission (MAD)"),
    "received_mad": _l("Kept by the cooperatives (MAD)"),
    "month": _l("Month"),
    "parcels": _l("Parcels"),
    "net_mad": _l("Net (MAD)"),
    "sku": _l("SKU"),
    "title_fr": _l("Name in French"),
    "title_ar": _l("Name in Arabic"),
    "date": _l("Date"),
    "entry": _l("Entry"),
    "reference": _l("Reference"),
    "amount_mad": _l("Amount (MAD)"),
}

SECTIONS = {
    "summary": _l("Total"),
    "point": _l("Distribution point"),
    "cooperative": _l("Cooperative"),
    "region": _l("Region"),
}


def _words(value: Cell | bool, column: str) -> Cell:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if column == "section" and isinstance(value, str) and value in SECTIONS:
        return str(SECTIONS[value])
    return value


def table(
    name: str, fmt: str, keys: Sequence[str], rows: Sequence[Sequence[Cell | bool]], *, title: str
) -> Response:
    """The download ``<name>.<fmt>`` of ``rows`` under the columns ``keys``."""
    header = [str(COLUMNS.get(k, k)) for k in keys]
    cells = [[_words(v, k) for v, k in zip(row, keys, strict=True)] for row in rows]
    if fmt == "xlsx":
        body: bytes = write_xlsx(header, cells, title=title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        latin_comma = current_language() == "en"
        text = write_csv(
            header,
            cells,
            delimiter="," if latin_comma else ";",
            decimal_comma=not latin_comma,
        )
        body = text.encode("utf-8-sig")
        mimetype = "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
