"""The API tests share the storefront's app and client fixtures."""

from tests.storefront.conftest import app, client, runner  # noqa: F401
