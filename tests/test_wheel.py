"""The package a user installs: an sdist and a wheel, and the wheel on its own.

``python -m build`` makes both from a copy of the repository; ``twine check`` reads their
metadata; the wheel goes into a fresh virtual environment, run from a folder with no
source tree in it, and builds the example plan (HTML and LaTeX) and runs the ``ldm503``
command there. Needs the package registry for the build back end and the dependencies
(pip's cache makes later runs quick); marked slow.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from sphinxext_ldm503 import __version__

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent

#: Files the package needs at run time besides its modules, in both distributions.
PACKAGE_DATA = ("static/ldm503.css", "static/ldm503.js", "texinputs/sphinxext-ldm503.sty",
                "py.typed")


def _run(*args: str | Path, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built from the committed layout (not the work tree's
    caches and build outputs)."""
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "sphinxext-ldm503"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".nox", "_build", "dist", "build", "*.egg-info", "__pycache__",
        ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"))
    _run(sys.executable, "-m", "build", "--outdir", out, source, cwd=source)
    return out


def test_sdist_and_wheel_carry_the_package_data_and_pass_twine(dist: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    sdist = next(dist.glob("*.tar.gz"))
    assert wheel.name == f"sphinxext_ldm503-{__version__}-py3-none-any.whl"
    assert sdist.name == f"sphinxext_ldm503-{__version__}.tar.gz"
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
        metadata = archive.read(f"sphinxext_ldm503-{__version__}.dist-info/METADATA").decode()
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for data in PACKAGE_DATA:
        assert f"sphinxext_ldm503/{data}" in in_wheel, data
        assert f"sphinxext_ldm503/{data}" in in_sdist, data
    assert {"README.rst", "CHANGES.rst", "LICENSE", "pyproject.toml"} <= in_sdist
    assert f"Version: {__version__}" in metadata
    assert "example.invalid" not in metadata  # project URLs are real or absent
    assert "Requires-Dist: sphinx<10,>=8.1" in metadata
    pytest.importorskip("twine")
    _run(sys.executable, "-m", "twine", "check", "--strict", *dist.iterdir(), cwd=dist)


def test_the_wheel_alone_builds_the_example_and_runs_the_command(dist: Path,
                                                                 tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    wheel = next(dist.glob("*.whl"))
    # The example uses sphinx-needs and pydata-sphinx-theme: the extras a user would add.
    _run(python, "-m", "pip", "install", "--quiet", f"{wheel}[needs]",
         "pydata-sphinx-theme>=0.16,<0.18", cwd=tmp_path)
    where = _run(python, "-c", "import sphinxext_ldm503 as m; print(m.__file__)", cwd=tmp_path)
    assert str(venv) in where.stdout and str(REPO) not in where.stdout

    project = tmp_path / "plan"
    shutil.copytree(REPO / "example-docs", project)
    shutil.copy(REPO / "conf.py", project / "conf.py")
    html = _run(bin_dir / "sphinx-build", "-b", "html", "-q", project, tmp_path / "html",
                cwd=tmp_path)
    assert "Traceback" not in html.stderr
    page = (tmp_path / "html" / "camera-and-daq.html").read_text(encoding="utf-8")
    assert 'id="ms-ldm-503-07"' in page and "<svg" in page
    assert (tmp_path / "html" / "_static" / "ldm503.js").is_file()
    assert (tmp_path / "html" / "ldm503.json").is_file()
    _run(bin_dir / "sphinx-build", "-b", "latex", "-q", project, tmp_path / "latex",
         cwd=tmp_path)
    assert (tmp_path / "latex" / "sphinxext-ldm503.sty").is_file()
    assert "sphinxext-ldm503" in (
        tmp_path / "latex" / "ldm503-test-milestones.tex").read_text(encoding="utf-8")

    version = _run(bin_dir / "ldm503", "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"ldm503 {__version__}"
    check = _run(bin_dir / "ldm503", "check", project, cwd=tmp_path)
    # The reviewer's findings, located, and the summary (warnings do not fail the check).
    assert re.search(r"camera-and-daq\.rst:\d+: warning: ", check.stdout)
    assert re.search(r"ldm503: 0 errors, \d+ warnings, \d+ info", check.stdout)
