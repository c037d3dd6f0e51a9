"""A web worker loads what its pages use: SciPy (hundreds of milliseconds to import,
tens of megabytes of memory) only where a basket plan is solved, and no password is
hashed when the app is made. Checked in a fresh interpreter (this one has imported
the whole test suite)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from catalog.db import configure_sqlite, import_models
from catalog.models import create_all
from sqlalchemy import create_engine
import_models()
engine = create_engine(sys.argv[1]); configure_sqlite(engine); create_all(engine)

from storefront import create_app
from catalog.accounts import users
app = create_app({"SECRET_KEY": "Zq8-rT2vLx0pWm4NcY7bKd1sHf5gJu3e",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "CATALOG_FACET_WARM": False, "UPLOAD_FOLDER": sys.argv[2]})
client = app.test_client()
pages = ("/fr/", "/fr/search?q=miel", "/fr/regions", "/cart/")
statuses = [client.get(url).status_code for url in pages]
before = {"scipy": "scipy" in sys.modules, "hashed": users._dummy_hash.cache_info().currsize}
from solidarity_baskets import engine as basket_engine
basket_engine._linprog([1.0], bounds=[(0, 1)], method="highs")
print(json.dumps({"statuses": statuses, **before, "scipy_after_solve": "scipy" in sys.modules}))
"""


def test_pages_load_no_solver_and_hash_no_password(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'w.db'}", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["statuses"] == [200, 200, 200, 200]
    assert seen["scipy"] is False, "a page loaded SciPy"
    assert seen["hashed"] == 0, "a password hash was computed before any log-in"
    assert seen["scipy_after_solve"] is True  # the solver still finds it when a plan is solved
