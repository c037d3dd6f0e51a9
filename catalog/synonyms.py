"""Synonyms and transliterations, applied to queries (never to the index).

The curated list is ``catalog/data/synonyms.txt``, versioned with the code: one group
per line, words or phrases that name the same product separated by commas — Darija in
Latin letters and Arabizi digits (l3sel, zerbia, zitoun), and the French, Arabic and
English names of the same thing. Operators add groups from the console
(:class:`catalog.models.SearchSynonym`); both are merged by :func:`load`.

A query word (or phrase, up to :data:`MAX_PHRASE` words) found in a group also matches
the stems of every other member of the group. Words are compared by their first stem
(:func:`catalog.text.token_stems`), so "العسل" finds the group of "عسل" and "rugs" the
group of "rug".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidInput
from catalog.models import SearchSynonym
from catalog.text import token_stems, tokens

CURATED = Path(__file__).parent / "data" / "synonyms.txt"
MAX_PHRASE = 3
#: a group has at most this many members, an operator's entry this many characters
MAX_MEMBERS = 30
MAX_TERMS_LENGTH = 1_000

Phrase = tuple[str, ...]  # surface tokens (catalog.text.tokens)


def key(phrase: Sequence[str]) -> Phrase:
    """What two phrases are compared by: each word's first stem."""
    return tuple(token_stems(t)[0] for t in phrase)


@dataclass(frozen=True)
class Synonyms:
    """Groups of equivalent phrases, indexed for query expansion."""

    version: str
    groups: tuple[tuple[Phrase, ...], ...]
    _index: dict[Phrase, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, version: str, groups: Iterable[Iterable[str]]) -> Synonyms:
        """Groups of raw phrases ("zit l'argan", "زيت أركان"...) normalised and indexed."""
        kept: list[tuple[Phrase, ...]] = []
        index: dict[Phrase, list[int]] = {}
        for group in groups:
            phrases = tuple(
                dict.fromkeys(p for p in (tuple(tokens(raw))[:MAX_PHRASE] for raw in group) if p)
            )
            if len(phrases) < 2:
                continue
            for phrase in phrases:
                index.setdefault(key(phrase), []).append(len(kept))
            kept.append(phrases)
        return cls(version, tuple(kept), {k: tuple(v) for k, v in index.items()})

    def match(self, words: Sequence[str], start: int) -> tuple[int, list[Phrase]]:
        """The longest phrase of a group starting at ``words[start]``: how many words it
        covers and the other members of its groups (empty when none matches)."""
        for length in range(min(MAX_PHRASE, len(words) - start), 0, -1):
            span = tuple(words[start : start + length])
            found = self._index.get(key(span))
            if found:
                own = key(span)
                others = [phrase for g in found for phrase in self.groups[g] if key(phrase) != own]
                return length, list(dict.fromkeys(others))
        return 0, []

    def merged(self, version: str, groups: Iterable[Iterable[str]]) -> Synonyms:
        raw = [[" ".join(p) for p in g] for g in self.groups]
        return Synonyms.build(version, [*raw, *groups])


def parse_line(line: str) -> list[str]:
    """The members of one group written as "a, b, c"."""
    return [part.strip() for part in line.split(",") if part.strip()]


def read(path: Path = CURATED) -> tuple[str, list[list[str]]]:
    """The version and the groups of a synonym file."""
    version, groups = "", []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("# version:"):
            version = line.removeprefix("# version:").strip()
        if not line or line.startswith("#"):
            continue
        groups.append(parse_line(line))
    return version, groups


@lru_cache(maxsize=1)
def curated() -> Synonyms:
    """The versioned file's groups."""
    version, groups = read()
    return Synonyms.build(version, groups)


def load(session: Session) -> Synonyms:
    """The curated groups plus the operators' (one query)."""
    extra = [parse_line(s.terms) for s in session.scalars(select(SearchSynonym))]
    base = curated()
    return base.merged(f"{base.version}+{len(extra)}", extra) if extra else base


def validate(terms: str) -> list[str]:
    """The members of an operator's group, or :class:`InvalidInput`."""
    members = parse_line(terms)
    usable = {tuple(tokens(m)) for m in members} - {()}
    if len(terms) > MAX_TERMS_LENGTH:
        raise InvalidInput([FieldProblem("terms", "too_long", {"max": MAX_TERMS_LENGTH})])
    if len(usable) < 2:
        raise InvalidInput([FieldProblem("terms", "synonyms_too_few")])
    if len(members) > MAX_MEMBERS:
        raise InvalidInput([FieldProblem("terms", "synonyms_too_many", {"max": MAX_MEMBERS})])
    return members


def add(session: Session, terms: str, *, actor: Actor, now: datetime) -> SearchSynonym:
    """Add an operator's group ("zrabi, tapis, rug"), in the audit log too. Flushes."""
    members = validate(terms)
    entry = SearchSynonym(terms=", ".join(members), created_by_id=actor.id, created_at=now)
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        "search_synonym.create",
        object_type="search_synonym",
        object_id=entry.id,
        now=now,
        details={"terms": entry.terms},
    )
    return entry


def remove(session: Session, synonym_id: int, *, actor: Actor, now: datetime) -> bool:
    """Delete an operator's group (logged); False when there is none with that id."""
    entry = session.get(SearchSynonym, synonym_id)
    if entry is None:
        return False
    audit.record(
        session,
        actor,
        "search_synonym.delete",
        object_type="search_synonym",
        object_id=entry.id,
        now=now,
        details={"terms": entry.terms},
    )
    session.delete(entry)
    session.flush()
    return True
