"""Infobip's SMS API at the HTTP boundary, on a loopback port: it accepts
``POST /sms/2/text/advanced`` with ``Authorization: App <key>`` as Infobip does,
answers with Infobip's response shape and keeps what it received. Numbers ending in
``0000`` are rejected, to play a refused destination. No network, no account.

Run it for ``make run``::

    .venv/bin/python -m tests.sms_fake --port 8421 --key dev
    TAAWUN_SMS_API_BASE=http://127.0.0.1:8421 TAAWUN_SMS_API_KEY=dev make run

``GET /messages`` lists what it received, as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeInfobip:
    def __init__(self, key: str = "test-key", port: int = 0) -> None:
        self.key = key
        self.received: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                return

            def _answer(self, code: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/messages":
                    with fake._lock:
                        self._answer(200, fake.received)
                else:
                    self._answer(404, {})

            def do_POST(self) -> None:  # noqa: N802
                if self.path != "/sms/2/text/advanced":
                    self._answer(404, {})
                    return
                if self.headers.get("Authorization") != f"App {fake.key}":
                    self._answer(
                        401,
                        {"requestError": {"serviceException": {"text": "Invalid login details"}}},
                    )
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length))
                    message = body["messages"][0]
                    to = str(message["destinations"][0]["to"])
                    text = str(message["text"])
                except (ValueError, KeyError, IndexError, TypeError):
                    self._answer(
                        400, {"requestError": {"serviceException": {"text": "Bad request"}}}
                    )
                    return
                if to.endswith("0000"):
                    status = {
                        "groupName": "REJECTED",
                        "name": "REJECTED_DESTINATION",
                        "description": "Destination rejected",
                    }
                    self._answer(200, {"messages": [{"to": to, "status": status}]})
                    return
                with fake._lock:
                    message_id = f"fake-{next(fake._ids)}"
                    fake.received.append(
                        {
                            "to": to,
                            "from": message.get("from", ""),
                            "text": text,
                            "messageId": message_id,
                        }
                    )
                status = {
                    "groupName": "PENDING",
                    "name": "PENDING_ENROUTE",
                    "description": "Message sent to next instance",
                }
                self._answer(
                    200,
                    {
                        "bulkId": "fake-bulk",
                        "messages": [{"to": to, "status": status, "messageId": message_id}],
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeInfobip:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8421)
    parser.add_argument("--key", default="dev")
    args = parser.parse_args()
    fake = FakeInfobip(args.key, args.port)
    print(f"Fake Infobip SMS API on {fake.url} (key {args.key!r})")
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
