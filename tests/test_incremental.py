"""Incremental builds equal clean builds, whatever sequence of edits the author makes.

A hypothesis state machine keeps a small multi-document plan as data, writes it out,
applies random edits (add/remove a milestone, add/remove/retarget a prerequisite,
change a date or status, move a milestone to another document, rename or delete a
document; and every field the output shows: milestone and prerequisite titles,
discussions, ``:external:``, catalog cells, configuration; and prose only, which
reuses the last findings, or prose that moves every milestone of a page down) and
after each edit compares an incremental build of the edited project with a clean build
of the same sources, both under ``-W``: ``ldm503.json``, every milestone block of every
page ("Required by", links, metadata, the diagram's file name, which hashes its DOT),
the whole body of every page, the images they reference, the ldm503 warnings and the
exit status.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sphinx.testing.util import SphinxTestApp

CONF = """\
extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
ldm503_at_risk_patterns = ["^DM-SUIT-"]
ldm503_catalog = "catalog.csv"
"""
AT_RISK = [["^DM-SUIT-"], [], ["^LDM-503-0[12]$"]]
TITLES = ["", "Renamed", "Other words"]
DISCUSSIONS = ["", "Because.", "Waiting on the camera."]
CATALOG_TITLES = ["", "Schedule name", "Schedule name, revised"]
CATALOG_DATES = ["", "2019-03-01", "not-a-date"]
IDS = [f"LDM-503-{n:02d}" for n in range(1, 9)]
EXTERNAL = ["DM-SUIT-1", "DM-AP-2", "CAMM8040"]
DATES = ["2018-06-29", "2019-01-17", "2019-08-30", "2020-03-31"]
STATUSES = [None, "planned", "completed", "at-risk", "descoped"]


def milestone_blocks(outdir: Path) -> dict[str, list[str]]:
    pages = {}
    for page in sorted(outdir.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        pages[page.name] = re.findall(r'<dl class="ldm503 milestone">.*?</dd></dl>', html, re.S)
    return pages


def summary_line(status: str) -> str:
    lines = [line for line in status.splitlines() if line.startswith("ldm503: ")]
    assert len(lines) == 1, status
    return lines[0].split("; see ")[0]


def whole_output(outdir: Path, srcdir: Path) -> dict[str, str]:
    """Every page's body (with the names of the images it references, which hash their
    DOT), the images themselves, and the JSON (where the catalog's path is made relative:
    the clean build reads a copy of the sources)."""
    json = (outdir / "ldm503.json").read_text(encoding="utf-8")
    out = {"ldm503.json": json.replace(str(srcdir.resolve()) + "/", "")}
    for page in sorted(outdir.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        body = BeautifulSoup(html, "html.parser").find("div", class_="body")
        out[page.name] = str(body) if body else html
        for image in sorted(set(re.findall(r'_images/[^"#\s]+', html))):
            out[page.name + " " + image] = str((outdir / image).is_file())
    return out


def ldm503_warnings(text: str) -> list[str]:
    """Warnings of ours, without the directory (builds live in different places)."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", w) for w in text.splitlines() if "[ldm503." in w]
    return sorted(re.sub(r"^.*/(?=[^/]+\.(rst|csv):)", "", w) for w in lines)


class PlanEdits(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ldm503-incr-"))
        self.src = self.tmp / "src"
        self.src.mkdir()
        # docname -> list of milestones; a milestone is
        # [id, due, status, [(prereq, query)], title suffix, external,
        #  {prereq: (title suffix, discussion)}]
        self.docs: dict[str, list[list]] = {"index": [], "a": [], "b": []}
        self.at_risk: list[str] = AT_RISK[0]
        self.catalog: dict[str, tuple[str, str]] = {}  # id -> (title, due)
        self.renames = 0
        # docname -> (where, version) of a paragraph about nothing in the plan
        self.prose: dict[str, tuple[str, int]] = {}
        self.first_build = True
        self.warned_clean: list[str] = []
        self.write()
        self.build_incremental()

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- sources -------------------------------------------------------------

    def declared(self) -> list[str]:
        return [m[0] for ms in self.docs.values() for m in ms]

    def write(self) -> bool:
        """Write the sources that changed; whether any did."""
        # A changed setting is a line appended to CONF (which subclasses reuse as it is).
        conf = CONF + ("" if self.at_risk == AT_RISK[0]
                       else f"ldm503_at_risk_patterns = {self.at_risk!r}\n")
        changed = self._write_if_changed(self.src / "conf.py", conf)
        rows = ["id,title,due"] + [f"{i},{t},{d}" for i, (t, d) in sorted(self.catalog.items())]
        changed |= self._write_if_changed(self.src / "catalog.csv", "\n".join(rows) + "\n")
        existing = {p.stem for p in self.src.glob("*.rst")}
        for gone in existing - set(self.docs):
            (self.src / f"{gone}.rst").unlink()
            changed = True
        for docname, milestones in self.docs.items():
            lines = [] if docname == "index" else [":orphan:", ""]
            lines += [docname.capitalize(), "=" * 10, ""]
            where, version = self.prose.get(docname, ("", 0))
            prose = [f"Prose, version {version}.", ""] if version else []
            if where == "top":  # moves every milestone of the page down the file
                lines += prose
            for ms_id, due, status, prereqs, suffix, external, texts in milestones:
                lines.append(f".. milestone:: {ms_id}: Title of {ms_id} {suffix}".rstrip())
                lines.append(f"   :due: {due}")
                if status:
                    lines.append(f"   :status: {status}")
                if external:
                    lines.append("   :external:")
                lines.append("")
                for target, query in prereqs:
                    title, discussion = texts.get(target, ("", ""))
                    lines.append(f"   .. prerequisite:: {target} Needed {target} {title}".rstrip())
                    if query:
                        lines.append(f"      :query: {query}")
                    lines.append("")
                    if discussion:
                        lines += [f"      {discussion}", ""]
            lines.append("See :ms:`LDM-503-01` and :ms:`LDM-503-02`.")
            if where == "end":  # changes nothing the plan is made of: findings are reused
                lines += ["", *prose]
            changed |= self._write_if_changed(self.src / f"{docname}.rst", "\n".join(lines) + "\n")
        return changed

    @staticmethod
    def _write_if_changed(path: Path, text: str) -> bool:
        # Only what changed: Sphinx re-reads a document whose file is newer.
        if path.exists() and path.read_text(encoding="utf-8") == text:
            return False
        path.write_text(text, encoding="utf-8")
        return True

    def build(self, srcdir: Path, builddir: Path, fresh: bool) -> tuple[Path, str, int]:
        """Build under -W; the status text goes to ``last_status``."""
        warning, status = StringIO(), StringIO()
        app = SphinxTestApp("html", srcdir=srcdir, builddir=builddir, freshenv=fresh,
                            status=status, warning=warning, warningiserror=True)
        try:
            app.build()
        finally:
            app.cleanup()
        self.last_status = status.getvalue()
        return Path(app.outdir), warning.getvalue(), app.statuscode

    def build_incremental(self) -> None:
        self.incr_out, self.incr_warnings, self.incr_code = self.build(
            self.src, self.tmp / "incr", False)
        self.incr_status = self.last_status

    # -- edits -----------------------------------------------------------------

    @rule(doc=st.sampled_from(["index", "a", "b"]), ms_id=st.sampled_from(IDS),
          due=st.sampled_from(DATES))
    def add_milestone(self, doc: str, ms_id: str, due: str) -> None:
        if ms_id in self.declared() or doc not in self.docs:
            return
        self.docs[doc].append([ms_id, due, None, [], "", False, {}])

    @precondition(lambda self: self.declared())
    @rule(data=st.data())
    def remove_milestone(self, data: st.DataObject) -> None:
        ms_id = data.draw(st.sampled_from(self.declared()))
        for milestones in self.docs.values():
            milestones[:] = [m for m in milestones if m[0] != ms_id]

    def _pick(self, data: st.DataObject) -> list:
        ms_id = data.draw(st.sampled_from(self.declared()))
        return next(m for ms in self.docs.values() for m in ms if m[0] == ms_id)

    @precondition(lambda self: self.declared())
    @rule(data=st.data(), new_id=st.sampled_from(IDS + EXTERNAL),
          query=st.sampled_from([None, "open", "dropped"]))
    def add_prerequisite(self, data: st.DataObject, new_id: str, query: str | None) -> None:
        ms = self._pick(data)
        if new_id not in [t for t, _ in ms[3]]:
            ms[3].append((new_id, query))

    @precondition(lambda self: any(m[3] for ms in self.docs.values() for m in ms))
    @rule(data=st.data())
    def remove_prerequisite(self, data: st.DataObject) -> None:
        candidates = [m for ms in self.docs.values() for m in ms if m[3]]
        ms = data.draw(st.sampled_from(candidates))
        ms[3].pop(data.draw(st.integers(0, len(ms[3]) - 1)))

    @precondition(lambda self: any(m[3] for ms in self.docs.values() for m in ms))
    @rule(data=st.data(), new_id=st.sampled_from(IDS + EXTERNAL))
    def retarget_prerequisite(self, data: st.DataObject, new_id: str) -> None:
        candidates = [m for ms in self.docs.values() for m in ms if m[3]]
        ms = data.draw(st.sampled_from(candidates))
        i = data.draw(st.integers(0, len(ms[3]) - 1))
        if new_id not in [t for t, _ in ms[3]]:
            ms[3][i] = (new_id, ms[3][i][1])

    @precondition(lambda self: self.declared())
    @rule(data=st.data(), due=st.sampled_from(DATES), status=st.sampled_from(STATUSES))
    def change_date_or_status(self, data: st.DataObject, due: str, status: str | None) -> None:
        ms = self._pick(data)
        ms[1], ms[2] = due, status

    @precondition(lambda self: self.declared())
    @rule(data=st.data())
    def move_milestone(self, data: st.DataObject) -> None:
        ms = self._pick(data)
        source = next(d for d, ms_list in self.docs.items() if ms in ms_list)
        dest = data.draw(st.sampled_from(sorted(self.docs)))
        if dest != source:
            self.docs[source].remove(ms)
            self.docs[dest].append(ms)

    @precondition(lambda self: len(self.docs) > 1)
    @rule(data=st.data())
    def rename_document(self, data: st.DataObject) -> None:
        old = data.draw(st.sampled_from(sorted(d for d in self.docs if d != "index")))
        self.renames += 1
        self.docs[f"renamed{self.renames}"] = self.docs.pop(old)

    @precondition(lambda self: len(self.docs) > 1)
    @rule(data=st.data())
    def delete_document(self, data: st.DataObject) -> None:
        old = data.draw(st.sampled_from(sorted(d for d in self.docs if d != "index")))
        del self.docs[old]

    @rule()
    def add_document(self) -> None:
        self.renames += 1
        self.docs[f"new{self.renames}"] = []

    @precondition(lambda self: self.declared())
    @rule(data=st.data(), title=st.sampled_from(TITLES))
    def change_title(self, data: st.DataObject, title: str) -> None:
        self._pick(data)[4] = title

    @precondition(lambda self: self.declared())
    @rule(data=st.data())
    def toggle_external(self, data: st.DataObject) -> None:
        ms = self._pick(data)
        ms[5] = not ms[5]

    @precondition(lambda self: any(m[3] for ms in self.docs.values() for m in ms))
    @rule(data=st.data(), title=st.sampled_from(TITLES),
          discussion=st.sampled_from(DISCUSSIONS))
    def change_prerequisite_text(self, data: st.DataObject, title: str, discussion: str) -> None:
        candidates = [m for ms in self.docs.values() for m in ms if m[3]]
        ms = data.draw(st.sampled_from(candidates))
        target = data.draw(st.sampled_from([t for t, _ in ms[3]]))
        ms[6][target] = (title, discussion)

    @rule(doc=st.sampled_from(["index", "a", "b"]), where=st.sampled_from(["top", "end"]))
    def edit_prose(self, doc: str, where: str) -> None:
        if doc in self.docs:
            self.prose[doc] = (where, self.prose.get(doc, ("", 0))[1] + 1)

    @rule(ms_id=st.sampled_from(IDS + EXTERNAL), title=st.sampled_from(CATALOG_TITLES),
          due=st.sampled_from(CATALOG_DATES))
    def change_catalog_row(self, ms_id: str, title: str, due: str) -> None:
        if title or due:
            self.catalog[ms_id] = (title, due)
        else:
            self.catalog.pop(ms_id, None)

    @rule(at_risk=st.sampled_from(AT_RISK))
    def change_config(self, at_risk: list[str]) -> None:
        self.at_risk = at_risk

    # -- the property ------------------------------------------------------------

    @invariant()
    def incremental_equals_clean(self) -> None:
        changed = self.write()
        self.build_incremental()
        clean_src = self.tmp / "clean-src"
        shutil.rmtree(clean_src, ignore_errors=True)
        shutil.copytree(self.src, clean_src, ignore=shutil.ignore_patterns("_build"))
        shutil.rmtree(self.tmp / "clean", ignore_errors=True)
        clean_out, clean_warnings, clean_code = self.build(clean_src, self.tmp / "clean", True)
        clean_status = self.last_status
        # Sphinx leaves the pages of deleted documents behind: compare the clean pages.
        clean, incr = whole_output(clean_out, clean_src), whole_output(self.incr_out, self.src)
        assert {name: incr.get(name) for name in clean} == clean
        incr_pages = milestone_blocks(self.incr_out)
        for page, blocks in milestone_blocks(clean_out).items():
            assert incr_pages.get(page) == blocks, page
        # Sphinx re-reports only what it re-reads; our consistency warnings are
        # emitted whenever something changed, so they must match exactly.
        ours = [w for w in ldm503_warnings(self.incr_warnings) if "[ldm503.invalid]" not in w]
        theirs = [w for w in ldm503_warnings(clean_warnings) if "[ldm503.invalid]" not in w]
        # Every build ends with the same one-line summary of where the plan stands.
        assert summary_line(self.incr_status) == summary_line(clean_status)
        if "checking consistency" in self.incr_status:
            assert ours == theirs
        else:  # nothing changed: like Sphinx, nothing is re-reported but the summary
            assert ours == []
        if changed:  # an edit re-checks everything, like a clean build
            assert ours == theirs
        if changed and not self.invalid_elsewhere(clean_warnings):
            assert self.incr_code == clean_code

    def invalid_elsewhere(self, warnings: str) -> bool:
        """Read-time warnings are only repeated for re-read documents (Sphinx's own rule)."""
        return any("[ldm503.invalid]" in w and ".rst:" in w for w in warnings.splitlines())


PlanEdits.TestCase.settings = settings(
    max_examples=12, stateful_step_count=6, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.slow
class TestIncremental(PlanEdits.TestCase):
    pass


def _generate() -> Any:
    """benchmarks/generate.py (not a package: loaded by path), as tests/test_scale.py does."""
    from test_scale import _bench

    return _bench()


def _build(srcdir: Path, builddir: Path, *, fresh: bool) -> Path:
    app = SphinxTestApp("html", srcdir=srcdir, builddir=builddir, freshenv=fresh,
                        status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    return Path(app.outdir)


@pytest.mark.parametrize("line", ["near", "full", "off"])
def test_prerequisite_edit_rewrites_the_pages_that_change_and_equals_clean(
        tmp_path: Path, line: str) -> None:
    """The benchmark's prerequisite edit (one prerequisite of one milestone pointed
    elsewhere, in a plan with a report and a table): the incremental build gives a
    clean build's pages, and every page of the plan it rewrites shows something new
    (a page linking to a milestone whose critical path changed is left alone)."""
    generate = _generate()
    milestones = generate.plan(300)
    src = tmp_path / "src"
    names = generate.write_project(src, milestones, "ours+report")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(f"ldm503_critical_path_line = {line!r}\n")
    out = _build(src, tmp_path / "incr", fresh=True)
    before = {page.name: (page.stat().st_mtime_ns, page.read_bytes())
              for page in out.glob("*.html")}
    generate.edit_prerequisite(src, names, milestones, "ours+report")
    out = _build(src, tmp_path / "incr", fresh=False)
    clean_src = tmp_path / "clean-src"
    shutil.copytree(src, clean_src, ignore=shutil.ignore_patterns("_build"))
    clean = _build(clean_src, tmp_path / "clean", fresh=True)
    assert whole_output(out, src) == whole_output(clean, clean_src)

    plan_pages = {f"{name}.html" for name in names} | {"report.html"}
    rewritten = {name for name in plan_pages if (out / name).stat().st_mtime_ns
                 != before[name][0]}
    edited = f"{names[len(names) // 2]}.html"
    assert edited in rewritten
    # The edit adds a title-mismatch finding (the new prerequisite keeps the old title).
    assert "report.html" in rewritten
    assert {name for name in rewritten if (out / name).read_bytes() == before[name][1]} == set()
    assert len(rewritten) < len(plan_pages) - 1
    critical = [p for p in before if b"Critical path: " in before[p][1]]
    assert (critical == []) == (line == "off")


def test_prerequisite_edit_with_two_processes_equals_serial(tmp_path: Path) -> None:
    """The same edit built with ``-j 2`` (report, table and blocks filled in the main
    process, pages written by two) gives the serial build's pages."""
    generate = _generate()
    milestones = generate.plan(300)
    outputs = []
    for jobs in (1, 2):
        src = tmp_path / f"src-{jobs}"
        names = generate.write_project(src, milestones, "ours+report")
        builddir = tmp_path / f"out-{jobs}"
        for step in ("clean", "after the edit"):
            if step != "clean":
                generate.edit_prerequisite(src, names, milestones, "ours+report")
            app = SphinxTestApp("html", srcdir=src, builddir=builddir, parallel=jobs,
                                status=StringIO(), warning=StringIO())
            try:
                app.build()
            finally:
                app.cleanup()
        outputs.append(whole_output(Path(app.outdir), src))
    serial, parallel = outputs
    assert serial.keys() == parallel.keys()
    for name in serial:
        if name != "ldm503.json":  # the sources' paths differ
            assert serial[name] == parallel[name], name
    assert "ldm503-table" in serial["report.html"]
