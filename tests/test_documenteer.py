"""Rubin's own stack: the plan built under documenteer's configurations.

documenteer (Rubin Observatory's Sphinx tooling) configures user guides
(``documenteer.conf.guide``) and technotes (``documenteer.conf.technote``) with two dozen
extensions of its own, pydata-sphinx-theme 0.12 and, on Python 3.11, Sphinx 8.1. A plan
built there must be the plan we build: the same milestones on the same pages, the same
diagrams and the same ``ldm503.json``, also after an edit and an incremental rebuild (on
Sphinx 8.1 the second build once crashed). The nox lane ``documenteer`` installs it;
elsewhere these tests are skipped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytest.importorskip("documenteer")

pytestmark = pytest.mark.documenteer

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example-docs"
GUIDE_PAGE = REPO / "docs" / "documenteer.rst"


def _snippets(language: str) -> list[str]:
    """The ``code-block`` snippets of one language on the user guide's documenteer page,
    in order: the tests build exactly what the page tells a user to write."""
    text = GUIDE_PAGE.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(rf"^\.\. code-block:: {language}\n\n((?:   .*\n|\n)+)", text,
                             re.M):
        lines = match.group(1).rstrip("\n").splitlines()
        found.append("".join(f"{line[3:]}\n" for line in lines))
    return found

#: Added to a page between the two builds: a new milestone whose prerequisite is
#: declared on another page, so that page's "Required by" changes too.
EDIT = """

.. milestone:: LDM-503-99: Added between two builds
   :due: 2020-01-31
   :requires: LDM-503-01

   .. prerequisite:: LDM-503-02 Test report: HSC reprocessing
"""


def _example_settings() -> dict[str, object]:
    """The example's own settings for the plan (ldm503, needs, graphviz), from conf.py."""
    namespace: dict[str, object] = {}
    exec(compile((REPO / "conf.py").read_text(encoding="utf-8"), "conf.py", "exec"),
         namespace)
    return {k: v for k, v in sorted(namespace.items())
            if k.startswith(("ldm503_", "needs_", "graphviz_"))}


def _git_init(path: Path) -> None:
    """documenteer reads the project's git repository (branch, edit links)."""
    run = ["git", "-c", "user.email=ci@example.org", "-c", "user.name=CI"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run([*run, "-C", str(path), "add", "-A"], check=True)
    subprocess.run([*run, "-C", str(path), "commit", "-q", "-m", "plan"], check=True)


def _build(srcdir: Path, outdir: Path, confdir: Path | None = None) -> str:
    """One ``sphinx-build`` in its own process (documenteer's extensions are many), run
    from the project's folder as Rubin's projects do; its warnings.

    Our own builds (``confdir``) use alabaster: the example's pydata-sphinx-theme options
    are for 0.16, and documenteer brings 0.12. The facts compared are the theme's
    content, not its frame.
    """
    args = [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(srcdir), str(outdir)]
    if confdir is not None:
        args[3:3] = ["-c", str(confdir), "-D", "html_theme=alabaster"]
    done = subprocess.run(args, cwd=srcdir, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Traceback" not in done.stderr and "Exception occurred" not in done.stderr
    return done.stderr


def _facts(outdir: Path) -> dict[str, object]:
    """What the plan looks like in a build, whatever the theme around it: per page, its
    milestones, their links to other milestones, and each inline diagram's nodes; and
    ldm503.json."""
    pages: dict[str, object] = {}
    for page in sorted(outdir.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        blocks = soup.select("dl.ldm503.milestone")
        anchors = [dt.get("id") for block in blocks for dt in block.find_all("dt", id=True)]
        links = [a["href"].split("#")[-1] for block in blocks
                 for a in block.select("a[href*='#ms-']")]
        diagrams = [sorted(re.sub(r"^.*?-(ms-)", r"\1", g["id"])
                           for g in frame.select("g.node[id]"))
                    for frame in soup.select("[data-ldm503-graph]")]
        if blocks or diagrams:
            pages[page.relative_to(outdir).as_posix()] = (anchors, links, diagrams)
    data = json.loads((outdir / "ldm503.json").read_text(encoding="utf-8"))
    return {"pages": pages, "json": data}


def _same_plan(ours: dict[str, object], theirs: dict[str, object]) -> None:
    assert theirs["json"] == ours["json"]
    ours_pages, theirs_pages = ours["pages"], theirs["pages"]
    assert isinstance(ours_pages, dict) and isinstance(theirs_pages, dict)
    # documenteer adds pages of its own (none with milestones); every page of ours is there
    # and shows the same milestones, links and diagrams.
    for page, facts in ours_pages.items():
        assert theirs_pages.get(page) == facts, page


def _edited_and_rebuilt(plain: tuple[Path, Path], theirs: Path, page: str, edit: str,
                        tmp_path: Path) -> dict[str, object]:
    """The same edit in both projects; documenteer's rebuilt incrementally (into
    ``out-<name>``, built before), ours from scratch; the two compared. The facts of
    documenteer's rebuild."""
    (ours, confdir) = plain
    for project in (ours, theirs):
        with (project / page).open("a", encoding="utf-8") as f:
            f.write(edit)
    _build(ours, tmp_path / "out-plain-clean", confdir=confdir)
    _build(theirs, tmp_path / f"out-{theirs.name}")
    after = _facts(tmp_path / f"out-{theirs.name}")
    _same_plan(_facts(tmp_path / "out-plain-clean"), after)
    return after


def test_the_example_as_a_documenteer_user_guide(tmp_path: Path) -> None:
    plain, guide = tmp_path / "plain", tmp_path / "guide"
    shutil.copytree(EXAMPLE, plain)
    shutil.copytree(EXAMPLE, guide)
    guide_toml, _technote_toml = _snippets("toml")
    guide_conf = _snippets("python")[0]
    (guide / "documenteer.toml").write_text(guide_toml, encoding="utf-8")
    (guide / "conf.py").write_text(guide_conf, encoding="utf-8")
    # The page's settings are the example's own, all of them.
    namespace: dict[str, object] = {}
    exec(guide_conf.replace("from documenteer.conf.guide import *", "pass"), namespace)
    assert {k: v for k, v in namespace.items() if k in _example_settings()} == {
        k: v for k, v in _example_settings().items() if not k.startswith("needs_")}
    _git_init(guide)

    _build(plain, tmp_path / "out-plain", confdir=REPO)
    warnings = _build(guide, tmp_path / "out-guide")
    assert "ldm503.schedule-inversion" in warnings  # the reviewer's findings, found there too
    _same_plan(_facts(tmp_path / "out-plain"), _facts(tmp_path / "out-guide"))

    after = _edited_and_rebuilt((plain, REPO), guide, "ops-rehearsals.rst", EDIT, tmp_path)
    assert "LDM-503-99" in {m["id"] for m in after["json"]["milestones"]}  # type: ignore[index]


def test_a_one_page_plan_as_a_documenteer_technote(tmp_path: Path) -> None:
    plain, note = tmp_path / "plain", tmp_path / "note"
    _guide_toml, technote_toml = _snippets("toml")
    technote_conf = _snippets("python")[1]
    (technote_index,) = _snippets("rst")
    for project in (plain, note):
        project.mkdir()
        (project / "index.rst").write_text(technote_index, encoding="utf-8")
    (plain / "conf.py").write_text(
        'extensions = ["sphinxext_ldm503"]\ngraphviz_output_format = "svg"\n', encoding="utf-8")
    plain_conf = plain
    (note / "technote.toml").write_text(technote_toml, encoding="utf-8")
    (note / "conf.py").write_text(technote_conf, encoding="utf-8")
    assert "documenteer_bibfile_github_repos = []" in technote_conf  # offline
    _git_init(note)

    _build(plain, tmp_path / "out-plain", confdir=plain_conf)
    _build(note, tmp_path / "out-note")
    before = _facts(tmp_path / "out-note")
    _same_plan(_facts(tmp_path / "out-plain"), before)
    # The whole-plan diagram, last on the page, after each milestone's own.
    assert before["pages"]["index.html"][2][-1] == [  # type: ignore[index]
        "ms-dm-suit-1", "ms-ldm-503-01", "ms-ldm-503-02"]

    edit = "\n.. milestone:: LDM-503-03: Added later\n   :requires: LDM-503-02\n"
    after = _edited_and_rebuilt((plain, plain_conf), note, "index.rst", edit, tmp_path)
    assert "ms-ldm-503-03" in after["pages"]["index.html"][2][-1]  # type: ignore[index]
