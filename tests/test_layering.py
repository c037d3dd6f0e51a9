"""The libraries never import Flask, WTForms or Stripe (only the Stripe gateway does)."""

import subprocess
import sys

import pytest

FORBIDDEN = (
    "flask",
    "flask_sqlalchemy",
    "flask_wtf",
    "wtforms",
    "flask_login",
    "flask_babel",
    "stripe",
    "storefront",
)


@pytest.mark.parametrize("package", ["catalog", "orders", "solidarity_baskets"])
def test_library_imports_without_web_or_payment_modules(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module('{package}')\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    if m.name.endswith('stripe_gateway'):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
