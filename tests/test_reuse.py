"""What a rebuild reuses when the plan did not change, and what it never reuses.

The checks' findings, the JSON report and the pages' fingerprints depend only on
the plan's records, the catalogs and the settings (``inputs_digest``). A prose
edit keeps them; anything else recomputes them. The tests count calls of the
checks instead of timing anything.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import sphinxext_ldm503.core.checks as checks_module
from sphinxext_ldm503.framework import reuse
from sphinxext_ldm503.framework.domain import get_domain


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = checks_module.run_checks

    def counting(plan, config):
        calls.append(len(plan))
        return original(plan, config)

    monkeypatch.setattr(checks_module, "run_checks", counting)
    return calls


def _project(rootdir: Path, tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-multi", src)
    return src


def _build(make_app, src: Path, **kwargs):
    app = make_app("html", srcdir=src, **kwargs)
    app.build()
    return app


def test_a_prose_edit_reuses_findings_and_json(make_app, rootdir, tmp_path, counted_checks):
    src = _project(rootdir, tmp_path)
    first = _build(make_app, src)
    assert len(counted_checks) == 1
    report = Path(first.outdir) / "ldm503.json"
    written = report.stat().st_mtime_ns
    findings = list(get_domain(first.env).findings)
    assert findings

    with (src / "chap1.rst").open("a", encoding="utf-8") as doc:
        doc.write("\nA sentence about nothing in the plan.\n")
    second = _build(make_app, src)
    assert len(counted_checks) == 1  # not run again
    assert get_domain(second.env).findings == findings
    assert report.stat().st_mtime_ns == written  # not rewritten either
    assert "findings" in second._status.getvalue()  # the one-line summary still comes
    # The page was rewritten with the edit.
    assert "nothing in the plan" in (Path(second.outdir) / "chap1.html").read_text()


def test_prose_that_moves_milestones_relocates_the_findings(make_app, rootdir, tmp_path,
                                                           counted_checks):
    src = _project(rootdir, tmp_path)
    first = _build(make_app, src)
    lines_before = {f.message: f.location.line for f in get_domain(first.env).findings
                    if f.location and f.location.docname == "chap1"}
    text = (src / "chap1.rst").read_text(encoding="utf-8")
    title, rest = text.split("\n\n", 1)
    (src / "chap1.rst").write_text(f"{title}\n\nTwo new\nlines.\n\n{rest}", encoding="utf-8")
    second = _build(make_app, src)
    assert len(counted_checks) == 2
    lines_after = {f.message: f.location.line for f in get_domain(second.env).findings
                   if f.location and f.location.docname == "chap1"}
    assert lines_before
    assert {m: line + 3 for m, line in lines_before.items() if line} == {
        m: line for m, line in lines_after.items() if m in lines_before and line}


def test_a_prerequisite_edit_runs_the_checks_again(make_app, rootdir, tmp_path,
                                                   counted_checks):
    src = _project(rootdir, tmp_path)
    _build(make_app, src)
    path = src / "chap0.rst"
    path.write_text(path.read_text(encoding="utf-8").replace(
        ".. prerequisite:: DM-EXT-0 External thing 0", ".. prerequisite:: DM-EXT-9 Other"),
        encoding="utf-8")
    second = _build(make_app, src)
    assert len(counted_checks) == 2
    assert "DM-EXT-9" in (Path(second.outdir) / "ldm503.json").read_text()


def test_settings_are_part_of_the_inputs(make_app, rootdir, tmp_path, counted_checks):
    src = _project(rootdir, tmp_path)
    _build(make_app, src)
    app = _build(make_app, src, confoverrides={"ldm503_check_severity": {"query": "off"}})
    assert len(counted_checks) == 2
    assert not [f for f in get_domain(app.env).findings if f.check == "query"]


def test_a_damaged_or_stale_cache_is_recomputed(make_app, rootdir, tmp_path, counted_checks):
    src = _project(rootdir, tmp_path)
    first = _build(make_app, src)
    findings = list(get_domain(first.env).findings)
    cache = Path(first.doctreedir) / "ldm503-findings.pickle"
    cache.write_bytes(b"not a pickle")
    (Path(first.outdir) / "ldm503.json").unlink()
    with (src / "chap1.rst").open("a", encoding="utf-8") as doc:
        doc.write("\nMore prose.\n")
    second = _build(make_app, src)
    assert len(counted_checks) == 2
    assert get_domain(second.env).findings == findings
    assert (Path(second.outdir) / "ldm503.json").is_file()  # written again: it was gone


def test_load_answers_only_for_the_digest_stored(tmp_path: Path) -> None:
    reuse.store(tmp_path, "thing", "abc", [1, 2])
    assert reuse.load(tmp_path, "thing", "abc") == [1, 2]
    assert reuse.load(tmp_path, "thing", "abd") is None
    assert reuse.load(tmp_path, "other", "abc") is None
    assert reuse.load(None, "thing", "abc") is None
    reuse.store(tmp_path / "missing" / "deeper", "thing", "abc", 1)  # made as needed
    assert reuse.load(tmp_path / "missing" / "deeper", "thing", "abc") == 1
