"""How queued messages leave: e-mail over SMTP (or printed to the console in
development) and text messages through an SMS provider's HTTP API.

Each channel is a callable taking an :class:`OutboxMessage` and returning the id the
far end gave it; any exception means "not sent" and counts an attempt.
"""

from __future__ import annotations

import json
import smtplib
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol, TextIO

from catalog.db import utcnow
from catalog.notifications import OutboxMessage


def build_email(message: OutboxMessage, *, sender: str, now: datetime) -> EmailMessage:
    """The message as sent: multipart text + HTML, with Date and Message-ID, and its
    files attached (then multipart/mixed)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message.message_id
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for file in message.attachments:
        maintype, _, subtype = file.content_type.partition("/")
        email.add_attachment(
            file.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=file.filename,
        )
    # last: set_content and add_attachment move or reset the Content-* headers
    email["Content-Language"] = message.language
    return email


class SmtpChannel:
    """Sends through an SMTP server (STARTTLS and login when configured)."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout, self.clock = timeout, clock

    def __call__(self, message: OutboxMessage) -> str:
        email = build_email(message, sender=self.sender, now=self.clock())
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)
        return message.message_id


class ConsoleChannel:
    """Development: prints each message instead of sending it."""

    def __init__(self, *, sender: str = "", stream: TextIO | None = None) -> None:
        self.sender, self.stream = sender, stream

    def __call__(self, message: OutboxMessage) -> str:
        stream = self.stream or sys.stdout
        print(f"--- {message.channel} to {message.to} ({message.topic})", file=stream)
        print(message.subject, file=stream)
        print(message.body_text, file=stream)
        for file in message.attachments:
            print(f"[{file.filename}, {len(file.content)} bytes]", file=stream)
        return message.message_id or f"console-{message.id}"


class SmsError(RuntimeError):
    """The provider refused the message or could not be reached."""


class SmsProvider(Protocol):
    """The port: send ``text`` to ``to`` (E.164), return the provider's message id."""

    def send(self, to: str, text: str) -> str: ...


class InfobipSms:
    """Infobip's SMS API (``POST /sms/2/text/advanced``, ``Authorization: App <key>``).

    ``base_url`` is the account's own API host (``https://xxxxx.api.infobip.com``); tests
    and development point it at the loopback fake in ``tests/sms_fake.py``.
    """

    PATH = "/sms/2/text/advanced"

    def __init__(
        self, base_url: str, api_key: str, *, sender: str = "Taawun", timeout: float = 10.0
    ) -> None:
        self.base_url, self.api_key = base_url.rstrip("/"), api_key
        self.sender, self.timeout = sender, timeout

    def send(self, to: str, text: str) -> str:
        body = {
            "messages": [
                {"destinations": [{"to": to.lstrip("+")}], "from": self.sender, "text": text}
            ]
        }
        request = urllib.request.Request(  # noqa: S310 (https in production, the fake in tests)
            self.base_url + self.PATH,
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"App {self.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"HTTP {exc.code}: {exc.read()[:300]!r}") from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise SmsError(str(exc)) from exc
        messages = answer.get("messages") or []
        if not messages:
            raise SmsError("no message in the answer")
        status = messages[0].get("status") or {}
        if status.get("groupName") in {"REJECTED", "UNDELIVERABLE"}:
            raise SmsError(f"{status.get('groupName')}: {status.get('description', '')}")
        return str(messages[0].get("messageId", ""))


class SmsChannel:
    def __init__(self, provider: SmsProvider) -> None:
        self.provider = provider

    def __call__(self, message: OutboxMessage) -> str:
        return self.provider.send(message.to, message.body_text)
