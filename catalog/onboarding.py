"""A cooperative joins the marketplace: registration, its profile, and invitations
to its members.

A registered cooperative is *pending* until the operator verifies it
(:mod:`catalog.moderation`); until then its listings exist but are not sold. The
identity the operator checked — names, registration number and court, ICE — is locked
once verified.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import audit, claims, regions
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidIdentifier, InvalidInput, InvalidState, NotFound
from catalog.identifiers import clean_ice, clean_phone
from catalog.models import Cooperative, CooperativeInvitation, CooperativeStatus, Sector
from catalog.rules import cooperative_changed
from catalog.safe_text import text_problems
from catalog.slugs import slugify, unique_slug

INVITATION_TTL = timedelta(days=7)
#: fields the operator verifies; a verified cooperative cannot change them itself
IDENTITY_FIELDS = ("name_fr", "name_ar", "registration_number", "registration_court", "ice")
MAX_MEMBERS = 100_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class CooperativeProfile:
    """What a cooperative says about itself when it registers or edits its profile."""

    name_fr: str
    registration_number: str
    registration_court: str
    ice: str
    region_code: str
    province_code: str
    name_ar: str = ""
    city: str = ""
    rural: bool = True
    women_led: bool = False
    members: int = 0
    women_members: int = 0
    sector: str = Sector.AGRICULTURE.value
    founded_year: int | None = None
    story_fr: str = ""
    story_ar: str = ""
    story_en: str = ""
    phone: str = ""
    email: str = ""


_LENGTHS = {
    "name_fr": 200,
    "name_ar": 200,
    "registration_number": 60,
    "registration_court": 120,
    "city": 120,
    "email": 200,
    "story_fr": 5000,
    "story_ar": 5000,
    "story_en": 5000,
}


def check_profile(
    session: Session, profile: CooperativeProfile, *, this_year: int, exclude_id: int | None = None
) -> tuple[CooperativeProfile, list[FieldProblem]]:
    """Validate ``profile``; return it cleaned (ICE compact, phone in E.164) and every
    problem found. ``exclude_id`` is the cooperative being edited (its own ICE is fine)."""
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {
        k: v.strip() if isinstance(v, str) else v for k, v in asdict(profile).items()
    }
    for name in ("name_fr", "registration_number", "registration_court", "ice"):
        if not values[name]:
            problems.append(FieldProblem(name, "required"))
    for name, limit in _LENGTHS.items():
        if len(values[name]) > limit:
            problems.append(FieldProblem(name, "too_long", {"max": limit}))
    problems += text_problems(values, multiline=("story_fr", "story_ar", "story_en"))
    if values["ice"]:
        try:
            values["ice"] = clean_ice(values["ice"])
        except InvalidIdentifier as exc:
            problems.append(FieldProblem("ice", exc.code))
        else:
            clash = select(Cooperative.id).where(Cooperative.ice == values["ice"])
            if exclude_id is not None:
                clash = clash.where(Cooperative.id != exclude_id)
            if session.scalar(clash.limit(1)) is not None:
                problems.append(FieldProblem("ice", "ice_taken"))
    if regions.region(values["region_code"]) is None:
        problems.append(FieldProblem("region_code", "unknown_region"))
    elif not regions.is_valid_pair(values["region_code"], values["province_code"]):
        problems.append(FieldProblem("province_code", "province_not_in_region"))
    if not 0 <= values["members"] <= MAX_MEMBERS:
        problems.append(FieldProblem("members", "out_of_range", {"min": 0, "max": MAX_MEMBERS}))
    if not 0 <= values["women_members"] <= MAX_MEMBERS:
        problems.append(
            FieldProblem("women_members", "out_of_range", {"min": 0, "max": MAX_MEMBERS})
        )
    elif values["women_members"] > values["members"]:
        problems.append(FieldProblem("women_members", "more_women_than_members"))
    if values["sector"] not in Sector.__members__.values():
        problems.append(FieldProblem("sector", "unknown_sector"))
    year = values["founded_year"]
    if year is not None and not 1900 <= year <= this_year:
        problems.append(
            FieldProblem("founded_year", "out_of_range", {"min": 1900, "max": this_year})
        )
    if values["phone"].strip():
        try:
            values["phone"] = clean_phone(values["phone"])
        except InvalidIdentifier:
            problems.append(FieldProblem("phone", "phone_invalid"))
    values["email"] = values["email"].lower()
    if values["email"] and not _EMAIL.match(values["email"]):
        problems.append(FieldProblem("email", "email_invalid"))
    return CooperativeProfile(**values), problems


def register_cooperative(
    session: Session, profile: CooperativeProfile, *, actor: Actor, now: datetime
) -> Cooperative:
    """Create a *pending* cooperative from its registration.

    :raises InvalidInput: with every problem found (nothing is created).
    """
    profile, problems = check_profile(session, profile, this_year=now.year)
    if problems:
        raise InvalidInput(problems)
    coop = Cooperative(
        slug=unique_slug(
            session, Cooperative.slug, slugify(profile.name_fr, fallback="cooperative")
        ),
        status=CooperativeStatus.PENDING,
        created_at=now,
        **_columns(profile),
    )
    session.add(coop)
    session.flush()
    audit.record_cooperative(
        session,
        actor,
        "register",
        coop.id,
        now=now,
        details={"name_fr": coop.name_fr, "ice": coop.ice},
    )
    return coop


def update_profile(
    session: Session,
    coop: Cooperative,
    profile: CooperativeProfile,
    *,
    actor: Actor,
    now: datetime,
    evidence: str = "",
) -> dict[str, list[object]]:
    """Change a cooperative's profile. Its listings are refreshed (their region,
    women-led flag and search text come from it). A verified cooperative's changes to
    its claims (:data:`catalog.claims.CLAIM_FIELDS`) are not applied: they go to the
    operator's review with ``evidence`` (:func:`catalog.claims.propose`).

    :raises InvalidInput: when a value is wrong, when a verified cooperative tries to
        change what the operator verified (``code`` ``locked_after_verification``), or
        changes a claim without saying what shows it (``evidence`` / ``required``).
    :return: the changes applied, ``{field: [old, new]}``.
    """
    profile, problems = check_profile(session, profile, this_year=now.year, exclude_id=coop.id)
    new = _columns(profile)
    if coop.status != CooperativeStatus.PENDING:
        problems += [
            FieldProblem(name, "locked_after_verification")
            for name in IDENTITY_FIELDS
            if new[name] != getattr(coop, name)
        ]
    to_review = (
        claims.changed_claims(coop, new) if coop.status == CooperativeStatus.VERIFIED else {}
    )
    if to_review and not evidence.strip():
        problems.append(FieldProblem("evidence", "required"))
    elif len(evidence) > claims.MAX_EVIDENCE:
        problems.append(FieldProblem("evidence", "too_long", {"max": claims.MAX_EVIDENCE}))
    if problems:
        raise InvalidInput(problems)
    if to_review:
        claims.propose(session, coop, to_review, evidence=evidence, actor=actor, now=now)
        new.update({name: getattr(coop, name) for name in to_review})
    before = {name: getattr(coop, name) for name in new}
    diff = audit.changes(before, new)
    if diff:
        cooperative_changed(session, coop, "update", actor=actor, now=now, values=new, details=diff)
    return diff


def _columns(profile: CooperativeProfile) -> dict[str, object]:
    values = asdict(profile)
    values["sector"] = Sector(values["sector"])
    return values


# -- members ---------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(
    session: Session, coop: Cooperative, email: str, *, actor: Actor, now: datetime
) -> tuple[CooperativeInvitation, str]:
    """Invite ``email`` to join ``coop``. An earlier open invitation to the same
    address is replaced. Returns the invitation and the token for the e-mailed link
    (only its digest is stored).

    :raises InvalidInput: ``email`` / ``email_invalid``.
    """
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidInput([FieldProblem("email", "email_invalid")])
    for old in session.scalars(
        select(CooperativeInvitation).where(
            CooperativeInvitation.cooperative_id == coop.id,
            CooperativeInvitation.email == email,
            CooperativeInvitation.accepted_at.is_(None),
            CooperativeInvitation.cancelled_at.is_(None),
        )
    ):
        old.cancelled_at = now
    token = secrets.token_urlsafe(32)
    invitation = CooperativeInvitation(
        cooperative_id=coop.id,
        email=email,
        token_hash=_digest(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        actor,
        "member.invite",
        object_type="invitation",
        object_id=invitation.id,
        cooperative_id=coop.id,
        now=now,
        details={"email": email},
    )
    return invitation, token


def open_invitation(session: Session, token: str, *, now: datetime) -> CooperativeInvitation:
    """The open invitation behind ``token``.

    :raises NotFound: ``invitation_invalid`` when unknown, used, cancelled or expired.
    """
    invitation = (
        session.scalar(
            select(CooperativeInvitation).where(CooperativeInvitation.token_hash == _digest(token))
        )
        if token
        else None
    )
    if invitation is None or not invitation.is_open(now):
        raise NotFound(code="invitation_invalid")
    return invitation


def accept_invitation(
    session: Session, invitation: CooperativeInvitation, *, user_id: int, now: datetime
) -> None:
    """Record that the account ``user_id`` (made by the caller for the invited address,
    attached to the invitation's cooperative) accepted ``invitation``."""
    _close(session, invitation, "member.join", Actor(user_id, invitation.email), now)
    invitation.accepted_at = now
    invitation.accepted_user_id = user_id


def cancel_invitation(
    session: Session, invitation: CooperativeInvitation, *, actor: Actor, now: datetime
) -> None:
    _close(session, invitation, "member.cancel_invitation", actor, now)
    invitation.cancelled_at = now


def _close(
    session: Session, invitation: CooperativeInvitation, action: str, actor: Actor, now: datetime
) -> None:
    """Log that an open invitation is used or cancelled (the caller says which).

    :raises InvalidState: ``invitation_invalid`` when it is no longer open."""
    if not invitation.is_open(now):
        raise InvalidState(code="invitation_invalid")
    audit.record(
        session,
        actor,
        action,
        object_type="invitation",
        object_id=invitation.id,
        cooperative_id=invitation.cooperative_id,
        now=now,
        details={"email": invitation.email},
    )


def open_invitations(
    session: Session, coop_id: int, *, now: datetime
) -> list[CooperativeInvitation]:
    return list(
        session.scalars(
            select(CooperativeInvitation)
            .where(
                CooperativeInvitation.cooperative_id == coop_id,
                CooperativeInvitation.accepted_at.is_(None),
                CooperativeInvitation.cancelled_at.is_(None),
                CooperativeInvitation.expires_at > now,
            )
            .order_by(CooperativeInvitation.id)
        )
    )


def count_pending(session: Session) -> int:
    """Cooperatives waiting for the operator."""
    return int(
        session.scalar(
            select(func.count(Cooperative.id)).where(
                Cooperative.status == CooperativeStatus.PENDING
            )
        )
        or 0
    )
