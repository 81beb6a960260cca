"""Incremental builds equal clean builds, whatever sequence of edits the author makes.

A hypothesis state machine keeps a small multi-document plan as data, writes it out,
applies random edits (add/remove a milestone, add/remove/retarget a prerequisite,
change a date or status, move a milestone to another document, rename or delete a
document) and after each edit compares an incremental build of the edited project with
a clean build of the same sources: ``ldm503.json``, every milestone block of every page
("Required by", links, metadata, the diagram's file name, which hashes its DOT) and the
ldm503 warnings.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sphinx.testing.util import SphinxTestApp

CONF = """\
extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
ldm503_at_risk_patterns = ["^DM-SUIT-"]
"""
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


def ldm503_warnings(text: str) -> list[str]:
    """Warnings of ours, without the directory (builds live in different places)."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", w) for w in text.splitlines() if "[ldm503." in w]
    return sorted(re.sub(r"^.*/(?=[^/]+\.rst:)", "", w) for w in lines)


class PlanEdits(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ldm503-incr-"))
        self.src = self.tmp / "src"
        self.src.mkdir()
        # docname -> list of milestones; a milestone is [id, due, status, [(prereq, query)]]
        self.docs: dict[str, list[list]] = {"index": [], "a": [], "b": []}
        self.renames = 0
        self.first_build = True
        self.warned_clean: list[str] = []
        self.write()
        self.build_incremental()

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- sources -------------------------------------------------------------

    def declared(self) -> list[str]:
        return [m[0] for ms in self.docs.values() for m in ms]

    def write(self) -> None:
        (self.src / "conf.py").write_text(CONF, encoding="utf-8")
        existing = {p.stem for p in self.src.glob("*.rst")}
        for gone in existing - set(self.docs):
            (self.src / f"{gone}.rst").unlink()
        for docname, milestones in self.docs.items():
            lines = [] if docname == "index" else [":orphan:", ""]
            lines += [docname.capitalize(), "=" * 10, ""]
            for ms_id, due, status, prereqs in milestones:
                lines.append(f".. milestone:: {ms_id}: Title of {ms_id}")
                lines.append(f"   :due: {due}")
                if status:
                    lines.append(f"   :status: {status}")
                lines.append("")
                for target, query in prereqs:
                    lines.append(f"   .. prerequisite:: {target} Needed {target}")
                    if query:
                        lines.append(f"      :query: {query}")
                    lines.append("")
            lines.append("See :ms:`LDM-503-01` and :ms:`LDM-503-02`.")
            path = self.src / f"{docname}.rst"
            text = "\n".join(lines) + "\n"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")

    def build(self, srcdir: Path, builddir: Path, fresh: bool) -> tuple[Path, str]:
        warning, status = StringIO(), StringIO()
        app = SphinxTestApp("html", srcdir=srcdir, builddir=builddir, freshenv=fresh,
                            status=status, warning=warning)
        try:
            app.build()
        finally:
            app.cleanup()
        self.last_status = status.getvalue()
        return Path(app.outdir), warning.getvalue()

    def build_incremental(self) -> None:
        self.incr_out, self.incr_warnings = self.build(self.src, self.tmp / "incr", False)
        self.incr_status = self.last_status

    # -- edits -----------------------------------------------------------------

    @rule(doc=st.sampled_from(["index", "a", "b"]), ms_id=st.sampled_from(IDS),
          due=st.sampled_from(DATES))
    def add_milestone(self, doc: str, ms_id: str, due: str) -> None:
        if ms_id in self.declared() or doc not in self.docs:
            return
        self.docs[doc].append([ms_id, due, None, []])

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

    # -- the property ------------------------------------------------------------

    @invariant()
    def incremental_equals_clean(self) -> None:
        self.write()
        self.build_incremental()
        clean_src = self.tmp / "clean-src"
        shutil.rmtree(clean_src, ignore_errors=True)
        shutil.copytree(self.src, clean_src, ignore=shutil.ignore_patterns("_build"))
        shutil.rmtree(self.tmp / "clean", ignore_errors=True)
        clean_out, clean_warnings = self.build(clean_src, self.tmp / "clean", True)
        clean_status = self.last_status
        assert (self.incr_out / "ldm503.json").read_text(encoding="utf-8") == (
            clean_out / "ldm503.json").read_text(encoding="utf-8")
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


PlanEdits.TestCase.settings = settings(
    max_examples=12, stateful_step_count=6, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.slow
class TestIncremental(PlanEdits.TestCase):
    pass
