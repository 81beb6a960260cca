"""sphinx-needs interplay: milestones are needs, needs can be milestones.

The project in ``tests/roots/test-needs`` loads both extensions and keeps its own
sphinx-needs configuration (a link type, a field); ``spec`` needs link to
milestones and a milestone requires a ``spec``.
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
from conftest import read_json

ROOT = Path(__file__).resolve().parent.parent
ROOTS = ROOT / "tests" / "roots"


def needs_of(app) -> dict[str, dict]:
    doc = json.loads((Path(app.outdir) / "needs.json").read_text(encoding="utf-8"))
    return doc["versions"][doc["current_version"]]["needs"]


def soup(app, page: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / page).read_text(encoding="utf-8"), "html.parser")


def ours(warning) -> list[str]:
    return [w for w in warning.getvalue().splitlines() if "WARNING" in w]


@pytest.mark.sphinx("needs", testroot="needs", freshenv=True)
def test_milestones_are_needs_in_needs_json(app, warning) -> None:
    app.build()
    needs = needs_of(app)
    ms = needs["LDM-503-07"]
    assert ms["type"] == "milestone"
    assert ms["title"] == "Camera Data Processing"
    assert ms["status"] == "completed"
    assert (ms["due"], ms["forecast"], ms["completed"], ms["level"]) == (
        "2019-08-30", "2019-01-17", "2019-01-17", "2")
    assert ms["tags"] == ["camera", "processing"]
    assert (ms["docname"], ms["lineno"]) == ("plan", 15)
    # Unquestioned edges are `requires`, open queries `requires_queried`, dropped a field.
    assert ms["requires"] == ["DM-DRP-4", "LDM-503-02"]
    assert ms["requires_queried"] == ["LDM-503-06"]
    assert ms["requires_dropped"] == "LDM-503-01"
    assert needs["LDM-503-02"]["requires_back"] == ["LDM-503-07"]
    assert needs["LDM-503-06"]["requires_queried_back"] == ["LDM-503-07"]
    # A milestone requires a spec; a spec links to a milestone.
    assert needs["LDM-503-02"]["requires"] == ["SPEC_CAMERA"]
    assert needs["SPEC_CAMERA"]["requires_back"] == ["LDM-503-02"]
    assert ms["links_back"] == ["SPEC_PROC"]
    # The catalog-free status of a milestone without one is the effective "planned"/dated.
    assert needs["LDM-503-02"]["status"] == "completed"
    # needextend sees milestones; the project's own field is kept.
    assert needs["LDM-503-06"]["owner"] == "readiness team"
    assert needs["SPEC_CAMERA"]["owner"] == "camera team"
    assert not [w for w in ours(warning) if "needs." in w or "ldm503.invalid" in w]


@pytest.mark.sphinx("html", testroot="needs", freshenv=True)
def test_needs_views_show_milestones(app, warning) -> None:
    app.build()
    views = soup(app, "views.html")
    table = views.find("table", class_="NEEDS_TABLE")
    rows = {tr["data-need-id"]: tr for tr in table.find_all("tr", class_="need")}
    assert sorted(rows) == ["LDM-503-02", "LDM-503-06", "LDM-503-07"]
    row = rows["LDM-503-02"]
    assert row.find("td", class_="needs_requires").get_text() == "SPEC_CAMERA"
    assert row.find("td", class_="needs_requires_back").a["href"] == "plan.html#LDM-503-07"
    # needlist with a filter string on milestones
    assert views.find(id="needlist-views-0").get_text(strip=True) == (
        "LDM-503-06: ComCam readiness")
    # needflow (graphviz engine) draws the milestones and the spec they require
    flow = views.find("figure", id="needflow-views-0")
    assert flow.find("img", class_="graphviz") is not None
    hrefs = {area["href"] for area in flow.find_all("area")}
    assert hrefs == {"plan.html#LDM-503-02", "plan.html#LDM-503-06", "plan.html#LDM-503-07",
                     "specs.html#SPEC_CAMERA"}
    # needpie counts milestones with filter strings
    pie = views.find("img", id="needpie-views-0")
    assert (Path(app.outdir) / pie["src"]).is_file()
    # :need: links to the milestone's block: an anchor of ours, not a second rendering
    link = soup(app, "index.html").find("a", href=re.compile(r"plan\.html#LDM-503-07"))
    assert link is not None
    plan = soup(app, "plan.html")
    assert plan.find(id="LDM-503-07") is not None
    assert plan.find(id="LDM-503-07").find_parent("dl", class_="milestone") is not None
    assert plan.find("div", class_="need") is None
    assert len(plan.find_all("dl", class_="milestone")) == 3
    assert not [w for w in ours(warning) if "needs." in w or "ldm503.invalid" in w]
    # Our plan is unchanged by the needs' presence.
    assert [m["id"] for m in read_json(app)["milestones"] if m["declared"]] == [
        "LDM-503-02", "LDM-503-06", "LDM-503-07"]


def _project(tmp_path: Path, conf_extra: str = "", **pages: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["sphinx_needs", "sphinxext_ldm503"]\nldm503_milestone_graphs = False\n'
        'suppress_warnings = ["ldm503.no-internal-prerequisites"]\n' + conf_extra,
        encoding="utf-8")
    pages.setdefault("index", "Index\n=====\n\n.. toctree::\n\n   " +
                     "\n   ".join(sorted(p for p in pages if p != "index")) + "\n")
    for name, text in pages.items():
        (src / f"{name}.rst").write_text(text, encoding="utf-8")
    return src


@pytest.mark.parametrize("order", ["milestone-first", "need-first"])
def test_an_id_used_by_a_need_and_a_milestone_is_one_warning(make_app, tmp_path, order):
    ms = ".. milestone:: LDM-503-01: Camera\n   :due: 2019-01-01\n"
    need = ".. req:: Camera requirement\n   :id: LDM-503-01\n"
    a, b = (ms, need) if order == "milestone-first" else (need, ms)
    src = _project(tmp_path, a="A\n=\n\n" + a, b="B\n=\n\n" + b)
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    warnings = [w for w in ours(app._warning) if "LDM-503-01" in w]
    assert len(warnings) == 1, warnings
    assert re.search(r"[ab]\.rst:\d+: WARNING", warnings[0])
    assert "Traceback" not in app._warning.getvalue()
    # Our milestone still renders and is still in the plan.
    assert [m["id"] for m in read_json(app)["milestones"]] == ["LDM-503-01"]


def test_project_types_links_and_fields_are_kept_and_clashes_warned(make_app, tmp_path):
    conf = (
        'needs_types = [{"directive": "milestone", "title": "Gate", "prefix": "G_"},\n'
        '               {"directive": "req", "title": "Requirement", "prefix": "R_"}]\n'
        'needs_links = {"requires": {"incoming": "needed by", "outgoing": "needs"}}\n'
        'needs_fields = {"due": {"description": "our due", "nullable": True}}\n'
    )
    page = ("P\n=\n\n.. milestone:: LDM-503-01: Camera\n   :due: 2019-01-01\n"
            "   :requires: LDM-503-02\n\n.. milestone:: LDM-503-02: Earlier\n\n"
            ".. req:: A requirement\n   :id: REQ_001\n   :links: LDM-503-01\n")
    src = _project(tmp_path, conf, p=page)
    app = make_app("needs", srcdir=src, freshenv=True)
    app.build()
    text = app._warning.getvalue()
    assert "Traceback" not in text
    clashes = [w for w in ours(app._warning) if "[ldm503.invalid]" in w]
    assert len(clashes) == 2, clashes
    assert any("'milestone' type" in w and "conf.py:" in w for w in clashes)
    assert any("'requires'" in w and "conf.py:" in w for w in clashes)
    needs = needs_of(app)
    assert needs["LDM-503-01"]["type"] == "milestone"
    assert needs["LDM-503-01"]["type_name"] == "Gate"  # theirs is kept
    assert needs["LDM-503-01"]["due"] == "2019-01-01"
    assert needs["LDM-503-01"]["requires"] == ["LDM-503-02"]
    assert needs["REQ_001"]["links"] == ["LDM-503-01"]
    # The milestone directive is still ours, not sphinx-needs' directive for the type.
    assert "already registered" not in text


BLOCK_NEEDS = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "sphinx_needs":
            raise ImportError("sphinx_needs is hidden")
        return None
sys.meta_path.insert(0, Block())
from sphinx.cmd.build import main
code = main(["-q", "-b", "html", sys.argv[1], sys.argv[2]])
assert "sphinx_needs" not in sys.modules
print("built", code)
"""


def test_everything_works_without_sphinx_needs(tmp_path) -> None:
    src = tmp_path / "basic"
    shutil.copytree(ROOTS / "test-basic", src)
    proc = subprocess.run([sys.executable, "-c", BLOCK_NEEDS, str(src), str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "built 0"
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "out" / "ldm503.json").is_file()


# -- incremental and parallel builds with both extensions --------------------------------

NEEDS_CONF = """
extensions = ["sphinx_needs", "sphinxext_ldm503"]
needs_build_json = True
suppress_warnings = ["needs.link_outgoing"]
"""


def _with_needs(src: Path) -> Path:
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + NEEDS_CONF, encoding="utf-8")
    return src


def _needs_json(outdir: Path) -> dict:
    doc = json.loads((outdir / "needs.json").read_text(encoding="utf-8"))
    return doc["versions"][doc["current_version"]]["needs"]


def test_parallel_build_equals_serial_with_sphinx_needs(make_app, rootdir, tmp_path) -> None:
    from test_core import _milestone_html

    builds = []
    for name, parallel in (("s", 0), ("p", 2)):
        src = tmp_path / name / "src"
        shutil.copytree(rootdir / "test-multi", src)
        app = make_app("html", srcdir=_with_needs(src), parallel=parallel)
        app.build()
        assert "Traceback" not in app._warning.getvalue()
        builds.append(Path(app.outdir))
    serial, par = builds
    assert (serial / "ldm503.json").read_text() == (par / "ldm503.json").read_text()
    assert _milestone_html(serial) == _milestone_html(par)
    assert _needs_json(serial) == _needs_json(par)
    assert {n["type"] for n in _needs_json(par).values()} == {"milestone"}
    declared = [m["id"] for m in json.loads((par / "ldm503.json").read_text())["milestones"]
                if m["declared"]]
    assert sorted(_needs_json(par)) == sorted(declared)


VIEWS = """\
Views
=====

.. milestone-graph::

.. milestone-table::
   :columns: id, title, due

.. milestone-report::

.. milestone-timeline::
"""


def test_an_epub_with_sphinx_needs_draws_every_view(make_app, rootdir, tmp_path) -> None:
    """sphinx-needs brings sphinx-data-viewer, which registers a visitor of its own for
    ``epub``: Sphinx then took no ``html`` visitor for any other node, and an EPUB of
    the plan stopped with NotImplementedError at our diagram's node."""
    import xml.etree.ElementTree as ET

    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-needs", src)
    (src / "plan-views.rst").write_text(VIEWS, encoding="utf-8")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('graphviz_output_format = "svg"\n')
    index = src / "index.rst"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "   views\n", "   views\n   plan-views\n"), encoding="utf-8")
    app = make_app("epub", srcdir=src)
    app.build()
    assert "NotImplementedError" not in app._warning.getvalue()
    page = ET.parse(Path(app.outdir) / "plan-views.xhtml").getroot()
    tags = [element.tag.rsplit("}", 1)[-1] for element in page.iter()]
    assert tags.count("svg") == 1  # the diagram, inlined
    assert tags.count("object") == 2  # its legend and the timeline
    text = "".join(page.itertext())
    assert "LDM-503-07" in text and "Camera Data Processing" in text


def test_incremental_build_with_sphinx_needs_follows_edits(make_app, rootdir, tmp_path) -> None:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-basic", src)
    _with_needs(src)
    make_app("html", srcdir=src).build()
    later = src / "later.rst"
    later.write_text(later.read_text().replace(":due: 2019-08-30", ":due: 2019-09-30"))
    early = src / "early.rst"
    early.write_text(early.read_text().replace("LDM-503-02: HSC reprocessing",
                                               "LDM-503-22: HSC reprocessing"))
    app = make_app("html", srcdir=src)
    app.build()
    needs = _needs_json(Path(app.outdir))
    assert needs["LDM-503-07"]["due"] == "2019-09-30"
    assert "LDM-503-02" not in needs and "LDM-503-22" in needs
    assert needs["LDM-503-07"]["requires"] == ["DM-DRP-4", "LDM-503-02"]


def _incremental_machine():
    """The incremental property test of test_incremental.py, with sphinx-needs loaded:
    needs.json must also be the same after any edit as after a clean build."""
    import test_incremental
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import invariant

    class PlanEditsWithNeeds(test_incremental.PlanEdits):
        def write(self) -> None:
            super().write()
            conf = self.src / "conf.py"
            text = test_incremental.CONF + NEEDS_CONF
            if conf.read_text(encoding="utf-8") != text:
                conf.write_text(text, encoding="utf-8")

        @invariant()
        def incremental_equals_clean(self) -> None:
            super().incremental_equals_clean()
            incr, clean = _needs_json(self.incr_out), _needs_json(self.tmp / "clean" / "html")
            assert incr == clean
            assert sorted(clean) == sorted(self.declared())

    PlanEditsWithNeeds.TestCase.settings = settings(
        max_examples=6, stateful_step_count=5, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    return PlanEditsWithNeeds


@pytest.mark.slow
class TestIncrementalWithNeeds(_incremental_machine().TestCase):
    pass


# -- needs as milestones -------------------------------------------------------------------


def findings(app) -> list[tuple[str, str | None, str, int | None]]:
    return [(f["check"], f["milestone"], f["docname"], f["line"])
            for f in read_json(app)["findings"]]


@pytest.mark.sphinx("html", testroot="needs-as-ms", freshenv=True)
def test_needs_take_part_in_the_plan(app, warning) -> None:
    app.build()
    doc = read_json(app)
    by_id = {m["id"]: m for m in doc["milestones"]}
    assert sorted(by_id) == ["LDM-503-01", "REQ_CAMERA", "REQ_LOOP", "SPEC_CAMERA"]
    assert "TEST_ONE" not in by_id  # not of a selected type
    camera = by_id["REQ_CAMERA"]
    assert (camera["docname"], camera["line"], camera["status"]) == ("reqs", 4, "completed")
    assert camera["completed"] == "2019-03-01"
    assert [r["id"] for r in camera["requires"]] == ["SPEC_CAMERA"]  # via "depends"
    assert [r["id"] for r in by_id["SPEC_CAMERA"]["requires"]] == ["REQ_LOOP"]  # via "links"
    found = findings(app)
    # A cycle through needs, located at the need
    assert ("cycle", "REQ_CAMERA", "reqs", 4) in found
    # A schedule inversion between a milestone and the need it requires
    assert ("schedule-inversion", "LDM-503-01", "plan", 7) in found
    text = warning.getvalue()
    assert re.search(r"reqs\.rst:4: WARNING: error: Dependency cycle: REQ_CAMERA", text)
    # Drawn, listed and linked: the need's page has the anchor our links use.
    reqs = soup(app, "reqs.html")
    assert reqs.find(id="ms-req-camera") is not None
    views = soup(app, "views.html")
    assert views.find("a", href="reqs.html#ms-spec-camera") is not None
    table_ids = [td.get_text(strip=True) for td in views.select("table td:first-child")]
    assert {"REQ_CAMERA", "REQ_LOOP", "SPEC_CAMERA"} <= {t.split(":")[0] for t in table_ids}
    plan = soup(app, "plan.html")
    assert plan.find("a", href="reqs.html#ms-req-camera") is not None


def test_needs_as_milestones_follow_incremental_edits(make_app, rootdir, tmp_path) -> None:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-needs-as-ms", src)
    first = make_app("html", srcdir=src)
    first.build()
    assert ("schedule-inversion", "LDM-503-01", "plan", 7) in findings(first)
    reqs = src / "reqs.rst"
    reqs.write_text(reqs.read_text().replace(":completed: 2019-03-01", ":completed: 2019-01-01")
                    .replace(":links: REQ_CAMERA", ""))
    app = make_app("html", srcdir=src)
    app.build()
    found = findings(app)
    assert ("schedule-inversion", "LDM-503-01", "plan", 7) not in found
    assert not [f for f in found if f[0] == "cycle"]
    # plan.html was not re-read, but shows the need's new data
    assert "2019-01-01" in (Path(app.outdir) / "views.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("value", [
    'ldm503_needs_as_milestones = {"types": "req", "bogus": 1}',
    'ldm503_needs_as_milestones = 42',
    'ldm503_needs_as_milestones = "type == "',
])
def test_bad_needs_as_milestones_config_is_a_warning(make_app, tmp_path, value) -> None:
    page = "P\n=\n\n.. req:: R\n   :id: REQ_001\n\n.. milestone:: LDM-503-01: M\n"
    src = _project(tmp_path, value + "\n", p=page)
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    text = app._warning.getvalue()
    assert "Traceback" not in text
    assert re.search(r"conf\.py:\d+: WARNING: ldm503_needs_as_milestones: .*\[ldm503\.invalid\]",
                     text), text
    assert len([w for w in ours(app._warning) if "ldm503_needs_as_milestones" in w]) == 1, text


# -- the command line on a needs.json ------------------------------------------------------


@pytest.fixture
def cli_run(capsys):
    from sphinxext_ldm503.cli import main as cli

    def run(*args) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _needs_file(make_app, rootdir, tmp_path, root: str) -> Path:
    src = tmp_path / root
    shutil.copytree(rootdir / f"test-{root}", src)
    app = make_app("needs", srcdir=src, freshenv=True)
    app.build()
    return Path(app.outdir) / "needs.json"


def test_cli_checks_a_needs_json(make_app, rootdir, tmp_path, cli_run) -> None:
    path = _needs_file(make_app, rootdir, tmp_path, "needs-as-ms")
    code, out, err = cli_run(
        "check", path, "--needs-type", "req", "--needs-type", "spec",
        "--needs-link", "links", "--needs-link", "depends",
        "--internal", "^LDM-503-", "--internal", "^REQ_", "--internal", "^SPEC_")
    assert code == 1, err
    lines = out.splitlines()
    assert ("reqs.rst:4: error: cycle: Dependency cycle: REQ_CAMERA, which requires "
            "SPEC_CAMERA, which requires REQ_LOOP, which requires REQ_CAMERA.") in lines
    assert any(line.startswith("plan.rst:4: warning: schedule-inversion: LDM-503-01")
               for line in lines)
    assert lines[-1] == "ldm503: 1 error, 4 warnings, 0 info (0 waived) in 4 milestones"
    code, out, _ = cli_run("export", path, "--format", "json", "--needs-type", "req",
                           "--needs-type", "spec", "--needs-link", "depends")
    assert code == 0
    doc = json.loads(out)
    camera = next(m for m in doc["milestones"] if m["id"] == "REQ_CAMERA")
    assert (camera["docname"], camera["line"], camera["status"]) == ("reqs", 4, "completed")


def test_cli_reads_back_the_milestones_of_a_build(make_app, rootdir, tmp_path, cli_run) -> None:
    """Milestone needs alone give the plan a build gives (edges, queries, dates)."""
    path = _needs_file(make_app, rootdir, tmp_path, "needs")
    code, out, _ = cli_run("export", path, "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "milestone,prerequisite,title,query,milestone_due,prerequisite_due",
        "LDM-503-02,SPEC_CAMERA,Camera interface specification,,2017-11-30,",
        "LDM-503-07,DM-DRP-4,,,2019-08-30,",
        "LDM-503-07,LDM-503-02,HSC reprocessing,,2019-08-30,2017-11-30",
        "LDM-503-07,LDM-503-06,ComCam readiness,open,2019-08-30,2019-06-28",
        "LDM-503-07,LDM-503-01,,dropped,2019-08-30,",
    ]
    code, out, _ = cli_run("check", path, "--severity", "warning")
    assert code == 1
    assert "status-inversion: LDM-503-07" in out
    # impact takes a needs.json like check and export do
    code, out, _ = cli_run("impact", path, "LDM-503-02", "+30d")
    assert code == 0
    assert out.splitlines() == ["ldm503: note: LDM-503-02 is completed and does not move.",
                                "ldm503: 0 milestones would move (LDM-503-02 +30d)"]


@pytest.mark.parametrize("content", ["not json", '{"versions": {}}', '[1, 2]'])
def test_cli_refuses_a_bad_needs_json_in_one_line(tmp_path, cli_run, content) -> None:
    path = tmp_path / "needs.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = cli_run("check", path)
    assert code == 2
    assert out == ""
    assert err.startswith("ldm503: error: ") and len(err.splitlines()) == 1


def test_needs_data_is_pure_and_the_cli_needs_neither_sphinx_nor_sphinx_needs(tmp_path) -> None:
    """needs.json input works where only the core is importable."""
    from test_structure import BLOCKER

    proc = subprocess.run([sys.executable, "-c", BLOCKER, "sphinxext_ldm503.core.needsdata",
                           "sphinxext_ldm503.core.needfilter"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr


def test_selection_parsing() -> None:
    from sphinxext_ldm503.core.needsdata import Selection, parse_selection

    assert parse_selection(None) == (None, [])
    assert parse_selection('type == "req"') == (Selection(filter='type == "req"'), [])
    sel, problems = parse_selection({"types": ["req"], "links": "depends"})
    assert sel == Selection(types=("req",), links=("depends",)) and problems == []
    assert sel.followed_links == ("depends", "requires", "requires_queried")
    sel, problems = parse_selection({"links": ["x"]})
    assert sel is None and "neither 'types' nor 'filter'" in problems[0]
    sel, problems = parse_selection({"types": [1]})
    assert sel is None and len(problems) == 2


def test_a_filter_string_selects_needs(make_app, tmp_path) -> None:
    page = ("P\n=\n\n.. req:: Open one\n   :id: REQ_OPEN\n   :links: REQ_DONE\n\n"
            ".. req:: Done one\n   :id: REQ_DONE\n   :status: done\n\n"
            ".. spec:: A spec\n   :id: SPEC_ONE\n")
    src = _project(tmp_path, "ldm503_needs_as_milestones = 'type == \"req\"'\n", p=page)
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    by_id = {m["id"]: m for m in read_json(app)["milestones"]}
    assert sorted(by_id) == ["REQ_DONE", "REQ_OPEN"]
    assert by_id["REQ_DONE"]["status"] == "completed"  # "done" read as ours
    assert [r["id"] for r in by_id["REQ_OPEN"]["requires"]] == ["REQ_DONE"]
    assert "Traceback" not in app._warning.getvalue()


def test_milestone_needs_carry_the_catalogs_dates_and_status(make_app, tmp_path) -> None:
    src = _project(tmp_path, 'ldm503_catalog = "schedule.csv"\n',
                   p="P\n=\n\n.. milestone:: LDM-503-01: Camera\n")
    csv = src / "schedule.csv"
    csv.write_text("id,title,due,forecast,completed,status,level\n"
                   "LDM-503-01,Camera,2019-01-31,,,at-risk,2\n", encoding="utf-8")
    app = make_app("needs", srcdir=src, freshenv=True)
    app.build()
    need = needs_of(app)["LDM-503-01"]
    assert (need["due"], need["status"], need["level"]) == ("2019-01-31", "at-risk", "2")
    # Only the catalog changes: no document is re-read, needs.json still follows.
    csv.write_text("id,title,due,forecast,completed,status,level\n"
                   "LDM-503-01,Camera,2019-03-31,,2019-03-01,completed,2\n", encoding="utf-8")
    app = make_app("needs", srcdir=src)
    app.build()
    need = needs_of(app)["LDM-503-01"]
    assert (need["due"], need["completed"], need["status"]) == (
        "2019-03-31", "2019-03-01", "completed")


def test_a_milestone_declared_twice_is_only_a_duplicate_id(make_app, tmp_path) -> None:
    ms = ".. milestone:: LDM-503-01: Camera\n"
    src = _project(tmp_path, a="A\n=\n\n" + ms, b="B\n=\n\n" + ms)
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    warnings = [w for w in ours(app._warning) if "LDM-503-01" in w]
    assert len(warnings) == 1 and "[ldm503.duplicate-id]" in warnings[0], warnings


def test_unreadable_need_values_are_located_invalid_findings(make_app, tmp_path) -> None:
    conf = ('needs_fields = {"due": {"nullable": True, "description": "d"}}\n'
            'ldm503_needs_as_milestones = {"types": ["req"]}\n')
    src = _project(tmp_path, conf, p="P\n=\n\n.. req:: R\n   :id: REQ_001\n   :due: soon\n")
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    assert re.search(r"p\.rst:4: WARNING: need REQ_001: :due: invalid date 'soon'.*"
                     r"\[ldm503\.invalid\]", app._warning.getvalue())
    assert ("invalid", "REQ_001", "p", 4) in findings(app)
    # As Sphinx does: a rebuild that reads nothing warns nothing again, the finding stays.
    again = make_app("html", srcdir=src)
    again.build()
    assert "REQ_001" not in again._warning.getvalue()
    assert ("invalid", "REQ_001", "p", 4) in findings(again)


def test_another_project_sees_milestones_as_external_needs(make_app, rootdir, tmp_path):
    path = _needs_file(make_app, rootdir, tmp_path, "needs")
    conf = (f"needs_external_needs = [{{'json_path': {str(path)!r}, "
            "'base_url': 'https://example.invalid/plan'}]\n")
    src = _project(tmp_path, conf, p="P\n=\n\nSee :need:`LDM-503-07`.\n\n"
                   ".. needtable::\n   :filter: type == 'milestone'\n   :style: table\n")
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    page = soup(app, "p.html")
    link = page.find("a", href=re.compile(r"^https://example\.invalid/plan/plan\.html#LDM-503-07"))
    assert link is not None
    rows = page.find("table", class_="NEEDS_TABLE").find_all("tr", class_="need")
    assert sorted(tr["data-need-id"] for tr in rows) == ["LDM-503-02", "LDM-503-06", "LDM-503-07"]
    assert "Traceback" not in app._warning.getvalue()


def test_example_page_shows_the_plan_in_sphinx_needs(make_app, tmp_path) -> None:
    src = tmp_path / "example"
    shutil.copytree(ROOT / "example-docs", src)
    shutil.copy(ROOT / "conf.py", src / "conf.py")
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    assert "[needs." not in app._warning.getvalue()
    page = soup(app, "needs.html")
    declared = [m for m in read_json(app)["milestones"] if m["declared"]]
    rows = page.find("table", class_="NEEDS_TABLE").find_all("tr", class_="need")
    assert sorted(tr["data-need-id"] for tr in rows) == sorted(m["id"] for m in declared)
    row = next(tr for tr in rows if tr["data-need-id"] == "LDM-503-07")
    assert row.find("td", class_="needs_status").get_text() == "completed"
    assert "LDM-503-06" in row.find("td", class_="needs_requires_queried").get_text()
    flow = page.find("figure", id=re.compile("^needflow"))
    svg = (Path(app.outdir) / flow.find("img")["src"]).read_text(encoding="utf-8")
    assert "LDM-503-17" in svg and "LDM-503-07" not in svg  # one campaign only


def test_an_unsupported_sphinx_needs_is_one_warning(make_app, tmp_path, monkeypatch) -> None:
    import sphinx_needs

    monkeypatch.setattr(sphinx_needs, "__version__", "8.0.0")
    src = _project(tmp_path, p="P\n=\n\n.. milestone:: LDM-503-01: Camera\n")
    app = make_app("needs", srcdir=src, freshenv=True)
    app.build()
    text = app._warning.getvalue()
    assert len(re.findall(r"sphinx-needs 8\.0\.0 is not supported", text)) == 1
    assert "LDM-503-01" not in needs_of(app)
    assert [m["id"] for m in read_json(app)["milestones"]] == ["LDM-503-01"]


def test_a_milestone_moved_to_an_earlier_document_stays_a_need(make_app, tmp_path) -> None:
    ms = ".. milestone:: LDM-503-03: Moved\n   :due: 2019-01-17\n"
    src = _project(tmp_path, a="A\n=\n\nNothing yet.\n", z="Z\n=\n\n" + ms)
    make_app("html", srcdir=src).build()
    (src / "a.rst").write_text("A\n=\n\n" + ms, encoding="utf-8")
    (src / "z.rst").write_text("Z\n=\n\nNothing left.\n", encoding="utf-8")
    app = make_app("html", srcdir=src, confoverrides={"needs_build_json": True})
    app.build()
    assert needs_of(app)["LDM-503-03"]["docname"] == "a"
    assert soup(app, "a.html").find(id="LDM-503-03") is not None
    assert "LDM-503-03" not in [w for w in ours(app._warning) if "WARNING" in w]


@pytest.mark.requires_extra("sphinx_needs")
def test_cli_checks_a_project_with_needs_as_milestones(rootdir, tmp_path, cli_run) -> None:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-needs-as-ms", src)
    code, out, _ = cli_run("check", src)
    assert code == 1
    assert re.search(r"reqs\.rst:4: error: cycle: Dependency cycle: REQ_CAMERA", out)
    code, out_j2, _ = cli_run("check", src, "-j", "2")
    assert code == 1 and out_j2 == out


def test_a_selected_need_clashing_with_a_milestone_is_still_one_warning(make_app, tmp_path):
    src = _project(tmp_path, 'ldm503_needs_as_milestones = {"types": ["req"]}\n',
                   a="A\n=\n\n.. milestone:: LDM-503-01: Camera\n",
                   b="B\n=\n\n.. req:: Camera requirement\n   :id: LDM-503-01\n")
    app = make_app("html", srcdir=src, freshenv=True)
    app.build()
    warnings = [w for w in ours(app._warning) if "LDM-503-01" in w]
    assert len(warnings) == 1, warnings


def test_needs_filter_language_is_a_safe_subset() -> None:
    from sphinxext_ldm503.core.needfilter import compile_filter

    need = {"id": "REQ_001", "type": "req", "status": "open", "tags": ["camera", "dm"]}
    cases = {
        'type == "req" and status != "done"': True,
        '"camera" in tags and not "x" in tags': True,
        'type in ["spec", "test"] or id.startswith("REQ_")': True,
        'search("^REQ_0+1$", id)': True,
        'status.upper() == "OPEN" and missing is None': True,
        'status == "done"': False,
        'id.lower': False,  # no value a filter can use
        'due > "2019"': False,  # None compared with a string: the need does not pass
    }
    for text, expected in cases.items():
        assert compile_filter(text)(need) is expected, text
    for bad in ("__import__('os').system('true')", "id.__class__", "[x for x in tags]",
                "lambda: 1", "type ==", "open('f')", "id.replace('R', '')"):
        with pytest.raises(ValueError):
            compile_filter(bad)


def test_cli_needs_filter(make_app, rootdir, tmp_path, cli_run) -> None:
    path = _needs_file(make_app, rootdir, tmp_path, "needs-as-ms")
    code, out, _ = cli_run("export", path, "--format", "json", "--needs-type", "req",
                           "--needs-filter", 'status != "done"')
    assert code == 0
    assert sorted(m["id"] for m in json.loads(out)["milestones"] if m["declared"]) == [
        "LDM-503-01", "REQ_LOOP"]
    code, out, err = cli_run("check", path, "--needs-filter", "__import__('os')")
    assert code == 2 and out == "" and "--needs-filter" in err
