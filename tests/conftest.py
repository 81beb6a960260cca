"""Shared fixtures: Sphinx's testing fixtures over the projects in tests/roots/."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

ROOTS = Path(__file__).parent / "roots"
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _a_core_is_free(monkeypatch) -> None:
    """Tests that fork the diagrams' copy do so whatever the machine's load (the suite
    runs one process per core); test_prefork_waits_for_a_free_core checks the rule."""
    from sphinxext_ldm503.speed import prefork

    monkeypatch.setattr(prefork, "core_free", lambda: True)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


def read_json(app) -> dict:
    return json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))


# The minimal lane (noxfile.py) installs none of the optional extras. There, and only
# there (LDM503_WITHOUT_EXTRAS=1), a test that needs one of them is skipped, naming it;
# in every other lane a missing extra is a failure like any other.
OPTIONAL_MODULES = ("sphinx_needs", "matplotlib", "myst_parser")
WITHOUT_EXTRAS = os.environ.get("LDM503_WITHOUT_EXTRAS") == "1"


def missing_extra(exc: BaseException) -> str | None:
    """The optional module whose absence raised ``exc`` (directly or as its cause)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ModuleNotFoundError) and seen.name:
            top = seen.name.split(".")[0]
            if top in OPTIONAL_MODULES:
                return top
        text = str(seen)
        for module in OPTIONAL_MODULES:
            if f"Could not import extension {module}" in text:
                return module
        seen = seen.__cause__ or seen.__context__
    return None


def requires_extra(*modules: str) -> pytest.MarkDecorator:
    """Mark a test that needs optional modules in a way no exception shows (for example,
    it asserts on what the module draws). Skipped only in the minimal lane."""
    return pytest.mark.requires_extra(*modules)


def _skip_when_extra_missing(item: pytest.Item) -> None:
    marker = item.get_closest_marker("requires_extra")
    if WITHOUT_EXTRAS and marker is not None:
        absent = [m for m in marker.args if importlib.util.find_spec(m) is None]
        if absent:
            pytest.skip(f"needs the optional {', '.join(absent)} (minimal lane: no extras)")


@contextlib.contextmanager
def _skipped_when_an_extra_is_missing() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if WITHOUT_EXTRAS and (module := missing_extra(exc)):
            pytest.skip(f"needs the optional {module} (minimal lane: no extras)")
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    _skip_when_extra_missing(item)
    with _skipped_when_an_extra_is_missing():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    with _skipped_when_an_extra_is_missing():
        return (yield)


@pytest.fixture
def unfrozen_process() -> None:
    """Skip a test that needs gcfreeze to freeze: it leaves a process that froze objects
    itself alone, by design, and CPython 3.12.1 starts with objects frozen (375 here;
    3.11 and 3.13 start with none). Checked when the test starts, not at import: an
    earlier test may have unfrozen them."""
    import gc

    if gc.get_freeze_count():
        pytest.skip(f"this process holds {gc.get_freeze_count()} frozen objects of its own: "
                    "gcfreeze leaves it alone")
