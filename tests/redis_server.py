"""A real ``redis-server`` for the tests of what several workers and hosts share,
started on a free loopback port in a temporary folder and stopped afterwards. The
tests skip only when ``redis-server`` is not installed (``.ci/run`` installs it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(
    process: subprocess.Popen[bytes], answers: Callable[[], object], seconds: float
) -> None:
    """Return once ``answers()`` no longer raises; when ``process`` ended or ``seconds``
    passed first, kill it and raise what ``answers()`` raised."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            answers()
            return
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    folder: Path = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = Redis.from_url(url)
    wait_until_up(process, client.ping, 20)
    yield url
    client.close()
    process.terminate()
    process.wait(10)


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[str]:
    """The server, emptied before and after the test."""
    client = Redis.from_url(redis_url)
    client.flushall()
    yield redis_url
    client.flushall()
    client.close()
