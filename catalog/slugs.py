"""URL slugs for cooperatives and products: ASCII, lower case, unique."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
#: IN lists are sent in chunks of this size (well under every database's limit)
CHUNK = 500


def slugify(text: str, *, max_length: int = 80, fallback: str = "item") -> str:
    """``"Huile d'argan — 250 ml"`` → ``"huile-d-argan-250-ml"``. Non-Latin text (Arabic)
    has no ASCII form: it gives ``fallback``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = _NOT_SLUG.sub("-", folded).strip("-")[:max_length].strip("-")
    return slug or fallback


def unique_slugs(
    session: Session, column: InstrumentedAttribute[str], wanted: Sequence[str]
) -> list[str]:
    """Make each of ``wanted`` unique among themselves and against ``column`` in the
    database, adding ``-2``, ``-3``… where needed. One query per :data:`CHUNK` slugs."""
    taken: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = list(dict.fromkeys(wanted[start : start + CHUNK]))
        taken.update(session.scalars(select(column).where(column.in_(chunk))))
    result: list[str] = []
    probed: set[str] = set()
    for slug in wanted:
        if slug in taken and slug not in probed:
            # a clash: learn this stem's numbered variants in one more query
            probed.add(slug)
            taken.update(
                session.scalars(
                    select(column).where(column.startswith(f"{slug}-", autoescape=True))
                )
            )
        candidate, n = slug, 1
        while candidate in taken:
            n += 1
            candidate = f"{slug}-{n}"
        taken.add(candidate)
        result.append(candidate)
    return result


def unique_slug(session: Session, column: InstrumentedAttribute[str], wanted: str) -> str:
    return unique_slugs(session, column, [wanted])[0]
