"""What a person reads on a page, and what in it is raw: enum values, ``_minor`` amounts,
snake_case field names, numbers not formatted by the page's language."""

from __future__ import annotations

import enum
import importlib
import re
from html.parser import HTMLParser

#: elements whose text is not read as prose (scripts, styles) or is code the person types
#: (CSV column names in the import help are what the file must contain)
SKIPPED = {"script", "style", "template", "code", "kbd", "samp", "pre", "textarea", "noscript"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
#: attributes a person reads (or hears)
READ_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label")
ENUM_MODULES = (
    "catalog.models",
    "catalog.csv_io",
    "catalog.notifications.outbox",
    "catalog.accounts.users",
    "orders.ledger",
    "orders.desk",
    "orders.shipping",
    "orders.payments.base",
    "orders.status",
    "solidarity_baskets.models",
)


def raw_enum_values() -> frozenset[str]:
    """Every stored code of the program's string enums ("open", "amana", "ammps"...)."""
    values: set[str] = set()
    for name in ENUM_MODULES:
        module = importlib.import_module(name)
        for item in vars(module).values():
            if (
                isinstance(item, type)
                and issubclass(item, enum.StrEnum)
                and item is not enum.StrEnum
            ):
                values.update(str(member.value) for member in item)
    from orders import carriers

    values.update(carriers.CARRIERS)
    return frozenset(v for v in values if re.fullmatch(r"[a-z][a-z0-9_]+", v))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.chunks: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skip = (
            tag in SKIPPED
            or found.get("translate") == "no"
            # identifiers (order numbers, phones, ICE, SKUs) are isolated left to right
            or (tag == "bdi" and found.get("dir") == "ltr")
            or "hidden" in found
            # the import help names the file's columns and codes, typed as written
            or "data-file-columns" in found
        )
        if not self._skipping() and not skip:
            self.chunks.extend(v for k in READ_ATTRIBUTES if (v := found.get(k)))
            if tag == "input" and found.get("type") in ("submit", "button"):
                self.chunks.append(found.get("value") or "")
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.chunks.append(data)


def visible_text(html: str) -> list[str]:
    """The page's text nodes and read attributes, in order, without code and identifiers."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return [" ".join(chunk.split()) for chunk in parser.chunks]


#: an internal reference such as "order:TW-3D5-DXT"
PREFIXED_REFERENCE = re.compile(r"\b[a-z]+:[A-Z0-9]")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
ISO_MONTH = re.compile(r"\b(?:19|20)\d\d-[01]\d\b")
#: four digits or more in a row, not inside an identifier (SKU-0001, CB123456789MA)
LONG_NUMBER = re.compile(r"(?<![\w\u202f\u00a0.,'/-])\d{4,}(?![\w/-])")
#: names that contain digits and dots by nature: a licence, a standard
PROPER_NAMES = re.compile(r"CC BY \d\.\d|NM/ST [\d.]+")
DOT_DECIMAL = {
    "fr": re.compile(r"\d\.\d"),
    # in Arabic (ar_MA) the dot groups thousands: a dot followed by one or two digits is a
    # decimal point, by three it is a group
    "ar": re.compile(r"\d\.(?:\d{1,2}|\d{4,})(?!\d)"),
}
ARABIC = "\u0600-\u06ff"
#: a comma written against a word and followed by Arabic (a comma between spaces is the
#: character itself, as in "; or ,")
LATIN_COMMA_IN_ARABIC = re.compile(r"(?:^|[^\s\d]),(?:\s|$)")
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
WRONG_MARK = {"en": re.compile(r"\bDH\b"), "fr": re.compile(r"\bMAD\b")}
#: a French count above one before a singular participle ("7 refusé"), or one before a
#: plural noun ending in -ats/-és ("1 certificats")
FRENCH_PLURALS = re.compile(r"\b(?:[2-9]|\d{2,})\s[a-zé]+é\b|\b1\s[a-zé]+(?:ats|és|ées)\b")


#: a quantity written with a Latin unit symbol (Arabic pages write غ, كلغ, مل...)
LATIN_UNIT = re.compile(r"\d\s*(?:kcal|kg|g|ml|cl|l)\b")
#: the Arabic currency mark's own full stop, then the sentence's ("20,00 د.م..")
DOUBLE_STOP = re.compile(r"د\.م\.(?:\s*</bdi>)?\s*\.")


def _year(number: str) -> bool:
    return len(number) == 4 and 1900 <= int(number) <= 2100


def raw_values(html: str, lang: str, enums: frozenset[str] | None = None) -> list[str]:
    """What a person should never read on a page in ``lang``, one line per finding."""
    enums = raw_enum_values() if enums is None else enums
    found: list[str] = []
    if lang == "ar":
        found += [f"two full stops: {m.group()!r}" for m in DOUBLE_STOP.finditer(html)]
    chunks = visible_text(html)
    # a count and its word often sit in different elements: <strong>7</strong> refusé
    for match in FRENCH_PLURALS.finditer(" ".join(chunks)) if lang == "fr" else ():
        found.append(f"a count disagreeing with its word: {match.group()!r}")
    for chunk in (PROPER_NAMES.sub("", c) for c in chunks):
        bare = chunk.strip(" :;,.()[]·—-#")
        problems = []
        if "_minor" in chunk:
            problems.append("an amount field name")
        if PREFIXED_REFERENCE.search(chunk):
            problems.append("an internal reference")
        if SNAKE.search(chunk):
            problems.append("a snake_case name")
        # (in English a code can be the right word: "sent", "other")
        if lang != "en" and bare in enums:
            problems.append("a raw enum value")
        if ISO_MONTH.search(chunk):
            problems.append("an ISO date or month")
        if any(not _year(n) for n in LONG_NUMBER.findall(chunk)):
            problems.append("a number without grouping")
        if lang in DOT_DECIMAL and DOT_DECIMAL[lang].search(chunk):
            problems.append("a dot decimal")
        if lang == "ar" and ARABIC_LETTER.search(chunk) and LATIN_COMMA_IN_ARABIC.search(chunk):
            problems.append("a Latin comma in Arabic")
        if lang == "ar" and LATIN_UNIT.search(chunk):
            problems.append("a Latin unit symbol in Arabic")
        if lang in WRONG_MARK and WRONG_MARK[lang].search(chunk):
            problems.append("the other language's currency mark")
        found.extend(f"{problem}: {chunk!r}" for problem in problems)
    return found
