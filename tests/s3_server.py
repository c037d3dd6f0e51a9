"""A real S3-compatible server for the media tests: moto's server (``moto_server``,
from the test dependencies) on a free loopback port, stopped afterwards. Nothing leaves
the machine."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.redis_server import free_port, wait_until_up

#: moto accepts any credentials; boto3 only needs some to sign its requests
CREDENTIALS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(  # noqa: S603
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path_factory.mktemp("s3"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    wait_until_up(process, lambda: requests.get(f"{endpoint}/moto-api/", timeout=2), 30)
    yield endpoint
    process.terminate()
    process.wait(10)


@pytest.fixture
def s3_config(s3_endpoint: str) -> dict[str, str]:
    """The app settings of a new, empty bucket on the server."""
    from storefront.media import s3_client

    config = {
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_BUCKET": f"taawun-{uuid.uuid4().hex[:12]}",
        **CREDENTIALS,
    }
    s3_client(config).create_bucket(Bucket=config["S3_BUCKET"])
    return config
