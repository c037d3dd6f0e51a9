"""The storefront under gunicorn (2 sync workers) on a free loopback port, for the
checkout and mixed-load benchmarks."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(url: str, tmp: Path, ready_path: str = "/fr/regions") -> Iterator[str]:
    """Serve the storefront on database ``url`` (uploads under ``tmp``, rate limits
    off) and yield its base URL once ``ready_path`` answers."""
    port = free_port()
    env = dict(
        os.environ,
        TAAWUN_SQLALCHEMY_DATABASE_URI=url,
        TAAWUN_SECRET_KEY=secrets.token_urlsafe(48),
        TAAWUN_RATELIMIT_ENABLED="false",
        TAAWUN_UPLOAD_FOLDER=str(tmp / "uploads"),
        PYTHONPATH=str(ROOT),
    )
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "storefront:create_app()"]
    process = subprocess.Popen(command, cwd=str(tmp), env=env)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}{ready_path}", timeout=10).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
