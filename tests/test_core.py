"""The core: directives, rendering, cross-references, index, builders, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.util.inventory import InventoryFile

from sphinxext_ldm503.core.model import anchor_for
from sphinxext_ldm503.framework.compat import inventory_entry


def soup(app, page: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / page).read_text(encoding="utf-8"), "html.parser")


def milestone_block(page: BeautifulSoup, anchor: str):
    dt = page.find("dt", id=anchor)
    assert dt is not None, f"no milestone with anchor {anchor}"
    return dt, dt.find_next_sibling("dd")


def test_anchor_rule() -> None:
    assert anchor_for("LDM-503-07") == "ms-ldm-503-07"
    assert anchor_for("T&SC-1150-0600") == "ms-t-sc-1150-0600"
    assert anchor_for("A4369.9") == "ms-a4369-9"


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_milestone_renders_metadata_prerequisites_and_queries(app, warning) -> None:
    app.build()
    page = soup(app, "later.html")
    dt, dd = milestone_block(page, "ms-ldm-503-07")
    assert dt.find(class_="sig-name").get_text() == "LDM-503-07"
    assert "Camera Data Processing" in dt.get_text()
    # The facts on two lines (issue 27 #7): the status badge and the dates, then the rest.
    dates, facts = dd.find_all("p", class_="ldm503-meta")
    assert " ".join(dates.get_text().split()) == (
        "completed Due 2019-08-30 \u00b7 Forecast 2019-01-17 \u00b7 Completed 2019-01-17")
    assert dates.find(class_="ldm503-badge")["class"][1] == "ldm503-status-completed"
    assert [s.get_text() for s in dates.find_all(class_="ldm503-fact-name")] == [
        "Due", "Forecast", "Completed"]
    assert " ".join(facts.get_text().split()) == "Level 2 \u00b7 Tags camera, processing"
    items = dd.find("ul", class_="ldm503-prerequisites").find_all("li", recursive=False)
    texts = [li.p.get_text(" ", strip=True) for li in items]
    assert texts[0] == "DM-DRP-4"  # from :requires:, not declared: plain text
    assert items[0].find("a") is None
    assert texts[1] == "LDM-503-02 Test report: HSC reprocessing"
    assert items[1].find("a")["href"] == "early.html#ms-ldm-503-02"
    link = items[2].find("a")
    assert link["href"] == "early.html#ms-ldm-503-06"
    assert items[2].find(class_="ldm503-query-open").get_text() == "open query"
    assert "this makes no sense" in items[2].find(class_="ldm503-discussion").get_text()
    query = dd.find("div", class_="ldm503-query")
    assert "A question about the milestone as a whole." in query.get_text()
    assert "Free text" in dd.get_text() and dd.find("em").get_text() == "description"


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_required_by_across_documents(app) -> None:
    app.build()
    _dt, dd = milestone_block(soup(app, "early.html"), "ms-ldm-503-02")
    required = dd.find(class_="ldm503-required-by")
    links = [(a.get_text(), a["href"]) for a in required.find_all("a")]
    assert links == [("LDM-503-07: Camera Data Processing", "later.html#ms-ldm-503-07")]
    _dt, dd = milestone_block(soup(app, "early.html"), "ms-ldm-503-06")
    required = dd.find(class_="ldm503-required-by")
    assert [a.get_text() for a in required.find_all("a")] == ["LDM-503-07: Camera Data Processing"]
    assert required.find(class_="ldm503-query-open") is not None
    _dt, dd = milestone_block(soup(app, "later.html"), "ms-ldm-503-07")
    assert "no milestone of this plan" in dd.find(class_="ldm503-required-by").get_text()
    # A search for "Camera" finds LDM-503-07's page, not the pages that link to it.
    index = (Path(app.outdir) / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(index[index.index("(") + 1:index.rindex(")")])
    docnames = terms["docnames"]
    pages = terms["terms"]["camera"]
    found = {docnames[i] for i in ([pages] if isinstance(pages, int) else pages)}
    assert "later" in found and "early" not in found  # early only links to it


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_ms_role_labels_links_and_plain_text(app, warning) -> None:
    app.build()
    para = soup(app, "index.html").find("p", string=None, recursive=True)
    refs = soup(app, "index.html").find_all(class_="ldm503-ms")
    rendered = [(r.get_text(), r.parent.get("href") if r.parent.name == "a" else None)
                for r in refs]
    assert rendered == [
        ("LDM-503-07: Camera Data Processing", "later.html#ms-ldm-503-07"),
        ("the HSC test", "early.html#ms-ldm-503-02"),  # IDs match case-insensitively
        ("DM-DRP-4", None),  # known only by reference: plain text, no broken link
    ]
    assert para is not None
    assert "undefined-reference" not in warning.getvalue()
    assert "ldm503.invalid" not in warning.getvalue()


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_inventory_and_general_index(app) -> None:
    app.build()
    with open(Path(app.outdir) / "objects.inv", "rb") as f:
        inv = InventoryFile.load(f, "", lambda base, uri: uri)
    entries = inv["ldm503:milestone"]
    assert inventory_entry(entries["LDM-503-07"]) == (
        "later.html#ms-ldm-503-07", "LDM-503-07: Camera Data Processing")
    assert set(entries) == {"LDM-503-02", "LDM-503-06", "LDM-503-07"}
    genindex = (Path(app.outdir) / "genindex.html").read_text(encoding="utf-8")
    assert "LDM-503-07 (milestone)" in genindex
    assert "required by LDM-503-07" in genindex  # undeclared DM milestones are indexed too
    assert "DM-DRP-1" in genindex
    assert "DM-DRP-4" in genindex  # also when required by :requires:
    # The plan's own milestones are indexed where declared, not once more per requirer.
    entries = [entry[1] for docname_entries in app.env.get_domain("index").entries.values()
               for entry in docname_entries]
    assert "DM-DRP-4; required by LDM-503-07" in entries
    assert not [e for e in entries if e.startswith("LDM-503-02; required by")]


@pytest.mark.parametrize("builder", ["dirhtml", "singlehtml", "text", "latex", "epub"])
def test_other_builders(make_app, rootdir, tmp_path, builder) -> None:
    app = make_app(builder, srcdir=_copy_root(rootdir / "test-basic", tmp_path))
    app.build()
    assert "Traceback" not in app._warning.getvalue()
    out = Path(app.outdir)
    assert (out / "ldm503.json").is_file()
    if builder == "text":
        text = (out / "early.txt").read_text(encoding="utf-8")
        # Plain text: no asterisks of a bold label (issue 15).
        assert "Required by: LDM-503-07: Camera Data Processing open query" in text
        assert "Required by: **" not in text
    if builder == "latex":
        tex = next(out.glob("*.tex")).read_text(encoding="utf-8")
        assert r"\sphinxstylestrong{Required by: }" in tex
        assert "ms-ldm-503-07" in tex  # hyperlink targets for the milestones
    if builder == "singlehtml":
        html = (out / "index.html").read_text(encoding="utf-8")
        assert 'href="#ms-ldm-503-02"' in html
    if builder == "dirhtml":
        html = (out / "later" / "index.html").read_text(encoding="utf-8")
        assert 'href="../early/#ms-ldm-503-02"' in html


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _copy_root(src: Path, tmp_path: Path) -> Path:
    import shutil

    dest = tmp_path / src.name
    shutil.copytree(src, dest)
    return dest


def test_incremental_rebuild_updates_required_by(make_app, rootdir, tmp_path) -> None:
    srcdir = _copy_root(rootdir / "test-basic", tmp_path)
    app = make_app("html", srcdir=srcdir)
    app.build()
    _dt, dd = milestone_block(soup(app, "early.html"), "ms-ldm-503-02")
    assert "LDM-503-07" in dd.find(class_="ldm503-required-by").get_text()

    _replace_in(srcdir / "later.rst",
                ".. prerequisite:: LDM-503-02 Test report: HSC reprocessing\n", "")
    app2 = make_app("html", srcdir=srcdir)
    app2.build()
    # early.rst was not edited, yet its "Required by" list must have changed.
    _dt, dd = milestone_block(soup(app2, "early.html"), "ms-ldm-503-02")
    assert "no milestone of this plan" in dd.find(class_="ldm503-required-by").get_text()
    written = app2.env.domains["ldm503"].data["fingerprints"]
    assert "early" in written[f"html:{app2.outdir}"]


def test_incremental_rebuild_follows_title_changes(make_app, rootdir, tmp_path) -> None:
    srcdir = _copy_root(rootdir / "test-basic", tmp_path)
    make_app("html", srcdir=srcdir).build()
    _replace_in(srcdir / "early.rst",
                "LDM-503-02: HSC reprocessing", "LDM-503-02: HSC reprocessing, renamed")
    app = make_app("html", srcdir=srcdir)
    app.build()
    refs = soup(app, "index.html").find_all(class_="ldm503-ms")
    # An explicit title stays as written; the later page's Required-by is unaffected.
    assert refs[1].get_text() == "the HSC test"
    _dt, dd = milestone_block(soup(app, "later.html"), "ms-ldm-503-07")
    assert dd.find("a", href="early.html#ms-ldm-503-02")["title"] == (
        "LDM-503-02: HSC reprocessing, renamed")


def _milestone_html(outdir: Path) -> dict[str, str]:
    out = {}
    for page in sorted(outdir.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        out[page.name] = "\n".join(re.findall(r'<dl class="ldm503 milestone">.*?</dd></dl>', html,
                                              re.S))
    return out


def test_parallel_build_equals_serial(make_app, rootdir, tmp_path) -> None:
    serial = make_app("html", srcdir=_copy_root(rootdir / "test-multi", tmp_path / "s"))
    serial.build()
    parallel = make_app("html", srcdir=_copy_root(rootdir / "test-multi", tmp_path / "p"),
                        parallel=2)
    parallel.build()
    assert parallel.parallel == 2
    s_json = (Path(serial.outdir) / "ldm503.json").read_text(encoding="utf-8")
    p_json = (Path(parallel.outdir) / "ldm503.json").read_text(encoding="utf-8")
    assert s_json == p_json
    assert _milestone_html(Path(serial.outdir)) == _milestone_html(Path(parallel.outdir))
    assert "Required by" in _milestone_html(Path(parallel.outdir))["chap0.html"]


@pytest.mark.sphinx("html", testroot="invalid", freshenv=True)
def test_bad_input_is_warned_with_location(app, warning) -> None:
    app.build()
    text = warning.getvalue()
    assert "Traceback" not in text
    src = str(Path(app.srcdir) / "index.rst")
    expected = [
        (8, "missing milestone ID", "invalid"),
        (12, "malformed milestone ID ':bad-id'", "invalid"),
        (14, "unknown option :colour:", "invalid"),
        (14, "invalid date '2019-13-45'", "invalid"),
        (14, "unknown status 'finished'", "invalid"),
        (14, "invalid level 'high'", "invalid"),
        (20, "unknown query state 'maybe'", "invalid"),
        (23, "prerequisite outside a milestone", "invalid"),
        (25, "query outside a milestone", "invalid"),
    ]
    for line, fragment, subtype in expected:
        pattern = re.escape(f"{src}:{line}: WARNING: ") + r".*" + re.escape(fragment) + \
            r".*" + re.escape(f"[ldm503.{subtype}]")
        assert re.search(pattern, text), f"missing warning: {line} {fragment}\n{text}"
    # Duplicate IDs name both places; an unknown :ms: target is reported where it is used.
    dup = [w for w in text.splitlines() if "[ldm503.duplicate-id]" in w]
    assert dup and "other.rst" in dup[0] and "index" in dup[0]
    assert re.search(re.escape(f"{src}:31:") + r".*NO-SUCH-1.*\[ldm503.undefined-reference\]",
                     text)
    # The build went on: the valid milestone is there.
    assert soup(app, "index.html").find("dt", id="ms-ldm-503-01") is not None


@pytest.mark.sphinx("html", testroot="invalid", freshenv=True,
                    confoverrides={"suppress_warnings": ["ldm503.invalid"]})
def test_suppress_warnings_by_subtype(app, warning) -> None:
    app.build()
    text = warning.getvalue()
    assert "[ldm503.invalid]" not in text
    assert "[ldm503.duplicate-id]" in text


@pytest.mark.sphinx("html", testroot="myst", freshenv=True,
                    confoverrides={"myst_enable_extensions": ["colon_fence"]})
def test_myst_sources(app, warning) -> None:
    app.build()
    page = soup(app, "index.html")
    _dt, dd = milestone_block(page, "ms-ldm-503-07")
    item = dd.find("li", class_="ldm503-prerequisite")
    assert item.find("a")["href"] == "rst.html#ms-ldm-503-06"
    assert "This makes no sense." in item.find(class_="ldm503-discussion").get_text()
    refs = [(r.get_text(), r.parent.get("href")) for r in page.find_all(class_="ldm503-ms")]
    assert refs == [("LDM-503-07: Camera Data Processing", "#ms-ldm-503-07"),
                    ("the readiness test", "rst.html#ms-ldm-503-06")]
    _dt, dd = milestone_block(soup(app, "rst.html"), "ms-ldm-503-06")
    assert dd.find("a", href="index.html#ms-ldm-503-07") is not None
    assert "ldm503.invalid" not in warning.getvalue()


@pytest.mark.sphinx("html", testroot="basic", freshenv=True,
                    confoverrides={"extensions": ["sphinx_needs", "sphinxext_ldm503"]})
def test_coexists_with_sphinx_needs(app, warning) -> None:
    app.build()
    _dt, dd = milestone_block(soup(app, "early.html"), "ms-ldm-503-02")
    assert "LDM-503-07" in dd.find(class_="ldm503-required-by").get_text()
    assert "Traceback" not in warning.getvalue()


def test_intersphinx_links_to_another_projects_milestones(make_app, rootdir, tmp_path) -> None:
    other = make_app("html", srcdir=_copy_root(rootdir / "test-basic", tmp_path / "other"))
    other.build()
    inventory = Path(other.outdir) / "objects.inv"
    src = tmp_path / "plan"
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["sphinxext_ldm503", "sphinx.ext.intersphinx"]\n'
        "ldm503_milestone_graphs = False\n"
        f"intersphinx_mapping = {{'other': ('https://other.example/', {str(inventory)!r})}}\n",
        encoding="utf-8")
    (src / "index.rst").write_text(
        "Plan\n====\n\nSee :ms:`LDM-503-07`.\n\n"
        ".. milestone:: LDM-503-20 Later\n\n"
        "   .. prerequisite:: LDM-503-02 Test report: HSC reprocessing\n", encoding="utf-8")
    app = make_app("html", srcdir=src)
    app.build()
    page = soup(app, "index.html")
    hrefs = {a["href"] for a in page.find_all("a", class_="reference external")}
    assert "https://other.example/later.html#ms-ldm-503-07" in hrefs
    assert "https://other.example/early.html#ms-ldm-503-02" in hrefs
    assert "undefined-reference" not in app._warning.getvalue()


def test_epub_contains_the_stylesheet(make_app, rootdir, tmp_path) -> None:
    import zipfile

    app = make_app("epub", srcdir=_copy_root(rootdir / "test-basic", tmp_path))
    app.build()
    epub = next(Path(app.outdir).glob("*.epub"))
    assert any(name.endswith("_static/ldm503.css") for name in zipfile.ZipFile(epub).namelist())


def test_builders_sharing_doctrees_both_follow_changes(make_app, rootdir, tmp_path) -> None:
    """html and text share _build/doctrees; each must rewrite what changed for it."""
    srcdir = _copy_root(rootdir / "test-basic", tmp_path)
    make_app("html", srcdir=srcdir).build()
    make_app("text", srcdir=srcdir).build()
    _replace_in(srcdir / "later.rst", "Camera Data Processing", "Camera Data Processing, renamed")
    html = make_app("html", srcdir=srcdir)
    html.build()
    text = make_app("text", srcdir=srcdir)
    text.build()
    assert Path(html.doctreedir) == Path(text.doctreedir)
    # index.rst was not edited: its :ms: label comes from later.rst.
    index = (Path(text.outdir) / "index.txt").read_text(encoding="utf-8")
    assert "Camera Data Processing, renamed" in index
    assert "Camera Data Processing, renamed" in soup(html, "index.html").get_text()


def test_overdue_marks_follow_the_date(make_app, rootdir, tmp_path, monkeypatch) -> None:
    src = _copy_root(rootdir / "test-basic", tmp_path)
    (src / "table.rst").write_text(":orphan:\n\nTable\n=====\n\n.. milestone-table::\n",
                                   encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1483228800")  # 2017-01-01
    app = make_app("html", srcdir=src)
    app.build()
    assert not soup(app, "table.html").find_all("tr", class_="ldm503-overdue")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    app = make_app("html", srcdir=src)
    app.build()
    overdue = soup(app, "table.html").find_all("tr", class_="ldm503-overdue")
    assert [tr.td.get_text(strip=True) for tr in overdue] == ["LDM-503-06"]


@pytest.mark.sphinx("html", testroot="odd", freshenv=True)
def test_odd_input(app, warning) -> None:
    app.build()
    text = warning.getvalue()
    assert "Traceback" not in text and "[docutils]" not in text
    src = str(Path(app.srcdir) / "index.rst")
    for line, fragment, subtype in [
        (4, ":requires: malformed milestone ID '-bad'", "invalid"),
        (9, "prerequisite inside a prerequisite of LDM-503-01", "invalid"),
        (13, "prerequisite ignored: its milestone has no valid ID", "invalid"),
        (19, "A-1 and A.1 share the anchor #ms-a-1", "duplicate-id"),
        (24, "empty milestone ID", "invalid"),
    ]:
        assert re.search(re.escape(f"{src}:{line}: WARNING: ") + r".*" + re.escape(fragment)
                         + r".*" + re.escape(f"[ldm503.{subtype}]"), text), (line, text)
    report = json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))
    first = next(m for m in report["milestones"] if m["id"] == "LDM-503-01")
    assert [r["id"] for r in first["requires"]] == ["LDM-503-02", "LDM-503-03", "DM-AP-1"]
    assert first["title"] == "First"  # the no-index rendering declares nothing
    assert any(m["id"] == "Ünïcode-1" and m["declared"] for m in report["milestones"])
    page = soup(app, "index.html")
    assert page.find("dt", id="ms-ünïcode-1") is not None or page.find(
        "dt", id=anchor_for("Ünïcode-1")) is not None
    # The no-index rendering shows the declaration's data but has no anchor of its own.
    assert len(page.find_all("dt", id="ms-ldm-503-01")) == 1


@pytest.mark.sphinx("html", testroot="invalid", freshenv=True,
                    confoverrides={"ldm503_check_severity": {"invalid": "off"}})
def test_invalid_off_silences_read_time_warnings(app, warning) -> None:
    app.build()
    assert "[ldm503.invalid]" not in warning.getvalue()
    report = json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))
    assert not [f for f in report["findings"] if f["check"] == "invalid"]


def test_records_pickle_as_their_field_values_and_read_the_old_state():
    """The environment pickles thousands of records: each is stored as its values,
    the state dataclasses' own functions wrote (a list), which still loads."""
    import dataclasses
    import pickle

    from sphinxext_ldm503.core.model import Edge, Finding, Location, Milestone, Prerequisite, Query

    pre = Prerequisite(id="DM-1", title="first", query=Query("open", "why?"))
    ms = Milestone(id="LDM-503-1", title="One", location=Location("plan", 3),
                   prerequisites=(pre,))
    records = [pre, ms, Location("plan", 3), Finding("cycle", "error", "LDM-503-1", "m"),
               Edge(ms, ms, pre)]
    for record in records:
        assert pickle.loads(pickle.dumps(record)) == record
        old = [getattr(record, f.name) for f in dataclasses.fields(record)]
        fresh = object.__new__(type(record))
        fresh.__setstate__(old)
        assert fresh == record
        with pytest.raises(ValueError, match="values for"):  # a record of another version
            object.__new__(type(record)).__setstate__([*old, None])


def test_natural_key_is_one_total_order():
    from sphinxext_ldm503.core.model import natural_key

    ids = ["DM-AP-10", "dm-ap-2", "DM-AP-1", "LDM-503-10", "LDM-503-4b", "LDM-503-4",
           "DM-AP-01", "DM-AP-1a", "A"]
    assert sorted(ids, key=natural_key) == [
        "A", "DM-AP-01", "DM-AP-1", "DM-AP-1a", "dm-ap-2", "DM-AP-10", "LDM-503-4",
        "LDM-503-4b", "LDM-503-10"]
    # Equal but for case or zeros, the order is still fixed (by the text).
    assert sorted(["DM-AP-1", "dm-ap-1"], key=natural_key) == sorted(
        ["dm-ap-1", "DM-AP-1"], key=natural_key)
