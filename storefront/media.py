"""Where the storefront keeps files: product photos (public, served at ``site.media``)
and certificate documents (private, served only to their cooperative and operators).

By default both are local folders: ``UPLOAD_FOLDER`` and ``DOCUMENT_FOLDER``
(``documents`` next to it), so ``make run`` needs nothing. With ``S3_BUCKET``
(``TAAWUN_S3_BUCKET``) set they live in that bucket of an S3-compatible store, photos
under ``S3_PREFIX`` + ``media/``, documents under ``S3_PREFIX`` + ``documents/``, so
every host behind a load balancer sees every file. ``S3_ENDPOINT_URL`` names a store
other than Amazon's (MinIO, Ceph, Garage...), ``S3_REGION`` its region; credentials come
from ``S3_ACCESS_KEY_ID``/``S3_SECRET_ACCESS_KEY`` or boto3's usual chain (environment,
``~/.aws``, instance role). The bucket stays private: the app serves photos itself, with
a year of public caching (their names are never reused), which the reverse proxy keeps.
"""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, send_file, send_from_directory
from werkzeug.wrappers import Response

from catalog.media import FolderStore, MediaStore

KEY = "taawun_media"


class S3Store:
    """Files as objects under ``prefix`` in ``bucket`` (boto3's S3 client)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    def _key(self, name: str) -> str | None:
        """The object's key; None for a name no stored file has (they are flat random
        names): a store that resolves ``..`` in keys must not lead ``media/`` to
        ``documents/``."""
        if not name or "/" in name or "\\" in name or name.startswith("."):
            return None
        return self._prefix + name

    def _missing(self, error: Exception) -> bool:
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        return code in ("404", "NoSuchKey", "NotFound")

    def write(self, name: str, data: bytes) -> None:
        key = self._key(name)
        if key is None:
            raise ValueError(f"not a stored file's name: {name!r}")
        self._client.put_object(Bucket=self._bucket, Key=key, Body=data)

    def read(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        key = self._key(name)
        if key is None:
            return None
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        return bytes(found["Body"].read())

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        key = self._key(name)
        if key is None:
            return False
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def delete(self, name: str) -> None:
        key = self._key(name)
        if key is not None:
            self._client.delete_object(Bucket=self._bucket, Key=key)


def s3_client(config: dict[str, Any]) -> Any:
    """boto3's S3 client for the app's ``S3_*`` settings (imported only then: web
    workers on local folders never load boto3)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or "us-east-1",
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        config=Config(
            connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
        ),
    )


def init_app(app: Flask) -> None:
    bucket = app.config.get("S3_BUCKET")
    if not bucket:
        photos = Path(app.config["UPLOAD_FOLDER"])
        documents = Path(app.config.get("DOCUMENT_FOLDER") or photos.parent / "documents")
        app.extensions[KEY] = (FolderStore(photos), FolderStore(documents))
        return
    client = s3_client(app.config)
    prefix = str(app.config.get("S3_PREFIX") or "")
    app.extensions[KEY] = (
        S3Store(client, str(bucket), f"{prefix}media/"),
        S3Store(client, str(bucket), f"{prefix}documents/"),
    )


def photo_store(app: Flask | None = None) -> MediaStore:
    """Where product photos (public) are kept."""
    stores: tuple[MediaStore, MediaStore] = (app or current_app).extensions[KEY]
    return stores[0]


def document_store(app: Flask | None = None) -> MediaStore:
    """Where certificate documents (private) are kept."""
    stores: tuple[MediaStore, MediaStore] = (app or current_app).extensions[KEY]
    return stores[1]


def send(store: MediaStore, name: str, **options: Any) -> Response:
    """The file ``name`` of ``store`` as a response (404 when missing). ``options`` are
    :func:`flask.send_file`'s. A file never changes under its name: its name is its ETag."""
    if isinstance(store, FolderStore):
        return send_from_directory(store.folder, name, **options)
    data = store.read(name)
    if data is None:
        abort(404)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return send_file(io.BytesIO(data), mimetype=mimetype, etag=name, **options)
