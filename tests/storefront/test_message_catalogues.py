"""One sentence for each library code: the organisation pages' catalogue adds the
basket library's codes to the shared one, and words otherwise only the few codes
whose shared sentence would be wrong for an organisation."""

from __future__ import annotations

import pytest

from storefront import messages as shared
from storefront.ngo import messages as ngo

pytestmark = pytest.mark.usefixtures("english_pages")

#: said otherwise on the organisation's pages (the reasons are in storefront.ngo.messages)
OWN_WORDS = {"unknown_category", "unknown_product", "empty", "too_many_rows"}


def test_every_shared_code_has_one_sentence_but_the_organisations_own_words() -> None:
    worded_again = {
        code
        for code, text in ngo.MESSAGES.items()
        if code in shared.MESSAGES and text is not shared.MESSAGES[code]
    }
    assert worded_again == OWN_WORDS
    assert set(shared.MESSAGES) <= set(ngo.MESSAGES)


def test_a_sentence_writes_its_amounts_and_large_numbers_for_the_reader(app) -> None:
    with app.test_request_context("/"):
        assert (
            ngo.message("out_of_range", {"min_minor": 1, "max_minor": 10_000_000})
            == "Enter a number from 0.01\u00a0MAD to 100,000.00\u00a0MAD."
        )
        assert ngo.message("out_of_range", {"min": 1, "max": 2_000_000}) == (
            "Enter a number from 1 to 2,000,000."
        )
        # years and other short numbers stay as they are
        assert shared.message("out_of_range", {"min": 1900, "max": 2026}) == (
            "Enter a number from 1900 to 2026."
        )
        assert ngo.message("unsupported_type", {"allowed": ["XLSX", "CSV"]}) == (
            "This kind of file is not accepted. Accepted: XLSX, CSV."
        )
