"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from catalog.db import Base, include_object
from catalog.models import create_all
from storefront import create_app


def test_migrations_match_the_models(tmp_path, database_url) -> None:
    url = database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    engine = create_engine(url)
    with engine.begin() as conn:  # start from nothing (the suite's schema lives here on PG)
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    try:
        with app.app_context():
            upgrade()
            with engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"include_object": include_object, "compare_type": True}
                )
                diff = compare_metadata(context, Base.metadata)
                assert diff == []
                names = set(inspect(conn).get_table_names())
                assert "catalog_product" in names
            downgrade(revision="base")
            with engine.connect() as conn:
                assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        with app.app_context():
            from storefront.extensions import db

            db.engine.dispose()
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            create_all(engine)
        engine.dispose()
