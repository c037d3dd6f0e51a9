"""Flask extensions, created unbound and bound in :func:`storefront.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from catalog.db import Base


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy, typed for the libraries, which take a ``Session``."""

    # A scoped_session, which forwards every Session method to the current request's
    # Session: typed as that Session so views pass ``db.session`` to the libraries.
    session: Session  # type: ignore[assignment]


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
#: gzip, brotli or zstd, as the client accepts (pages, stylesheets, scripts, JSON, XML)
compress = Compress()
