"""Long tables on a 360 px phone: each row a block, each cell named by its column in the
reader's language, the name at the start side (the right in Arabic), the buttons in a row
thumb-sized and its inputs as wide as their cell."""

from __future__ import annotations

import pytest

from storefront.demo.orders import OPERATOR_EMAIL
from tests.browser import conftest
from tests.browser.support import login

pytestmark = pytest.mark.browser

#: Each cell as the phone shows it: its box, its label (the ::before content), the side its
#: label column is on, and the controls inside it.
CELLS_JS = """table => [...table.querySelectorAll("tbody tr")].slice(0, 3).map(tr =>
    [...tr.children].map(cell => {
        const style = getComputedStyle(cell), box = cell.getBoundingClientRect();
        const inner = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return {
            label: getComputedStyle(cell, "::before").content,
            left: parseFloat(style.paddingLeft), right: parseFloat(style.paddingRight),
            x: box.x, width: box.width, inner: inner,
            inputs: [...cell.querySelectorAll("input:not([type=hidden])")].map(
                i => i.getBoundingClientRect().width),
            buttons: [...cell.querySelectorAll("button")].map(b => {
                const r = b.getBoundingClientRect();
                return {height: r.height, x: r.x, right: r.right};
            }),
        };
    }))"""


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_consoles_products_stack_with_labelled_cells_wide_inputs_and_big_buttons(
    lang, live_server, open_context, shots
):
    page = open_context(lang).new_page()
    login(page, OPERATOR_EMAIL)
    page.goto("/admin/products")
    table = page.locator("main table.stack")
    assert table.count() == 1
    assert table.locator("thead").bounding_box()["height"] <= 1  # for screen readers only
    labels = [
        f'"{live_server.text(lang, name)}"' for name in ("Product", "Price", "Status", "Decision")
    ]
    rows = table.evaluate(CELLS_JS)
    assert len(rows) >= 2
    for cells in rows:
        picture, *named = cells
        assert picture["label"] == "none"  # the picture has no column name to show
        assert [cell["label"] for cell in named] == labels
        for cell in cells:  # one cell a line, the phone's width
            assert 0 <= cell["x"] and cell["x"] + cell["width"] <= conftest.PHONE["width"]
        for cell in named:  # the name's column is at the start: left in French, right in Arabic
            start, end = (
                (cell["right"], cell["left"]) if lang == "ar" else (cell["left"], cell["right"])
            )
            assert start > 100 and end < 10, cell
        decision = named[-1]
        assert decision["buttons"] and all(b["height"] >= 44 for b in decision["buttons"])
        assert all(width >= decision["inner"] - 1 for width in decision["inputs"]), decision
    shots(page, f"console-products-{lang}")
