"""One way to page a long list on a page: the page asked for in ``?page=``, where it
starts, how many pages there are, and :func:`paginate` to read one page of a query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select

from storefront.extensions import db

#: a page number beyond this is a typo or a probe, not a person paging
MAX_PAGE = 100_000


def page_number() -> int:
    """The page asked for: 1 when missing or not a whole number, within bounds."""
    try:
        return max(1, min(int(request.args.get("page", 1)), MAX_PAGE))
    except ValueError:
        return 1


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill (at least one, even when empty)."""
    return max(1, -(-total // per_page))


def offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


@dataclass(frozen=True)
class Paged:
    """One page of rows, its number, the number of pages and of rows."""

    items: list[Any]
    page: int
    pages: int
    total: int
    per_page: int

    def envelope(self, items: list[Any]) -> dict[str, Any]:
        """The API's page: ``items`` (the rows as JSON) and where they stand."""
        return {
            "items": items,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
        }


def paginate(
    stmt: Select[Any], count: Select[Any], per_page: int, *, page: int | None = None
) -> Paged:
    """One page of ``stmt`` (ordered by the caller): ``page``, or the one asked for in
    the query string; ``count`` counts every row of the list."""
    page = page_number() if page is None else page
    total = int(db.session.scalar(count) or 0)
    items = list(db.session.scalars(stmt.offset(offset(page, per_page)).limit(per_page)))
    return Paged(items, page, page_count(total, per_page), total, per_page)
