"""The version matrix: one session per lane, each in an environment of its own.

``make matrix`` runs every lane; ``nox -s oldest`` one of them. The lanes are what
``pyproject.toml`` declares, at its ends:

- ``oldest``: the lowest versions we declare (Python 3.11, Sphinx 8.1, docutils 0.21,
  myst-parser 4, sphinx-needs 9.1, matplotlib 3.10, networkx 3.2, graphviz 0.20).
- ``newest``: the newest releases the declared ranges admit, on Python 3.13.
- ``minimal``: no optional extra (no sphinx-needs, matplotlib or myst-parser), on Python
  3.12 with Sphinx 8.2 and docutils 0.20, the lowest docutils we declare (sphinx-needs
  needs 0.21, so it cannot be in a lane with sphinx-needs).
- ``documenteer``: Rubin's own stack (documenteer's ``guide`` and ``technote``
  configurations; it resolves to Sphinx 8.1 and pydata-sphinx-theme 0.12).

Each lane runs the fast suite (``-m "not slow and not pdf"``, one process per core with
pytest-xdist) unless given other pytest arguments after ``--``; ``make test`` runs the
whole suite in the development environment. A Python the machine does not have is
reported and its lane skipped, never downloaded.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import nox

nox.options.sessions = ["oldest", "newest", "minimal", "documenteer"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"

#: The fast suite, one process per core (pytest-xdist): every test stands alone.
FAST = ["-m", "not slow and not pdf", "-n", "auto", "-p", "no:cacheprovider"]

#: The oldest versions we declare, as one pin each.
OLDEST = [
    "sphinx==8.1.3",
    "docutils==0.21.2",
    "myst-parser==4.0.0",
    "sphinx-needs==9.1.0",
    "matplotlib==3.10.0",
    "networkx==3.2",
    "graphviz==0.20",
    "pydata-sphinx-theme==0.16.0",
]

#: Sphinx 8.2 (the middle of the range) with the lowest docutils it and we accept.
MINIMAL = ["sphinx==8.2.3", "docutils==0.20.1"]


def interpreter(version: str) -> str | None:
    """A working Python ``version`` here: one of pyenv's, or one on ``PATH``.

    A pyenv shim is on ``PATH`` for every version pyenv knows but fails for those not
    selected, so each candidate is asked to run before it is taken.
    """
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin",
                                               f"python{version}")), reverse=True)
    on_path = shutil.which(f"python{version}")
    for candidate in [*candidates, *([on_path] if on_path else [])]:
        try:
            subprocess.run([candidate, "-c", "pass"], check=True, capture_output=True,
                           timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        return candidate
    return None


def _python(version: str) -> str:
    """The interpreter nox is to use, or the bare version (nox then says it is missing)."""
    return interpreter(version) or version


def _test(session: nox.Session, *default: str, env: dict[str, str] | None = None) -> None:
    session.run("python", "-m", "pytest", *(session.posargs or default), env=env or {})


def _require_interpreter(session: nox.Session, version: str) -> None:
    if interpreter(version) is None:
        session.skip(f"Python {version} is not on this machine (PATH or pyenv): lane skipped")


@nox.session(python=_python("3.11"))
def oldest(session: nox.Session) -> None:
    """The lowest declared versions of everything."""
    _require_interpreter(session, "3.11")
    session.install("-e", ".[test,example]", *OLDEST)
    session.run("python", "-m", "pip", "check")
    _test(session, *FAST)


@nox.session(python=_python("3.13"))
def newest(session: nox.Session) -> None:
    """The newest releases the declared ranges admit."""
    _require_interpreter(session, "3.13")
    session.install("--upgrade", "--upgrade-strategy", "eager", "-e", ".[test,example]")
    session.run("python", "-m", "pip", "check")
    _test(session, *FAST)


@nox.session(python=_python("3.12"))
def minimal(session: nox.Session) -> None:
    """No optional extras: the extension degrades as documented and the core still works."""
    _require_interpreter(session, "3.12")
    # The themes are the example's and the browser tests', not extras of the extension.
    session.install("-e", ".[test-core,example]", *MINIMAL)
    for optional in ("sphinx_needs", "matplotlib", "myst_parser"):
        session.run("python", "-c", f"import importlib.util as u, sys; "
                    f"sys.exit(u.find_spec({optional!r}) is not None)", silent=True)
    _test(session, *FAST, env={"LDM503_WITHOUT_EXTRAS": "1"})


@nox.session(python=_python("3.11"))
def documenteer(session: nox.Session) -> None:
    """Rubin's documenteer stack builds the example and a technote, twice."""
    _require_interpreter(session, "3.11")
    session.install("-e", ".[test-core,needs]", "documenteer[guide,technote]")
    _test(session, "-p", "no:cacheprovider", "tests/test_documenteer.py")
