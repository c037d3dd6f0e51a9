"""The outbox leaves through a real SMTP server (aiosmtpd on a loopback port) and the
loopback fake of Infobip's SMS API, one message at a time: a message that fails
counts an attempt and never holds back the others."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.notifications import (
    Attachment,
    Channel,
    HeaderTextError,
    OutboxMessage,
    OutboxStatus,
    enqueue_email,
    enqueue_sms,
)
from storefront.notifications.channels import InfobipSms, SmsError, SmtpChannel
from storefront.notifications.sender import deliver
from tests.mailbox import smtp_server, text_of
from tests.sms_fake import FakeInfobip


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def sms():
    fake = FakeInfobip("test-key").start()
    yield fake
    fake.stop()


def test_flask_mail_send_delivers_multipart_mail_with_date_and_message_id(
    app, runner, session, smtp
) -> None:
    port, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    queued = enqueue_email(
        session,
        to="amina@example.ma",
        subject="Commande TW-1",
        body_text="Merci ✓ شكرا",
        body_html="<p>Merci ✓ شكرا</p>",
        language="ar",
    )
    session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert "1 sent, 0 failed, 0 dead." in result.output
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == "amina@example.ma" and msg["Content-Language"] == "ar"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Message-ID"] == queued.message_id and msg["Date"]
    assert "شكرا" in text_of(msg)
    assert "<p>Merci" in msg.get_body(preferencelist=("html",)).get_content()
    session.expire_all()
    assert session.scalar(select(OutboxMessage.status)) == OutboxStatus.SENT
    assert runner.invoke(args=["mail", "send"]).output.strip() == "0 sent, 0 failed, 0 dead."


def test_a_queued_file_leaves_attached_to_its_mail(app, runner, session, smtp) -> None:
    port, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    pdf = b"%PDF-1.4 facture\n%%EOF"
    enqueue_email(
        session,
        to="ngo@example.ma",
        subject="Facture",
        body_text="Ci-joint",
        body_html="<p>Ci-joint</p>",
        language="fr",
        attachments=[Attachment("proforma-TW-1.pdf", "application/pdf", pdf)],
    )
    session.commit()
    assert "1 sent" in runner.invoke(args=["mail", "send"]).output
    msg = inbox.messages[0]
    assert msg.get_content_type() == "multipart/mixed" and msg["Content-Language"] == "fr"
    assert text_of(msg).strip() == "Ci-joint"
    [file] = list(msg.iter_attachments())
    assert file.get_filename() == "proforma-TW-1.pdf"
    assert file.get_content_type() == "application/pdf" and file.get_content() == pdf
    with pytest.raises(HeaderTextError):
        enqueue_email(
            session,
            to="a@example.ma",
            subject="s",
            body_text="b",
            attachments=[Attachment("a\r\nb.pdf", "application/pdf", pdf)],
        )


def test_unreachable_smtp_keeps_the_message_for_later(app, runner, session) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    enqueue_email(session, to="a@example.ma", subject="s", body_text="b")
    session.commit()
    assert "0 sent, 1 failed, 0 dead." in runner.invoke(args=["mail", "send"]).output
    session.expire_all()
    message = session.scalar(select(OutboxMessage))
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error


def test_header_text_with_a_line_break_is_refused_when_queued(session) -> None:
    with pytest.raises(HeaderTextError):
        enqueue_email(session, to="a@example.ma", subject="Bonjour\r\nBcc: x@y.z", body_text="b")


def _hundred_with_one_poisoned(session: Session) -> int:
    """100 messages; the 37th has a carriage return in its subject (written before the
    check existed), which the e-mail library refuses with a ValueError."""
    poisoned_id = 0
    for i in range(100):
        if i == 36:
            poisoned = OutboxMessage(
                channel=Channel.EMAIL,
                to="poison@example.ma",
                subject="Commande\rBcc: everyone@example.ma",
                body_text="x",
                message_id="<poison@taawun.ma>",
                status=OutboxStatus.PENDING,
                attempts=0,
            )
            session.add(poisoned)
            session.flush()
            poisoned_id = poisoned.id
        else:
            enqueue_email(session, to=f"p{i}@example.ma", subject=f"Message {i}", body_text="b")
    session.commit()
    return poisoned_id


def test_a_poisoned_message_among_a_hundred_dies_alone_over_three_runs(
    app, runner, session, smtp
) -> None:
    port, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OUTBOX_MAX_ATTEMPTS=3)
    poisoned_id = _hundred_with_one_poisoned(session)
    outputs = [runner.invoke(args=["mail", "send", "--limit", "500"]).output for _ in range(3)]
    assert outputs[0].startswith("99 sent, 1 failed, 0 dead.")
    assert outputs[1].startswith("0 sent, 1 failed, 0 dead.")
    assert outputs[2].startswith("0 sent, 1 failed, 1 dead.")
    received = Counter(m["To"] for m in inbox.messages)
    assert len(received) == 99 and set(received.values()) == {1}
    session.expire_all()
    dead = session.get(OutboxMessage, poisoned_id)
    assert dead.status == OutboxStatus.DEAD and dead.attempts == 3
    assert "ValueError" in dead.last_error
    statuses = Counter(session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT: 99, OutboxStatus.DEAD: 1}


def test_two_senders_at_once_never_send_a_message_twice(engine, session, smtp, is_postgres) -> None:
    """On PostgreSQL each sender skips the rows the other has locked."""
    if not is_postgres:
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) need PostgreSQL")
    port, inbox = smtp
    _hundred_with_one_poisoned(session)
    start = threading.Barrier(2)
    counts = []

    def run() -> None:
        with Session(engine) as own:
            start.wait()
            channel = SmtpChannel("127.0.0.1", port, sender="Taawun <no-reply@taawun.ma>")
            for _ in range(3):
                counts.append(deliver(own, {Channel.EMAIL: channel}, limit=500, max_attempts=3))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    received = Counter(m["To"] for m in inbox.messages)
    assert len(received) == 99 and set(received.values()) == {1}
    assert sum(c.sent for c in counts) == 99 and sum(c.dead for c in counts) == 1
    session.expire_all()
    statuses = Counter(session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT: 99, OutboxStatus.DEAD: 1}


def test_text_messages_go_through_infobips_api(app, runner, session, sms) -> None:
    app.config.update(SMS_API_BASE=sms.url, SMS_API_KEY="test-key", MAIL_BACKEND="console")
    enqueue_sms(session, to="+212612345678", text="Taawun: commande TW-1 expédiée")
    refused = enqueue_sms(session, to="+212610000000", text="Taawun: refusé")
    session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert "1 sent, 1 failed, 0 dead." in result.output
    assert sms.received == [
        {
            "to": "212612345678",
            "from": "Taawun",
            "text": "Taawun: commande TW-1 expédiée",
            "messageId": "fake-1",
        }
    ]
    session.expire_all()
    sent = session.scalar(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT))
    assert sent.provider_ref == "fake-1"
    assert "REJECTED" in session.get(OutboxMessage, refused.id).last_error


def test_a_wrong_sms_key_is_an_error_not_a_send(sms) -> None:
    with pytest.raises(SmsError, match="401"):
        InfobipSms(sms.url, "wrong").send("+212612345678", "x")
    assert sms.received == []


def test_without_an_sms_provider_text_messages_wait(app, runner, session) -> None:
    app.config.update(MAIL_BACKEND="console")
    enqueue_sms(session, to="+212612345678", text="x")
    session.commit()
    output = runner.invoke(args=["mail", "send"]).output
    assert "0 sent, 0 failed, 0 dead." in output and "SMS_API_BASE" in output
    session.expire_all()
    message = session.scalar(select(OutboxMessage))
    assert message.status == OutboxStatus.PENDING and message.attempts == 0
