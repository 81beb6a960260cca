"""All diagrams of a build drawn in a few ``dot`` runs, under the names Sphinx looks for.

A wrapper around ``dot`` logs every run, so the tests count processes instead of
timing anything.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sphinxext_ldm503.features.images import image_name
from sphinxext_ldm503.speed import batchdot

DOT = shutil.which("dot")
pytestmark = pytest.mark.skipif(DOT is None, reason="Graphviz dot is not installed")


def _copy(rootdir: Path, tmp_path: Path, name: str = "test-graphs") -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / name, src)
    return src


def counting_dot(tmp_path: Path, fail_batches: bool = False) -> tuple[Path, Path]:
    """A ``dot`` that logs its runs (and optionally refuses batches).

    A run that names its output (``-o``, as sphinx.ext.graphviz does one diagram
    at a time) or its inputs (``-O``, a batch of files) is logged by its
    arguments; one that reads graphs on its input and writes to its output (the
    probe, or a batch of SVGs) also by how many graphs it was given, or
    ``probe``.
    """
    log = tmp_path / "dot-calls.log"
    wrapper = tmp_path / "dot"
    refuse = "exit 3" if fail_batches else ":"
    wrapper.write_text(f"""#!/bin/sh
case " $* " in
  *" -o"*) echo "$*" >> "{log}"; exec "{DOT}" "$@";;
  *" -O "*) echo "$*" >> "{log}"; {refuse}; exec "{DOT}" "$@";;
esac
input=$(cat; echo .)
case "$input" in
  "digraph probe "*) echo "$* stdin:probe" >> "{log}";;
  *) echo "$* stdin:$(printf '%s' "$input" | grep -c '^digraph')" >> "{log}"; {refuse};;
esac
printf '%s' "${{input%.}}" | exec "{DOT}" "$@"
""")
    wrapper.chmod(0o755)
    return wrapper, log


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def is_batch(call: str) -> bool:
    """A run of dot that drew several diagrams (files named with -O, or a stream)."""
    return " -O " in f" {call} " or (" stdin:" in call and not call.endswith("stdin:probe"))


def graphs_drawn(call: str) -> int:
    if " stdin:" in call:
        return int(call.rsplit("stdin:", 1)[1])
    return call.count(".gv")


def referenced_images(outdir: Path) -> set[Path]:
    found = set()
    for page in outdir.glob("*.html"):
        for ref in re.findall(r'(?:data|src)="(_images/graphviz-[^"]+)"', page.read_text()):
            found.add(outdir / ref)
    return found


def test_the_image_names_are_sphinx_graphviz_names(make_app, tmp_path):
    """Pins sphinx.ext.graphviz's naming: if Sphinx changes it, this fails loudly."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinx.ext.graphviz"]\n'
                                 'graphviz_output_format = "svg"\n')
    code = "digraph pinned { a -> b }"
    (src / "index.rst").write_text(f"Pinned\n======\n\n.. graphviz::\n\n   {code}\n\n"
                                   f".. graphviz::\n   :graphviz_dot: {DOT}\n\n   {code}\n")
    app = make_app("html", srcdir=src)
    app.build()
    expected = {image_name(app.builder, code, {"docname": "index"}, "svg"),
                image_name(app.builder, code, {"docname": "index", "graphviz_dot": DOT},
                           "svg")}
    assert len(expected) == 2  # the program a diagram asks for is part of the name
    assert {p.name for p in (Path(app.outdir) / "_images").glob("graphviz-*")} == expected


def test_a_clean_build_draws_everything_in_one_batch_per_core(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper)})
    app.build()
    runs = calls(log)
    probes = [c for c in runs if not is_batch(c)]
    batches = [c for c in runs if is_batch(c)]
    assert probes == ["-Tsvg stdin:probe"]  # nothing was drawn one by one
    assert 1 <= len(batches) <= 2
    images = referenced_images(Path(app.outdir))
    assert len(images) >= 4 and all(p.is_file() for p in images)
    drawn = sum(graphs_drawn(c) for c in batches)
    assert drawn == len({p.name for p in images})


def test_a_warm_rebuild_runs_no_dot(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path)
    src = _copy(rootdir, tmp_path)
    make_app("html", srcdir=src, confoverrides={"graphviz_dot": str(wrapper)}).build()
    log.unlink()
    with (src / "plan.rst").open("a") as plan:
        plan.write("\nMore prose, no change to the plan.\n")
    app = make_app("html", srcdir=src, confoverrides={"graphviz_dot": str(wrapper)})
    app.build()
    assert "plan" in app.builder.env.all_docs
    assert calls(log) == []
    images = referenced_images(Path(app.outdir))
    assert images and all(p.is_file() for p in images)  # an empty set proves nothing


def test_a_failed_batch_falls_back_to_one_run_per_diagram(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path, fail_batches=True)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper)})
    app.build()
    images = referenced_images(Path(app.outdir))
    assert images and all(p.is_file() for p in images)
    singles = [c for c in calls(log) if not is_batch(c)]
    assert len(singles) == 1 + len({p.name for p in images})  # the probe, then one each


def test_pages_inlined_by_batches_equal_pages_inlined_from_the_files(make_app, rootdir,
                                                                     tmp_path):
    """The writer takes a batch's inlined form by the image name the dry run worked
    out; rewritten with every image in place already (no batch, so each is named by
    sphinx.ext.graphviz's render_dot and inlined from its file), the pages are the same."""
    wrapper, log = counting_dot(tmp_path)
    src = _copy(rootdir, tmp_path)
    first = make_app("html", srcdir=src, confoverrides={"graphviz_dot": str(wrapper)})
    first.build()
    assert any(is_batch(c) for c in calls(log))
    drawn = _pages(Path(first.outdir))
    log.unlink()
    again = make_app("html", srcdir=src, freshenv=True,
                     confoverrides={"graphviz_dot": str(wrapper)})
    again.build(force_all=True)
    assert calls(log) == ["-Tsvg stdin:probe"]  # a fresh environment; every image in place
    assert _pages(Path(again.outdir)) == drawn


def test_png_images_come_with_their_image_maps(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper),
                                  "graphviz_output_format": "png"})
    app.build()
    images = referenced_images(Path(app.outdir))
    assert images and all(p.suffix == ".png" and p.is_file() for p in images)
    assert all(Path(f"{p}.map").is_file() for p in images)
    assert all(not is_batch(c) or "-Tcmapx" in c for c in calls(log))
    page = (Path(app.outdir) / "plan.html").read_text()
    assert "<map " in page and "<area " in page


def test_latex_diagrams_are_drawn_in_a_batch_too(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path)
    app = make_app("latex", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper)})
    app.build()
    pdfs = list(Path(app.outdir).glob("graphviz-*.pdf"))
    assert pdfs
    assert [c for c in calls(log) if not is_batch(c)] == ["-Tsvg stdin:probe"]  # only the probe
    tex = next(Path(app.outdir).glob("*.tex")).read_text()
    assert all(p.name in tex for p in pdfs)


def test_batch_render_skips_existing_targets_and_reports_failures(tmp_path):
    good = batchdot.Job("digraph a { x -> y }", tmp_path / "out" / "a.svg")
    bad = batchdot.Job("digraph b { x -> ", tmp_path / "out" / "b.svg")
    outcome = batchdot.render([good], "svg", workers=2)
    assert outcome == batchdot.Outcome(1, 0, 1)
    assert good.target.read_text().startswith("<?xml")
    again = batchdot.render([good, good], "svg")
    assert again == batchdot.Outcome(0, 0, 0)  # exists already: not drawn again
    failed = batchdot.render([bad], "svg")
    assert failed.failed == 1 and not bad.target.exists()


def test_warnings_of_prerendered_diagrams_are_printed_once(make_app, rootdir, tmp_path):
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"ldm503_graph_max_nodes": 3})
    app.build()
    warnings = [line for line in app._warning.getvalue().splitlines() if "[ldm503.graph]" in line]
    # The whole plan (5) and one milestone's neighbourhood (4): each warns once, located.
    places = sorted(re.search(r"(\w+\.rst:\d+): WARNING: milestone-graph draws (\d)", w).groups()
                    for w in warnings)
    assert places == [("index.rst:8", "5"), ("plan.rst:10", "4")]


def test_a_large_build_is_drawn_in_order_while_pages_are_written(tmp_path):
    """Several batches per worker, in job order: the first images can be waited for
    alone, and every file appears whole."""
    jobs = [batchdot.Job(f"digraph g{i} {{ a{i} -> b{i} }}", tmp_path / "img" / f"g{i}.svg")
            for i in range(2 * batchdot.MIN_BATCH + 10)]
    pending = batchdot.start(jobs, "svg", workers=1)
    pending.wait([jobs[0].target])
    assert jobs[0].target.is_file()
    outcome = pending.wait_all()
    # Two batches, the first cut in two so that the first page waits little.
    assert (outcome.rendered, outcome.failed, outcome.processes) == (len(jobs), 0, 3)
    assert all(job.target.read_text().rstrip().endswith("</svg>") for job in jobs)
    assert sorted(p.name for p in (tmp_path / "img").iterdir()) == sorted(
        job.target.name for job in jobs)  # no partial files left behind
    small = batchdot.start([batchdot.Job("digraph s { x }", tmp_path / "s.svg")], "svg",
                           workers=4)
    assert small.wait_all().processes == 1  # one batch per core at most, as before


def test_a_helper_that_cannot_run_leaves_the_diagrams_to_sphinx(tmp_path, monkeypatch):
    job = batchdot.Job("digraph g { a -> b }", tmp_path / "g.svg")
    monkeypatch.setattr(batchdot, "_python", lambda: shutil.which("false"))
    outcome = batchdot.render([job], "svg")
    assert (outcome.rendered, outcome.failed) == (0, 1) and not job.target.exists()


def test_without_an_interpreter_to_start_the_batch_is_drawn_in_process(tmp_path, monkeypatch):
    job = batchdot.Job("digraph g { a -> b }", tmp_path / "g.svg")
    monkeypatch.setattr(batchdot, "_python", lambda: None)
    assert batchdot.render([job], "svg") == batchdot.Outcome(1, 0, 1)
    assert job.target.read_text().rstrip().endswith("</svg>")


def test_a_batch_writes_each_svg_as_a_run_of_its_own_would(tmp_path):
    """dot prefixes the graph id of every graph but the first of a run ("page0,1_"):
    a page's SVG must not depend on where its diagram fell in a batch (the number
    of cores, a forked dry run, a rebuild of some pages)."""
    import subprocess

    codes = ['digraph a { id="ga"; x -> y }', 'digraph b { id="gb"; p -> q }',
             "digraph c { r }", 'digraph d { id="page0,1_own"; s }']
    jobs = [batchdot.Job(code, tmp_path / f"g{i}.svg") for i, code in enumerate(codes)]
    assert batchdot.render(jobs, "svg", workers=1) == batchdot.Outcome(4, 0, 1)
    for job in jobs:
        alone = subprocess.run([DOT, "-Tsvg"], input=job.code, capture_output=True,
                               text=True, check=True).stdout
        assert job.target.read_text(encoding="utf-8") == alone


def test_a_batch_begun_here_draws_in_the_background_the_same_svgs(tmp_path):
    """begin_here returns while dot runs (the forked copy dry-runs the next pages
    meanwhile); complete() finishes the SVGs as the helper would, and the finished
    batch travels without its DOT."""
    import pickle

    codes = ['digraph a { id="ga"; x -> y }', 'digraph b { id="gb"; p -> q }']
    here = [batchdot.Job(code, tmp_path / "here" / f"g{i}.svg", inline=(("_images", "p"),))
            for i, code in enumerate(codes)]
    helper = [batchdot.Job(code, tmp_path / "helper" / f"g{i}.svg", inline=(("_images", "p"),))
              for i, code in enumerate(codes)]
    (tmp_path / "work").mkdir()
    batch = batchdot.begin_here(here, "svg", program=DOT, directory=tmp_path / "work",
                                name="b0")
    assert batch is not None and batch.launched
    batch.complete()
    assert batch.done and batch.rendered == 2
    assert not any((tmp_path / "work").glob("b0.*"))  # its dot input and output gone
    assert not any((tmp_path / "work").iterdir())  # the inlined forms kept in memory
    pending = batchdot.start(helper, "svg", workers=1)
    pending.wait([job.target for job in helper])
    travelled = pickle.loads(pickle.dumps(batch))
    assert [job.code for job in travelled.jobs] == ["", ""]
    assert [job.target for job in travelled.jobs] == [job.target for job in here]
    for mine, theirs in zip(here, helper, strict=True):
        assert mine.target.read_bytes() == theirs.target.read_bytes()
        # The inlined forms travel with the batch.
        assert travelled.take_fragment((mine.target, "_images", "p")) == pending.fragment(
            theirs.target, "_images", "p")
    assert batchdot.begin_here(here, "svg", program=DOT, directory=tmp_path / "work",
                               name="b1") is None  # all drawn already
    pending.wait_all()


@pytest.mark.parametrize("keep_inlined", [True, False])
def test_batches_drawn_here_match_the_helpers(tmp_path, monkeypatch, keep_inlined):
    """``here`` (no core to spare): dot alone, the SVGs finished in this process. The
    files and the inlined forms are the helpers' byte for byte, and no helper starts;
    kept in memory unless pages are written by parallel workers (then a file)."""
    codes = [f'digraph g{i} {{ a{i} [URL="../p.html#a" tooltip="A & <{i}>"]; a{i} -> b{i} }}'
             for i in range(2 * batchdot.MIN_BATCH + 10)]
    variants = (("_images", "p"),)

    def jobs(where: str) -> list[batchdot.Job]:
        return [batchdot.Job(code, tmp_path / where / f"g{i}.svg", relink=("sub", "_images"),
                             inline=variants) for i, code in enumerate(codes)]

    helper, here = jobs("helper"), jobs("here")
    by_helpers = batchdot.start(helper, "svg", workers=1)
    by_helpers.wait([job.target for job in helper])
    monkeypatch.setattr(batchdot, "_python", lambda: pytest.fail("a helper was started"))
    pending = batchdot.start(here, "svg", workers=1, here=True, keep_inlined=keep_inlined)
    pending.wait([here[0].target])
    assert here[0].target.is_file()
    pending.wait([job.target for job in here])
    batches = {id(b): b for b in pending._batch_of.values()}.values()
    assert len(batches) > 2 and all(b.done for b in batches)
    assert any(b.fragments_file.is_file() for b in batches) is not keep_inlined
    for mine, theirs in zip(here, helper, strict=True):
        assert mine.target.read_bytes() == theirs.target.read_bytes()
        assert pending.fragment(mine.target, "_images", "p") == by_helpers.fragment(
            theirs.target, "_images", "p")
    assert pending.wait_all() == batchdot.Outcome(len(codes), 0, len(batches))
    by_helpers.wait_all()


def test_the_helper_relinks_the_file_and_inlines_it_for_each_page(tmp_path):
    """What a page shows is what web.py would make of the file: inlined by the
    helper process instead of the build's own."""
    import threading

    from sphinxext_ldm503.render.svgtext import inline_svg

    code = ('digraph "g" { graph [id="plan-1"]; a [id="plan-1-a" URL="../ch.html#a" '
            'tooltip="A & <b>"]; a -> b [URL="ch.html#b"] }')
    variants = (("../_images", "plan-1"), ("_images", "plan-1"))
    job = batchdot.Job(code, tmp_path / "_images" / "g.svg", relink=("sub", "_images"),
                       inline=variants)
    threads = threading.active_count()
    pending = batchdot.start([job], "svg", workers=1)
    assert threading.active_count() == threads  # no thread in this process
    pending.wait([job.target])
    svg = job.target.read_text()
    assert 'xlink:href="../ch.html#a"' in svg  # sub/../ch.html from _images/
    assert 'xlink:href="../sub/ch.html#b"' in svg
    for imgpath, prefix in variants:
        assert pending.fragment(job.target, imgpath, prefix) == inline_svg(svg, imgpath, prefix)
        # Handed out once (a page is written once): not kept in memory for the build.
        assert pending.fragment(job.target, imgpath, prefix) is None
    assert pending.fragment(job.target, "elsewhere", "plan-1") is None
    assert pending.wait_all() == batchdot.Outcome(1, 0, 1)


def test_a_damaged_file_of_inlined_forms_is_left_to_the_page(tmp_path):
    """The page then inlines the image file itself (web.py), as without a helper."""
    job = batchdot.Job('digraph g { a -> b }', tmp_path / "_images" / "g.svg",
                       relink=("", "_images"), inline=(("_images", "p"),))
    pending = batchdot.start([job], "svg", workers=1)
    pending.wait([job.target])
    assert job.target.is_file()
    batch = pending._batch_of[job.target]
    batch.fragments_file.write_text('["only one", "too many"]', encoding="utf-8")
    assert pending.fragment(job.target, "_images", "p") is None
    assert pending.wait_all() == batchdot.Outcome(1, 0, 1)


# -- the dry run in a forked copy (prefork.py) ---------------------------------------


def _pages(outdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(outdir.glob("*.html"))}


def _forking(monkeypatch, started: list) -> None:
    """Fork for any number of diagrams, and remember each copy started."""
    from sphinxext_ldm503.speed import prefork

    if not prefork.can_fork():
        pytest.skip("fork is unavailable here (the build draws without a copy)")
    monkeypatch.setattr(prefork, "MIN_DIAGRAMS", 1)
    real_start = prefork.start

    def start(chunks):
        forked = real_start(chunks)
        started.append(forked)
        return forked

    monkeypatch.setattr(prefork, "start", start)


def _unforked_build(make_app, rootdir: Path, tmp_path: Path) -> tuple[Path, Path, Path,
                                                                      dict[str, bytes]]:
    """The graphs project built with the dry run in the build's process: its
    source, the counting dot (its log emptied) and the pages to compare with."""
    wrapper, log = counting_dot(tmp_path)
    src = _copy(rootdir, tmp_path)
    here = make_app("html", srcdir=src, builddir=tmp_path / "here",
                    confoverrides={"graphviz_dot": str(wrapper)})
    here.build()
    log.unlink()
    return src, wrapper, log, _pages(Path(here.outdir))


def test_a_forked_copy_does_the_dry_run_with_the_same_pages(make_app, rootdir, tmp_path,
                                                            monkeypatch):
    """The same pages as a dry run in the build's process, every diagram in a batch,
    the copy reaped and its files gone."""
    src, wrapper, log, unforked = _unforked_build(make_app, rootdir, tmp_path)
    started: list = []
    _forking(monkeypatch, started)
    forked = make_app("html", srcdir=src, builddir=tmp_path / "forked",
                      confoverrides={"graphviz_dot": str(wrapper)})
    forked.build()
    assert len(started) == 1 and started[0] is not None
    copy = started[0]
    assert copy.finished and not copy.failed and copy.pid == 0
    assert not Path(copy._directory).exists()
    assert _pages(Path(forked.outdir)) == unforked
    runs = calls(log)
    assert [c for c in runs if not is_batch(c)] == ["-Tsvg stdin:probe"]
    assert sum(graphs_drawn(c) for c in runs if is_batch(c)) == len(
        {p.name for p in referenced_images(Path(forked.outdir))})


def _noting_when_started(monkeypatch, when: list):
    """Note, at each copy started, whether Sphinx had checked consistency yet (the
    domain's env-updated runs just before); returns what to connect to each app."""
    from sphinxext_ldm503.speed import prefork

    if not prefork.can_fork():
        pytest.skip("fork is unavailable here (the build draws without a copy)")

    checked: list = []
    real_start = prefork.start

    def start(chunks):
        when.append("after the checks" if checked else "before the checks")
        return real_start(chunks)

    monkeypatch.setattr(prefork, "start", start)

    def watch(app) -> None:
        checked.clear()
        app.connect("env-check-consistency", lambda app, env: checked.append(True),
                    priority=1)

    return watch


def _built_noting_when_forked(make_app, rootdir: Path, tmp_path: Path, monkeypatch):
    """A clean build of the graphs project, forking for any number of diagrams and
    noting when each copy started (it started before the checks); with what an
    unforked build of it gave, for comparison."""
    src, wrapper, log, unforked = _unforked_build(make_app, rootdir, tmp_path)
    started: list = []
    _forking(monkeypatch, started)
    when: list = []
    watch = _noting_when_started(monkeypatch, when)
    app = make_app("html", srcdir=src, builddir=tmp_path / "forked",
                   confoverrides={"graphviz_dot": str(wrapper)})
    watch(app)
    app.build()
    assert when == ["before the checks"]
    return src, wrapper, log, unforked, app, started, when, watch


def test_a_clean_build_forks_its_copy_before_the_checks(make_app, rootdir, tmp_path,
                                                        monkeypatch):
    """Every page with diagrams is written in a clean build: the copy starts at
    env-updated, while the build checks the plan and pickles the environment,
    with the same pages as a result; a rebuild after one page changed starts it
    only once the pages to write are all known (write-started)."""
    src, wrapper, log, unforked, app, started, when, watch = _built_noting_when_forked(
        make_app, rootdir, tmp_path, monkeypatch)
    assert started[0].finished and not started[0].failed
    assert _pages(Path(app.outdir)) == unforked
    assert [c for c in calls(log) if not is_batch(c)] == ["-Tsvg stdin:probe"]

    plan = src / "plan.rst"
    plan.write_text(plan.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                    encoding="utf-8")
    when.clear()
    again = make_app("html", srcdir=src, builddir=tmp_path / "forked",
                     confoverrides={"graphviz_dot": str(wrapper)})
    watch(again)
    again.build()
    assert when == ["after the checks"]  # only plan.rst's page is rewritten


def test_an_application_that_builds_again_starts_afresh(make_app, rootdir, tmp_path,
                                                        monkeypatch):
    """The same application built again after one page changed (a watcher, say):
    what the first build read is not taken for read again, so the copy does not
    start before the pages to write are known, and the pages match a clean build."""
    src, _wrapper, log, unforked, app, _started, when, watch = _built_noting_when_forked(
        make_app, rootdir, tmp_path, monkeypatch)
    plan = src / "plan.rst"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text + "\nOne more sentence.\n", encoding="utf-8")
    later = plan.stat().st_mtime + 10
    os.utime(plan, (later, later))
    when.clear()
    watch(app)
    app.build()
    assert when == ["after the checks"]
    plan.write_text(text, encoding="utf-8")
    os.utime(plan, (later + 10, later + 10))
    app.build()
    assert _pages(Path(app.outdir)) == unforked
    # Every diagram of the three builds drawn in batches; dot probed once.
    assert [c for c in calls(log) if not is_batch(c)] == ["-Tsvg stdin:probe"]


def test_warnings_of_a_forked_dry_run_are_printed_once(make_app, rootdir, tmp_path, monkeypatch):
    started: list = []
    _forking(monkeypatch, started)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"ldm503_graph_max_nodes": 3})
    app.build()
    assert started and started[0] is not None
    warnings = [line for line in app._warning.getvalue().splitlines() if "[ldm503.graph]" in line]
    places = sorted(re.search(r"(\w+\.rst:\d+): WARNING: milestone-graph draws (\d)", w).groups()
                    for w in warnings)
    assert places == [("index.rst:8", "5"), ("plan.rst:10", "4")]


def test_when_the_forked_copy_fails_the_build_does_the_rest(make_app, rootdir, tmp_path,
                                                            monkeypatch):
    """A copy that dies after its first chunk: the pages it did not do are dry-run in
    the build's process, still drawn in batches, with the same pages as a result."""
    from sphinxext_ldm503.speed import prerender

    src, wrapper, log, unforked = _unforked_build(make_app, rootdir, tmp_path)
    started: list = []
    _forking(monkeypatch, started)
    real_chunks = prerender._chunks

    def dying(*args, **kwargs):
        chunks = real_chunks(*args, **kwargs)
        yield next(chunks)
        raise RuntimeError("the copy dies")

    monkeypatch.setattr(prerender, "_chunks", dying)
    monkeypatch.setattr(prerender, "_workers", lambda app: 1)
    monkeypatch.setattr("sphinxext_ldm503.speed.batchdot.MIN_BATCH", 1)  # a chunk per page
    broken = make_app("html", srcdir=src, builddir=tmp_path / "broken",
                      confoverrides={"graphviz_dot": str(wrapper)})
    broken.build()
    assert started[0].failed and started[0].pid == 0
    assert _pages(Path(broken.outdir)) == unforked
    assert [c for c in calls(log) if not is_batch(c)] == ["-Tsvg stdin:probe"]


def test_no_fork_while_other_threads_run(make_app, rootdir, tmp_path, monkeypatch):
    """Forking a process with other threads can copy a lock held for ever."""
    import threading

    started: list = []
    _forking(monkeypatch, started)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        app = make_app("html", srcdir=_copy(rootdir, tmp_path))
        app.build()
    finally:
        stop.set()
        other.join()
    assert started == [None]
    images = referenced_images(Path(app.outdir))
    assert images and all(p.is_file() for p in images)  # an empty set proves nothing


def test_prefork_hands_over_chunks_in_order_and_reports_failure():
    from sphinxext_ldm503.speed import prefork

    forked = prefork.start(lambda: iter([["a"], ["b", "c"], ["d"]]))
    assert forked is not None
    taken = []
    while not forked.over:
        taken += forked.take(block=True)
    assert taken == [["a"], ["b", "c"], ["d"]] and forked.finished and not forked.failed
    forked.close()

    def broken():
        yield 1
        raise ValueError

    failing = prefork.start(broken)
    assert failing is not None
    got = []
    while not failing.over:
        got += failing.take(block=True)
    assert got == [1] and failing.failed
    failing.close()
    assert list(prefork.grouped(range(1, 8), lambda n: n, 2, 5)) == [[1, 2], [3, 4], [5], [6], [7]]


def test_a_forked_dry_run_under_parallel_writing(make_app, rootdir, tmp_path, monkeypatch):
    """-j 2: Sphinx forks its own writers too; the pages are those of a serial build.
    The inlined forms are left in files for the writers, not held by the build's own
    process until the end."""
    src = _copy(rootdir, tmp_path)
    serial = make_app("html", srcdir=src, builddir=tmp_path / "serial")
    serial.build()
    started: list = []
    _forking(monkeypatch, started)
    adopted: list = []
    real_adopt = batchdot.Pending.adopt

    def adopt(self, batch):
        adopted.append(batch._inlined)
        return real_adopt(self, batch)

    monkeypatch.setattr(batchdot.Pending, "adopt", adopt)
    parallel = make_app("html", srcdir=src, builddir=tmp_path / "parallel", parallel=2)
    parallel.build()
    assert adopted and all(kept is None for kept in adopted)
    assert started and started[0] is not None and started[0].pid == 0
    assert _pages(Path(parallel.outdir)) == _pages(Path(serial.outdir))


def test_a_silent_copy_is_stopped_and_the_build_goes_on(monkeypatch):
    """A copy that hangs is not waited for for ever: after SILENCE_LIMIT seconds
    without a chunk it is stopped, and what it did not do falls to the build."""
    import time

    from sphinxext_ldm503.speed import prefork

    monkeypatch.setattr(prefork, "SILENCE_LIMIT", 0.2)

    def hanging():
        yield "first"
        time.sleep(600)
        yield "never"

    forked = prefork.start(hanging)
    assert forked is not None
    pid = forked.pid
    got = []
    while not forked.over:
        got += forked.take(block=True)
    assert got == ["first"] and forked.failed and forked.pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # stopped and reaped
    forked.close()


def test_the_fork_can_be_turned_off(make_app, rootdir, tmp_path, monkeypatch):
    """ldm503_fork_diagrams = False: the dry run stays in the build's process (no
    copy's memory), still drawn in batches."""
    wrapper, log = counting_dot(tmp_path)
    started: list = []
    _forking(monkeypatch, started)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper), "ldm503_fork_diagrams": False})
    app.build()
    assert started == []
    assert [c for c in calls(log) if not is_batch(c)] == ["-Tsvg stdin:probe"]
    images = referenced_images(Path(app.outdir))
    assert images and all(p.is_file() for p in images)  # an empty set proves nothing


def test_a_page_rewritten_for_another_documents_change_is_loaded_once(make_app, rootdir,
                                                                       tmp_path, monkeypatch):
    """A page that shows another document's data and was not read again (the index's
    whole-plan diagram, after a date changed in the plan) is unpickled once: the dry
    run leaves its doctree for the page's writer. The pages are a clean build's."""
    from sphinx.environment import BuildEnvironment

    src = _copy(rootdir, tmp_path)
    make_app("html", srcdir=src).build()
    plan = src / "plan.rst"
    plan.write_text(plan.read_text().replace(":due: 2019-09-30", ":due: 2019-10-31"))
    loaded: list[str] = []
    get_doctree = BuildEnvironment.get_doctree

    def counted(env: BuildEnvironment, docname: str):
        loaded.append(docname)
        return get_doctree(env, docname)

    monkeypatch.setattr(BuildEnvironment, "get_doctree", counted)
    app = make_app("html", srcdir=src)
    read: list[str] = []
    app.connect("env-before-read-docs", lambda app, env, docnames: read.extend(docnames))
    before = (Path(app.outdir) / "index.html").read_bytes()
    app.build()
    after = _pages(Path(app.outdir))
    assert read == ["plan"]
    assert after["index.html"] != before  # rewritten: its diagram shows the new date
    assert loaded.count("index") == 1
    monkeypatch.undo()
    clean = make_app("html", srcdir=src, builddir=tmp_path / "clean", freshenv=True)
    clean.build()
    assert _pages(Path(clean.outdir)) == after


def test_an_svg_that_cannot_be_placed_costs_only_its_own_inlined_forms(tmp_path, monkeypatch):
    """A file dot drew but that could not be written (a full disk, say) is left to
    Sphinx; the batch's other diagrams keep their inlined forms, each its own."""
    jobs = [batchdot.Job(f'digraph g{i} {{ a{i} -> b{i} }}', tmp_path / "_images" / f"g{i}.svg",
                         relink=("", "_images"), inline=(("_images", f"p{i}"), ("..", f"q{i}")))
            for i in range(3)]
    spec = {"jobs": [batchdot.job_spec(job) for job in jobs]}
    output = subprocess.run([DOT, "-Tsvg"], input=batchdot.stream_source(spec["jobs"]),
                            capture_output=True, check=True).stdout
    place_whole = batchdot.place_whole

    def failing(target: Path, text: str) -> None:
        if target.name == "g1.svg":
            raise OSError("No space left on device")
        place_whole(target, text)

    monkeypatch.setattr(batchdot, "place_whole", failing)
    kept: list[str | None] = []
    assert batchdot.finish_stream(spec, output, kept) == 1
    assert [job.target.is_file() for job in jobs] == [True, False, True]
    assert len(kept) == 6 and kept[2:4] == [None, None]
    for i in (0, 2):
        for form, (_imgpath, prefix) in zip(kept[2 * i:2 * i + 2], jobs[i].inline, strict=True):
            assert form is not None and f'id="{prefix}' in form and f"a{i}" in form
