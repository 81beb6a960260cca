"""Shared fixtures: Sphinx's testing fixtures over the projects in tests/roots/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

ROOTS = Path(__file__).parent / "roots"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


def read_json(app) -> dict:
    return json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))
