"""The lock files hold every dependency pyproject.toml declares, at an allowed version."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
#: lock file -> the extras it is resolved for (Makefile: EXTRAS, plus browser)
LOCKS = {
    "requirements.lock": ("storefront", "stripe", "postgres", "test"),
    "requirements-browser.lock": ("storefront", "stripe", "postgres", "test", "browser"),
}


def _pins(lock: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in lock.read_text().splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{lock.name}: {raw!r} is not pinned"
            pins[canonicalize_name(name.split("[", 1)[0])] = version
    return pins


@pytest.mark.parametrize("lock_name", sorted(LOCKS))
def test_the_lock_pins_every_declared_dependency_within_its_range(lock_name: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in LOCKS[lock_name]:
        declared += project["optional-dependencies"][extra]
    pins = _pins(ROOT / lock_name)
    problems = []
    for spec in map(Requirement, declared):
        version = pins.get(canonicalize_name(spec.name))
        if version is None or not spec.specifier.contains(version, prereleases=True):
            problems.append(f"{spec} (locked: {version})")
    assert not problems, f"run `make lock`: {lock_name} does not satisfy {problems}"


def test_both_locks_agree_on_every_shared_package() -> None:
    base = _pins(ROOT / "requirements.lock")
    browser = _pins(ROOT / "requirements-browser.lock")
    assert base.keys() <= browser.keys()
    assert {name: browser[name] for name in base} == base
