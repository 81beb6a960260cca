"""Live editing: ten rebuilds in one long-lived process, as a preview server makes them.

sphinx-autobuild (and the language servers that preview as one types) keep the
built site on disk and rebuild it after every save. sphinx-autobuild 2024.2 ran
``sphinx.cmd.build.build_main`` in its own process for each rebuild (a new Sphinx
application on the same output and doctree directories); later versions run the
very same ``build_main`` in a ``python -m sphinx build`` child. Editors' previews
(esbonio) instead keep one application and call ``build()`` again. Both shapes are
driven here, in this one process, through ten edits in a row of the kinds an author
makes while previewing: a prerequisite retargeted, added or removed, a title, a cell
of the catalog CSV (which is no document: Sphinx alone would never notice it).

After each rebuild the pages (every body, the images they name, whose names hash
their DOT), the SVG diagrams themselves and ``ldm503.json`` must equal those of a
clean build of the same sources; and the memory the process holds after each round
must not grow from round to round. Memory is measured with :mod:`tracemalloc` after
a full collection, not timed: the first rounds warm caches (Sphinx's, Pygments',
the extension's per-process ones), so the growth is taken over the last rounds,
and a small allowance covers what the interpreter's own caches keep.
"""

from __future__ import annotations

import contextlib
import gc
import re
import sys
import tracemalloc
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from defusedxml import ElementTree
from sphinx.application import Sphinx
from sphinx.cmd.build import build_main
from sphinx.util.docutils import docutils_namespace, patch_docutils
from test_incremental import whole_output

CONF = """\
extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
graphviz_output_format = "svg"
ldm503_catalog = "milestones.csv"
ldm503_today = "2019-04-30"
"""

INDEX = """\
Preview plan
============

.. toctree::

   early
   later
   report

.. milestone-graph::
   :caption: The whole plan
"""

REPORT = """\
:orphan:

Report
======

.. milestone-report::

.. milestone-table::
"""

CATALOG_HEADER = "id,title,due,forecast,completed,status\n"


def _milestone(ms_id: str, title: str, due: str, prereqs: list[tuple[str, str]]) -> str:
    lines = [f".. milestone:: {ms_id}: {title}", f"   :due: {due}", ""]
    for target, text in prereqs:
        lines += [f"   .. prerequisite:: {target} {text}", ""]
    return "\n".join(lines) + "\n"


class Plan:
    """The sources as data: each edit changes one field and rewrites one file."""

    def __init__(self, src: Path, conf_extra: str = "") -> None:
        self.src = src
        self.conf_extra = conf_extra
        self.titles = {"LDM-503-01": "Camera data ingest", "LDM-503-02": "HSC reprocessing",
                       "LDM-503-03": "Alert generation"}
        self.prereqs: dict[str, list[tuple[str, str]]] = {
            "LDM-503-01": [],
            "LDM-503-02": [("LDM-503-01", "Camera data ingest")],
            "LDM-503-03": [("LDM-503-02", "HSC reprocessing"), ("DM-AP-1", "Single frame")],
        }
        self.catalog = {
            "LDM-503-01": ("Camera data ingest", "2018-06-30", "2018-06-30", "", ""),
            "DM-AP-1": ("Single frame", "2018-03-31", "2018-05-01", "", "in-progress"),
            "DM-AP-2": ("Difference imaging", "2018-09-30", "", "", ""),
        }

    def write(self) -> None:
        self.src.mkdir(parents=True, exist_ok=True)
        files = {
            "conf.py": CONF + self.conf_extra,
            "index.rst": INDEX,
            "report.rst": REPORT,
            "early.rst": "Early\n=====\n\n" + "".join(
                _milestone(i, self.titles[i], "2018-08-31", self.prereqs[i])
                for i in ("LDM-503-01", "LDM-503-02")),
            "later.rst": "Later\n=====\n\n" + _milestone(
                "LDM-503-03", self.titles["LDM-503-03"], "2019-01-31",
                self.prereqs["LDM-503-03"]),
            "milestones.csv": CATALOG_HEADER + "".join(
                f"{i},{','.join(row)}\n" for i, row in sorted(self.catalog.items())),
        }
        for name, text in files.items():
            path = self.src / name
            # Only what changed, as an editor saves one file: Sphinx re-reads newer files.
            if not path.exists() or path.read_text("utf-8") != text:
                path.write_text(text, encoding="utf-8")


def _edits() -> list[tuple[str, Callable[[Plan], None]]]:
    """Ten edits in a row, each a kind an author makes while previewing."""

    def retarget(plan: Plan) -> None:
        plan.prereqs["LDM-503-03"][1] = ("DM-AP-2", "Difference imaging")

    def retitle(plan: Plan) -> None:
        plan.titles["LDM-503-02"] = "HSC reprocessing, second run"

    def catalog_date(plan: Plan) -> None:
        plan.catalog["DM-AP-2"] = ("Difference imaging", "2019-03-31", "2019-06-30", "", "")

    def add_prerequisite(plan: Plan) -> None:
        plan.prereqs["LDM-503-01"].append(("DM-AP-1", "Single frame"))

    def catalog_status(plan: Plan) -> None:
        plan.catalog["DM-AP-1"] = ("Single frame", "2018-03-31", "2018-05-01", "2018-05-02",
                                   "completed")

    def prerequisite_title(plan: Plan) -> None:
        plan.prereqs["LDM-503-02"][0] = ("LDM-503-01", "Camera data ingest (revised)")

    def remove_prerequisite(plan: Plan) -> None:
        plan.prereqs["LDM-503-03"].pop(0)

    def catalog_row(plan: Plan) -> None:
        plan.catalog["DM-AP-3"] = ("Forced photometry", "2018-12-31", "", "", "at-risk")
        plan.prereqs["LDM-503-03"].append(("DM-AP-3", "Forced photometry"))

    def catalog_title(plan: Plan) -> None:
        plan.catalog["LDM-503-01"] = ("Camera ingest", "2018-06-30", "2018-07-15", "", "")

    def restore(plan: Plan) -> None:
        plan.prereqs["LDM-503-03"].insert(0, ("LDM-503-02", "HSC reprocessing, second run"))
        plan.titles["LDM-503-03"] = "Alert generation and distribution"

    return [(f.__name__, f) for f in (
        retarget, retitle, catalog_date, add_prerequisite, catalog_status, prerequisite_title,
        remove_prerequisite, catalog_row, catalog_title, restore)]


def _drawing(svg: str) -> list[str]:
    """What a reader sees of an SVG: every element with its attributes and text, sorted.

    Graphviz writes the same drawing with its elements in an order that depends on
    how the DOT was handed to it (one diagram alone, or several in one batched run),
    and with comments; neither is seen, so neither is compared.
    """
    root = ElementTree.fromstring(svg.encode("utf-8"))
    return sorted(
        f"{element.tag} {sorted(element.attrib.items())} {(element.text or '').strip()}"
        for element in root.iter()
    )


def _diagrams(outdir: Path) -> dict[str, list[str]]:
    """Every SVG diagram the pages name (the file name hashes its DOT), as drawn.

    Only those the pages name: like Sphinx, the preview leaves superseded images in
    ``_images``, where nothing links to them.
    """
    named = {name for page in outdir.glob("*.html")
             for name in re.findall(r'_images/([^"#\s]+\.svg)', page.read_text("utf-8"))}
    return {name: _drawing((outdir / "_images" / name).read_text("utf-8"))
            for name in sorted(named)}


#: Every page's body (and the images it names), ``ldm503.json``; the diagrams as drawn.
Output = tuple[dict[str, str], dict[str, list[str]]]


def _everything(outdir: Path, srcdir: Path) -> Output:
    return whole_output(outdir, srcdir), _diagrams(outdir)


@pytest.fixture(scope="module")
def clean_builds(tmp_path_factory: pytest.TempPathFactory) -> list[Output]:
    """What a clean build gives after each edit (``-E``, a new output directory).

    Made once for both shapes, before either keeps anything alive, so that docutils'
    process-wide registries are only ever patched by one application at a time.
    """
    tmp = tmp_path_factory.mktemp("clean")
    plan = Plan(tmp / "src")
    outputs = []
    for _name, edit in _edits():
        edit(plan)
        plan.write()
        out = tmp / f"out-{len(outputs)}"
        assert build_main(["-q", "-E", "-b", "html", "-d", str(tmp / "doctrees"),
                           str(plan.src), str(out)]) == 0
        outputs.append(_everything(out, plan.src))
    return outputs


def _traced_after_collection() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


class _AppKeeper:
    """One Sphinx application kept across rebuilds, as an editor's preview keeps it.

    docutils' registries are process-wide and Sphinx registers its nodes in them when
    the application is made, so they stay patched for the application's whole life.
    """

    def __init__(self, src: Path, out: Path, doctrees: Path) -> None:
        self.src, self.out, self.doctrees = src, out, doctrees
        self.app: Sphinx | None = None
        self.warnings = StringIO()
        self.namespace = contextlib.ExitStack()

    def __call__(self) -> int:
        if self.app is None:
            self.namespace.enter_context(patch_docutils(self.src))
            self.namespace.enter_context(docutils_namespace())
            self.app = Sphinx(self.src, self.src, self.out, self.doctrees, "html",
                              status=None, warning=self.warnings)
        # Nothing cleared here (SphinxTestApp.build() clears Sphinx's cache of pickled
        # doctrees): the extension drops the stale ones itself, and reads the catalog
        # again, as a host that keeps its application needs. Only the last build's
        # warnings: a preview shows them, then forgets them.
        self.warnings.seek(0)
        self.warnings.truncate()
        self.app.build()
        return self.app.statuscode

    def close(self) -> None:
        self.namespace.close()


def _autobuild(src: Path, out: Path, doctrees: Path) -> Callable[[], int]:
    """A rebuild as sphinx-autobuild makes one: ``sphinx-build SRC OUT`` run again, a new
    application each time on the same directories (``-d`` where autobuild's users put it)."""
    return lambda: build_main(["-q", "-b", "html", "-d", str(doctrees), str(src), str(out)])


#: Bytes the process may keep more after the last rounds than after the first
#: measured one: the interpreter's and libraries' bounded caches settle within it
#: (measured: 30-40 kB over seven rounds). A build that leaves its doctrees behind,
#: as one whose garbage collector stays frozen does, keeps about 540 kB a round here.
GROWTH_ALLOWANCE = 400_000
#: Rounds before memory is measured: the first builds fill caches that then stay.
WARM_UP = 3


@pytest.mark.parametrize("shape", ["autobuild", "one-app"])
def test_ten_edits_in_one_process_equal_clean_builds(
    tmp_path: Path, shape: str, clean_builds: list[Output]
) -> None:
    plan = Plan(tmp_path / "src")
    plan.write()
    out, doctrees = tmp_path / "src" / "_build" / "html", tmp_path / "src" / "_build" / "doctrees"
    keeper = _AppKeeper(plan.src, out, doctrees)
    rebuild = _autobuild(plan.src, out, doctrees) if shape == "autobuild" else keeper
    tracemalloc.start()
    try:
        assert rebuild() == 0
        held: list[int] = []
        for (name, edit), clean in zip(_edits(), clean_builds, strict=True):
            edit(plan)
            plan.write()
            assert rebuild() == 0, name
            incremental = _everything(out, plan.src)
            assert incremental[0] == clean[0], name
            assert incremental[1] == clean[1], name
            del incremental
            held.append(_traced_after_collection())
    finally:
        tracemalloc.stop()
        keeper.close()
    # Every edit shows: the last state is not the first.
    assert plan.titles["LDM-503-03"] in (out / "later.html").read_text("utf-8")
    # No growth from build to build once warm: the last rounds hold what the first did.
    baseline = held[WARM_UP - 1]
    grown = max(held[WARM_UP:]) - baseline
    assert grown < GROWTH_ALLOWANCE, [f"{b / 1e6:.2f} MB" for b in held]


@pytest.mark.slow
def test_sphinx_autobuild_itself_rebuilds_as_a_clean_build(
    tmp_path: Path, clean_builds: list[Output], capsys: pytest.CaptureFixture[str]
) -> None:
    """The real tool's rebuild (today a ``python -m sphinx build`` child per save), on
    three edits of the three kinds: a prerequisite, a title, the catalog."""
    build = pytest.importorskip("sphinx_autobuild.build")
    plan = Plan(tmp_path / "src")
    plan.write()
    out = tmp_path / "src" / "_build" / "html"
    builder = build.Builder(["-q", "-b", "html", str(plan.src), str(out)],
                            url_host="127.0.0.1:8000", pre_build_commands=[],
                            post_build_commands=[])
    builder(changed_paths=[])
    for (name, edit), clean in list(zip(_edits(), clean_builds, strict=True))[:3]:
        edit(plan)
        plan.write()
        builder(changed_paths=[plan.src / "later.rst"])
        assert "Sphinx exited" not in capsys.readouterr().out, name
        assert _everything(out, plan.src) == clean, name


def test_the_sphinx_cache_the_extension_trims_is_still_there(tmp_path: Path) -> None:
    """Pin: ``forget_stale_doctrees`` trims ``env._pickled_doctree_cache``, a Sphinx
    internal; a Sphinx without it would make the one-app test above fail, and this
    one names why."""
    Plan(tmp_path / "src").write()
    with patch_docutils(tmp_path / "src"), docutils_namespace():
        app = Sphinx(tmp_path / "src", tmp_path / "src", tmp_path / "out", tmp_path / "dt",
                     "html", status=None, warning=StringIO())
        assert isinstance(app.env._pickled_doctree_cache, dict)


INTERRUPTER = '''\
"""Stops the next build while it reads, once, as Ctrl-C would (test_autobuild.py)."""
from pathlib import Path


def setup(app):
    def stop(app, doctree):
        marker = Path(app.srcdir) / "INTERRUPT"
        if marker.exists():
            marker.unlink()
            raise KeyboardInterrupt

    app.connect("doctree-read", stop)
    return {"parallel_read_safe": True}
'''


def test_an_interrupted_rebuild_leaves_the_process_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An author presses Ctrl-C during a rebuild (or a host stops one to start the next)
    and the preview goes on: the later rebuilds must neither keep the collector frozen
    nor let memory grow."""
    plan = Plan(tmp_path / "src", conf_extra=(
        "import sys\nfrom pathlib import Path\n"
        "sys.path.insert(0, str(Path(__file__).parent))\nextensions.append('interrupter')\n"))
    plan.write()
    (plan.src / "interrupter.py").write_text(INTERRUPTER, encoding="utf-8")
    out, doctrees = plan.src / "_build" / "html", plan.src / "_build" / "doctrees"
    rebuild = _autobuild(plan.src, out, doctrees)
    callbacks, path, baseline = list(gc.callbacks), list(sys.path), gc.get_freeze_count()
    tracemalloc.start()
    try:
        assert rebuild() == 0
        (plan.src / "INTERRUPT").touch()
        plan.titles["LDM-503-01"] = "Camera data ingest, interrupted"
        plan.write()
        assert rebuild() == 2  # sphinx-build's status for an interrupted build
        assert "Interrupted" in capsys.readouterr().err
        held = []
        for _name, edit in _edits():
            edit(plan)
            plan.write()
            assert rebuild() == 0
            held.append(_traced_after_collection())
        frozen, leftover = gc.get_freeze_count(), [c for c in gc.callbacks if c not in callbacks]
    finally:
        tracemalloc.stop()
        # Whatever the build left, the rest of the test session must not inherit it.
        for callback in [c for c in gc.callbacks if c not in callbacks]:
            gc.callbacks.remove(callback)
        if gc.get_freeze_count() != baseline:
            gc.unfreeze()
        sys.path[:] = path
        sys.modules.pop("interrupter", None)
    assert (frozen, leftover) == (baseline, [])
    grown = max(held[WARM_UP:]) - held[WARM_UP - 1]
    assert grown < GROWTH_ALLOWANCE, [f"{b / 1e6:.2f} MB" for b in held]
