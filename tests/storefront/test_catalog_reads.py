"""On PostgreSQL a catalog page's statements run in autocommit (no BEGIN and ROLLBACK
round trips around them); everything else, writes above all, keeps its transaction,
and the connection goes back to the pool in its usual mode."""

import pytest
from sqlalchemy import event

from storefront.extensions import db
from tests.storefront.backoffice import login, shopper


def test_catalog_pages_read_without_a_transaction_and_writes_keep_theirs(
    app, client, session, shop
) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's BEGIN costs no round trip: its pages keep their transaction")
    seen: list[bool] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append(bool(conn.connection.dbapi_connection.autocommit))

    def modes(method, url, **kw) -> set[bool]:  # noqa: ANN001
        seen.clear()
        response = client.open(url, method=method, **kw)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert seen, f"{url} read the database"
        return set(seen)

    event.listen(engine, "before_cursor_execute", record)
    try:
        oil = shop[0]
        assert modes("GET", f"/fr/p/{oil.slug}") == {True}
        assert modes("POST", "/cart/add", data={"product_id": oil.id, "quantity": 1}) == {False}
        assert modes("GET", "/cart/") == {False}, "the pooled connection is back in its mode"
        assert modes("GET", "/fr/search?q=argan") == {True}
        assert modes("GET", "/fr/regions") == {True}
        # a signed-in shopper's account is read with the page
        amina = shopper(session)
        session.commit()
        login(client, amina)
        assert modes("GET", f"/fr/p/{oil.slug}") == {True}
        assert modes("GET", "/orders/") == {False}
    finally:
        event.remove(engine, "before_cursor_execute", record)
