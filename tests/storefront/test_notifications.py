"""Order updates reach people by the channel they chose, a party nobody can reach
becomes an operator task, and the operator sees and handles what did not get through."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.notifications import (
    Attachment,
    Channel,
    OperatorTask,
    OutboxMessage,
    OutboxStatus,
    enqueue_email,
)
from orders.models import Order
from storefront import create_app
from storefront.extensions import db
from tests.baskets import app_queries
from tests.storefront.backoffice import login, operator
from tests.storefront.shopping import add, checkout

# pages in English: the tests read the messages as written in the code
pytestmark = pytest.mark.usefixtures("english_pages")


def _outbox(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_shopper_who_chose_sms_is_told_by_text_message(client, session, shop) -> None:
    oil, _honey, _masks = shop
    add(client, oil)
    checkout(client, notify_channel="sms")
    order = session.scalar(select(Order))
    assert order.notify_channel == "sms"
    to_shopper = [m for m in _outbox(session) if m.topic == f"order:{order.number}:confirmed"]
    assert len(to_shopper) == 1
    sms = to_shopper[0]
    assert sms.channel == Channel.SMS and sms.to == "+212612345678"
    assert order.number in sms.body_text and f"/orders/{order.number}" in sms.body_text


def test_the_default_is_an_html_and_text_email(client, session, shop) -> None:
    oil, _honey, _masks = shop
    add(client, oil)
    checkout(client)
    order = session.scalar(select(Order))
    mail = next(m for m in _outbox(session) if m.topic == f"order:{order.number}:confirmed")
    assert mail.channel == Channel.EMAIL and mail.to == "amina@example.ma"
    assert "<html" in mail.body_html and order.number in mail.body_html
    assert mail.message_id.startswith("<") and mail.message_id.endswith("@taawun.ma>")


def test_a_cooperative_nobody_can_reach_becomes_an_operator_task(client, session, shop) -> None:
    _oil, honey, _masks = shop  # the honey cooperative has no member, e-mail or phone
    add(client, honey)
    checkout(client)
    order = session.scalar(select(Order))
    session.expire_all()
    task = session.scalar(select(OperatorTask))
    assert task.party_type == "cooperative" and task.party_name == "Coopérative Miel Souss"
    assert task.order_number == order.number and order.number in task.summary
    assert not [m for m in _outbox(session) if ":part:" in m.topic]


def test_a_cooperative_with_only_a_phone_gets_a_text_message(client, session, shop) -> None:
    _oil, honey, _masks = shop
    honey.cooperative.phone = "+212661234567"
    session.commit()
    add(client, honey)
    checkout(client)
    parts = [m for m in _outbox(session) if ":part:" in m.topic]
    assert [(m.channel, m.to) for m in parts] == [(Channel.SMS, "+212661234567")]
    assert session.scalar(select(OperatorTask)) is None


def test_the_operator_closes_a_task_and_sends_a_dead_message_again(client, session, shop) -> None:
    _oil, honey, _masks = shop
    add(client, honey)
    checkout(client)
    dead = OutboxMessage(
        channel=Channel.EMAIL,
        to="x@example.ma",
        subject="Old message",
        body_text="b",
        status=OutboxStatus.DEAD,
        attempts=5,
        last_error="ValueError: bad header",
    )
    session.add(dead)
    staff = operator(session)
    session.commit()
    login(client, staff)
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "1</strong> person nobody can reach" in dashboard
    assert "1</strong> message given up" in dashboard
    page = client.get("/admin/messages").get_data(as_text=True)
    assert "Coopérative Miel Souss" in page and "ValueError: bad header" in page
    task = session.scalar(select(OperatorTask))
    assert client.post(f"/admin/tasks/{task.id}/resolve", data={"note": ""}).status_code == 302
    session.expire_all()
    assert session.get(OperatorTask, task.id).resolved_at is None  # a note is required
    client.post(f"/admin/tasks/{task.id}/resolve", data={"note": "Called them on 0661…"})
    client.post(f"/admin/messages/{dead.id}/retry")
    session.expire_all()
    assert session.get(OperatorTask, task.id).resolution_note == "Called them on 0661…"
    again = session.get(OutboxMessage, dead.id)
    assert again.status == OutboxStatus.PENDING and again.attempts == 0
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"task.resolve", "outbox.retry"} <= actions
    # the history names the order the task was about, not the task's topic
    history = client.get("/admin/audit").get_data(as_text=True)
    assert "Task marked done" in history and "Message sent again" in history
    number = task.topic.split(":")[1]
    assert f'Subject: <bdi dir="ltr">{number}-1</bdi>' in history and "order:" not in history


def test_a_name_with_a_line_break_is_refused_at_checkout(client, session, shop) -> None:
    oil, _honey, _masks = shop
    add(client, oil)
    page = client.post(
        "/checkout/",
        data={
            "name": "Amina\r\nBcc: all@example.ma",
            "email": "amina@example.ma",
            "phone": "0612345678",
            "province": "06.141",
            "address": "12 rue des Orangers",
            "delivery_option": "home",
            "payment_method": "cod",
        },
    )
    assert page.status_code == 200
    assert "Keep this on one line" in page.get_data(as_text=True)
    assert session.scalar(select(Order)) is None


@pytest.fixture
def dev_app(database_url, tmp_path):
    """The storefront with the development outbox page, as ``make run`` starts it."""
    dev = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path),
            "DEV_MESSAGES": True,
        }
    )
    yield dev
    with dev.app_context():  # its own pool: closed here, not left to the collector
        db.session.remove()
        db.engine.dispose()


def test_the_development_outbox_page_exists_only_when_asked(app, dev_app, session) -> None:
    assert app.test_client().get("/dev/messages").status_code == 404
    mail = enqueue_email(
        session,
        to="ngo@example.ma",
        subject="Facture",
        body_text="Ci-joint",
        attachments=[Attachment("proforma-TW-1.pdf", "application/pdf", b"%PDF-1.4")],
    )
    session.commit()
    file_url = f"/dev/messages/{mail.id}/files/{mail.attachments[0].id}"
    assert app.test_client().get(file_url).status_code == 404
    page = dev_app.test_client().get("/dev/messages")
    assert page.status_code == 200 and file_url in page.get_data(as_text=True)
    file = dev_app.test_client().get(file_url)
    assert file.mimetype == "application/pdf" and file.data == b"%PDF-1.4"


def test_the_development_outbox_page_reads_all_files_in_one_query(dev_app, session) -> None:
    for n in range(6):
        enqueue_email(
            session,
            to=f"ngo{n}@example.ma",
            subject="Facture",
            body_text="Ci-joint",
            attachments=[
                Attachment(f"proforma-{n}-{k}.pdf", "application/pdf", b"%PDF-1.4" * 1000)
                for k in range(n % 3)
            ],
        )
    session.commit()
    with app_queries(dev_app) as statements:
        page = dev_app.test_client().get("/dev/messages").get_data(as_text=True)
    assert all(f"proforma-5-{k}.pdf" in page for k in range(2)) and "proforma-4-0.pdf" in page
    files = [s for s in statements if "notifications_outbox_attachment" in s]
    assert len(files) == 1, statements
    assert not re.search(r"\.content\b", files[0].split("FROM")[0])  # names, not the files
    assert len(statements) == 2, statements
