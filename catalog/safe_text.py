"""What text a person may store: one check shared by the forms, the API, CSV rows and
the libraries, so a name typed anywhere is judged the same way.

Refused everywhere:

- control characters (tab, carriage return, escape, NUL, C1 controls …): a carriage
  return in a cooperative name reached e-mail subjects; a tab in a hub name was hidden;
- bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
  U+202E reverses the text after it, page titles included. The marks that Arabic text
  legitimately uses (U+200E, U+200F, U+061C) and joiners (U+200C, U+200D) stay allowed;
- line and paragraph separators (U+2028, U+2029), and line breaks in one-line fields.

Multi-line fields (descriptions, stories, notes) accept ``\\n``; ``\\r\\n`` from a
browser's text area is normalised to ``\\n`` first (:func:`normalise_newlines`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from catalog.errors import FieldProblem

#: Codes of :class:`~catalog.errors.FieldProblem` this module reports.
LINE_BREAK = "line_break"
CONTROL_CHARACTER = "control_character"
BIDI_CONTROL = "bidi_control"

_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\n\r\u2028\u2029\x0b\x0c\x1c-\x1e\x85]")


def normalise_newlines(value: str) -> str:
    """Text-area input as stored: ``\\r\\n`` and lone ``\\r`` become ``\\n``."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """None when ``value`` may be stored, else the code of what is wrong with it."""
    if value.isprintable():  # the common case: no control, format or separator at all
        return None
    if _BIDI.search(value):
        return BIDI_CONTROL
    rest = value.replace("\n", "") if multiline else value
    if not multiline and _LINE_BREAKS.search(rest):
        return LINE_BREAK
    for ch in rest:
        category = unicodedata.category(ch)
        if category == "Cc" or ch in "\u2028\u2029":
            return CONTROL_CHARACTER
    return None


def text_problems(
    values: Mapping[str, object], *, multiline: Iterable[str] = ()
) -> list[FieldProblem]:
    """A problem for each text value of ``values`` (field name → value) that may not be
    stored; ``multiline`` names the fields that may hold line breaks."""
    several = set(multiline)
    found = []
    for name, value in values.items():
        if isinstance(value, str):
            code = text_problem(value, multiline=name in several)
            if code is not None:
                found.append(FieldProblem(name, code))
    return found


def is_header_safe(value: str) -> bool:
    """Whether ``value`` may go into an e-mail header (subject, name, address)."""
    return text_problem(value) is None
