"""The package's version: one place, read by pyproject.toml without importing anything."""

__version__ = "0.2.0"
