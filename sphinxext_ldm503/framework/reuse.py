"""Results of the last build kept beside the doctrees, reused while their inputs stand.

The checks' findings depend only on the plan, the catalogs and the settings
(:meth:`~sphinxext_ldm503.framework.domain.MilestoneDomain.inputs_digest`). After an edit
that leaves those alone (prose, a typo in a paragraph) they are loaded instead
of computed. They live in files of their own rather than in the pickled
environment, which every build loads whether it needs them or not, and each
file names the digest it was computed for: a stale or damaged file is never
used, only replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

#: Bumped when what is stored changes shape, so older files are ignored.
FORMAT = 1


def _path(directory: str | os.PathLike[str], name: str) -> Path:
    return Path(directory) / f"ldm503-{name}.pickle"


def load(directory: str | os.PathLike[str] | None, name: str, digest: str) -> Any:
    """What :func:`store` kept under ``name`` for ``digest``; None if anything else is there."""
    if directory is None:
        return None
    try:
        with _path(directory, name).open("rb") as stream:
            stored = pickle.load(stream)
    except Exception:  # missing, truncated, from another version: compute afresh
        return None
    if not isinstance(stored, tuple) or len(stored) != 3 or stored[:2] != (FORMAT, digest):
        return None
    return stored[2]


def store(directory: str | os.PathLike[str] | None, name: str, digest: str, value: Any) -> None:
    """Keep ``value`` for ``digest``; silently nothing when the directory is not writable
    (reuse saves time, its absence costs only that)."""
    if directory is None:
        return
    path = _path(directory, name)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as stream:
            pickle.dump((FORMAT, digest, value), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError):
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def file_digest(path: str | os.PathLike[str] | None) -> str:
    """A hash of a file's path and bytes; "" without a path (a missing file hashes its
    error, so that its appearance changes the digest)."""
    if not path:
        return ""
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False)
    try:
        digest.update(Path(path).read_bytes())
    except OSError as exc:
        digest.update(f"unreadable: {exc.strerror}".encode())
    return digest.hexdigest()
