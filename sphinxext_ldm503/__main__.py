"""``python -m sphinxext_ldm503``: the ``ldm503`` command, for when scripts are not on PATH."""

from __future__ import annotations

from .cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
