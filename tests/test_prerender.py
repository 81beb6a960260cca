"""All diagrams of a build drawn in a few ``dot`` runs, under the names Sphinx looks for.

A wrapper around ``dot`` logs every run, so the tests count processes instead of
timing anything.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sphinxext_ldm503 import batchdot
from sphinxext_ldm503.prerender import image_name

DOT = shutil.which("dot")
pytestmark = pytest.mark.skipif(DOT is None, reason="Graphviz dot is not installed")


def _copy(rootdir: Path, tmp_path: Path, name: str = "test-graphs") -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / name, src)
    return src


def counting_dot(tmp_path: Path, fail_batches: bool = False) -> tuple[Path, Path]:
    """A ``dot`` that logs its arguments (and optionally refuses ``-O`` batches)."""
    log = tmp_path / "dot-calls.log"
    wrapper = tmp_path / "dot"
    refuse = 'case " $* " in *" -O "*) exit 3;; esac\n' if fail_batches else ""
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n{refuse}exec "{DOT}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, log


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


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
    (src / "index.rst").write_text(f"Pinned\n======\n\n.. graphviz::\n\n   {code}\n")
    app = make_app("html", srcdir=src)
    app.build()
    expected = image_name(app.builder, code, {"docname": "index"}, "svg")
    assert (Path(app.outdir) / "_images" / expected).is_file()
    assert [p.name for p in (Path(app.outdir) / "_images").glob("graphviz-*")] == [expected]


def test_a_clean_build_draws_everything_in_one_batch_per_core(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper)})
    app.build()
    runs = calls(log)
    probes = [c for c in runs if " -O " not in f" {c} "]
    batches = [c for c in runs if " -O " in f" {c} "]
    assert len(probes) == 1  # the probe of dot: nothing was drawn one by one
    assert 1 <= len(batches) <= 2
    images = referenced_images(Path(app.outdir))
    assert len(images) >= 4 and all(p.is_file() for p in images)
    drawn = sum(c.count(".gv") for c in batches)
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
    assert all(p.is_file() for p in referenced_images(Path(app.outdir)))


def test_a_failed_batch_falls_back_to_one_run_per_diagram(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path, fail_batches=True)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper)})
    app.build()
    images = referenced_images(Path(app.outdir))
    assert images and all(p.is_file() for p in images)
    singles = [c for c in calls(log) if " -O " not in f" {c} "]
    assert len(singles) == 1 + len({p.name for p in images})  # the probe, then one each


def test_png_images_come_with_their_image_maps(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper),
                                  "graphviz_output_format": "png"})
    app.build()
    images = referenced_images(Path(app.outdir))
    assert images and all(p.suffix == ".png" and p.is_file() for p in images)
    assert all(Path(f"{p}.map").is_file() for p in images)
    assert all(" -O " not in f" {c} " or "-Tcmapx" in c for c in calls(log))
    page = (Path(app.outdir) / "plan.html").read_text()
    assert "<map " in page and "<area " in page


def test_latex_diagrams_are_drawn_in_a_batch_too(make_app, rootdir, tmp_path):
    wrapper, log = counting_dot(tmp_path)
    app = make_app("latex", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(wrapper)})
    app.build()
    pdfs = list(Path(app.outdir).glob("graphviz-*.pdf"))
    assert pdfs
    assert [c for c in calls(log) if " -O " not in f" {c} "] == ["-Tsvg"]  # only the probe
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
    assert (outcome.rendered, outcome.failed, outcome.processes) == (len(jobs), 0, 2)
    assert all(job.target.read_text().rstrip().endswith("</svg>") for job in jobs)
    assert sorted(p.name for p in (tmp_path / "img").iterdir()) == sorted(
        job.target.name for job in jobs)  # no partial files left behind
    small = batchdot.start([batchdot.Job("digraph s { x }", tmp_path / "s.svg")], "svg",
                           workers=4)
    assert small.wait_all().processes == 1  # one batch per core at most, as before


def test_a_finishing_step_that_fails_leaves_the_diagram_to_sphinx(tmp_path):
    def broken(job: batchdot.Job, output: Path) -> None:
        raise ValueError("cannot fix")

    job = batchdot.Job("digraph g { a -> b }", tmp_path / "g.svg")
    outcome = batchdot.render([job], "svg", finish=broken)
    assert (outcome.rendered, outcome.failed) == (0, 1) and not job.target.exists()
