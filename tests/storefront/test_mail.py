"""Mail leaves through a real SMTP server (aiosmtpd on a loopback port)."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from orders.mail import MailStatus, OutboxMessage, enqueue


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


def test_flask_mail_send_delivers_the_outbox_over_smtp(app, runner, session, smtp) -> None:
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    enqueue(
        session,
        to="amina@example.ma",
        subject="Commande TW-1",
        body_text="Merci ✓ شكرا",
        language="ar",
    )
    session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert "1 sent, 0 failed." in result.output
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == "amina@example.ma" and msg["Content-Language"] == "ar"
    assert "شكرا" in msg.get_payload(decode=True).decode()
    session.expire_all()
    assert session.scalar(select(OutboxMessage.status)) == MailStatus.SENT
    assert runner.invoke(args=["mail", "send"]).output.strip() == "0 sent, 0 failed."


def test_unreachable_smtp_keeps_the_message_for_later(app, runner, session) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    enqueue(session, to="a@example.ma", subject="s", body_text="b")
    session.commit()
    assert "0 sent, 1 failed." in runner.invoke(args=["mail", "send"]).output
    session.expire_all()
    message = session.scalar(select(OutboxMessage))
    assert message.status == MailStatus.PENDING and message.attempts == 1
