"""Codes sent by text message: right once, five wrong tries lock them, ten minutes of
life, three a phone per hour, only a hash stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog.one_time_codes import Check, OneTimeCode, Purpose, check, issue
from tests.conftest import NOW

PHONE = "+212612345678"


def _issue(session, subject="TW-AAA-AAA", now=NOW):
    return issue(session, purpose=Purpose.PRIVACY, phone=PHONE, subject=subject, now=now)


def _check(session, code, subject="TW-AAA-AAA", now=NOW):
    return check(session, purpose=Purpose.PRIVACY, phone=PHONE, subject=subject, code=code, now=now)


def test_a_code_works_once_and_only_for_its_subject(session) -> None:
    code = _issue(session).code
    assert code is not None and len(code) == 6 and code.isdigit()
    stored = session.scalar(select(OneTimeCode))
    assert code not in (stored.code_hash, stored.salt)
    assert _check(session, code, subject="TW-BBB-BBB") == Check.EXPIRED
    assert _check(session, f" {code[:3]} {code[3:]} ") == Check.OK
    assert _check(session, code) == Check.EXPIRED


def test_five_wrong_tries_lock_the_code(session) -> None:
    code = _issue(session).code
    wrong = "000000" if code != "000000" else "111111"
    assert [_check(session, wrong) for _ in range(5)] == [Check.WRONG] * 4 + [Check.LOCKED]
    assert _check(session, code) == Check.LOCKED


def test_a_code_expires_and_a_new_one_replaces_it(session) -> None:
    first = _issue(session).code
    assert _check(session, first, now=NOW + timedelta(minutes=11)) == Check.EXPIRED
    second = _issue(session, now=NOW + timedelta(minutes=1)).code
    later = NOW + timedelta(minutes=2)
    if first == second:  # one chance in a million
        assert _check(session, first, now=later) == Check.OK
    else:
        assert _check(session, first, now=later) == Check.WRONG
        assert _check(session, second, now=later) == Check.OK


def test_a_phone_gets_three_codes_an_hour(session) -> None:
    assert all(_issue(session, now=NOW + timedelta(minutes=i)).code for i in range(3))
    assert _issue(session, now=NOW + timedelta(minutes=3)).code is None
    assert _issue(session, now=NOW + timedelta(minutes=61)).code is not None
