"""Scale: a 20,000-milestone plan builds within memory, a 2,000-node diagram warns and ends.

The plan comes from ``benchmarks/generate.py`` (layers of 200 milestones, each
requiring 2-4 of the layer before, 10% with an external milestone known only by
reference, 400 documents of 50 milestones, as a real plan's chapters).
Per-milestone diagrams are off (``ldm503_milestone_graphs = False``): drawing
20,000 of them is not the point here (``make bench --large`` measures that).
The index asks for one ``milestone-graph`` of the first 2,000 milestones, which
must be drawn and warn with the advice to narrow it.

The build runs ``sphinx-build`` in a child process, whose peak RSS ``os.wait4``
reports; durations are printed (``pytest -s``) for the record.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).parents[1] / "benchmarks" / "generate.py"
MILESTONES = 20_000
GRAPH_NODES = 2_000
PEAK_LIMIT_MIB = 8 * 1024
TIMEOUT = 1_500


def _bench():
    """benchmarks/generate.py, which generates the plans (not a package: loaded by path)."""
    name = "generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
    return sys.modules[name]


def sphinx_build(src: Path, out: Path, log: Path) -> tuple[int, float, float]:
    """Exit status, wall-clock seconds and peak RSS (MiB) of ``sphinx-build -b html``.

    ``os.wait4`` gives the resource usage of exactly this child; a timer kills it
    if it runs past ``TIMEOUT``.
    """
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out)]
    started = time.perf_counter()
    with log.open("wb") as stderr:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024


def test_20000_milestones_and_a_2000_node_diagram(tmp_path: Path) -> None:
    bench = _bench()
    src = tmp_path / "plan"
    started = time.perf_counter()
    bench.write_project(src, bench.plan(MILESTONES), "ours")
    with (src / "index.rst").open("a", encoding="utf-8") as index:
        # IDs LDM-503-00000 to LDM-503-01999: the first ten layers.
        index.write(".. milestone-graph::\n   :include: LDM-503-00*, LDM-503-01*\n"
                    "   :caption: The first 2,000 milestones\n\n")
        # One known fault, so the test proves the checks ran over the whole plan.
        index.write(".. milestone:: LDM-503-PROBE: Probe\n   :requires: LDM-503-00000, "
                    "LDM-503-MISSING\n")
    generated = time.perf_counter() - started

    out = tmp_path / "html"
    rc, elapsed, peak_mib = sphinx_build(src, out, tmp_path / "stderr.txt")
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    print(f"\n{MILESTONES:,} milestones: generated in {generated:.1f} s, built in "
          f"{elapsed:.1f} s, peak RSS {peak_mib:,.0f} MiB")
    assert rc == 0, stderr[-5000:]
    assert "Traceback" not in stderr and "Exception occurred" not in stderr
    assert peak_mib < PEAK_LIMIT_MIB

    document = json.loads((out / "ldm503.json").read_text(encoding="utf-8"))
    declared = [m for m in document["milestones"] if m.get("docname")]
    assert len(declared) == MILESTONES + 1  # and the probe
    assert len(document["milestones"]) > MILESTONES  # plus the DM milestones by reference
    checks = {f["check"] for f in document["findings"]}
    assert not checks & {"cycle", "duplicate-id", "invalid"}, checks
    assert [(f["milestone"], f["related"][0]) for f in document["findings"]
            if f["check"] == "undefined-reference"] == [("LDM-503-PROBE", "LDM-503-MISSING")]

    graph_warnings = [line for line in stderr.splitlines() if "[ldm503.graph]" in line]
    assert len(graph_warnings) == 1, graph_warnings
    assert f"draws {GRAPH_NODES} milestones" in graph_warnings[0]
    assert ":root:" in graph_warnings[0] and ":include:" in graph_warnings[0]
    assert "index.rst:" in graph_warnings[0]
    svgs = list((out / "_images").glob("graphviz-*.svg"))
    assert len(svgs) >= 1  # the big diagram (and its legend) were drawn
    biggest = max(svgs, key=lambda p: p.stat().st_size)
    assert biggest.read_text(encoding="utf-8").count('class="node"') >= GRAPH_NODES
    assert os.path.getsize(out / "part399.html") > 0


def model_plan(size: int):
    """The benchmark plan as model records, without Sphinx."""
    from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite

    bench = _bench()
    declared = []
    for ms in bench.plan(size):
        pres = [Prerequisite(bench.ms_id(p), bench.title_of(p), location=Location("p", ms.index))
                for p in ms.prerequisites]
        if ms.external:
            pres.append(Prerequisite(ms.external, "Camera delivery"))
        declared.append(Milestone(bench.ms_id(ms.index), ms.title, due=ms.due,
                                  location=Location("p", ms.index), prerequisites=tuple(pres)))
    return Plan(declared)


def test_redundant_prerequisite_check_scales() -> None:
    from sphinxext_ldm503.core.checks import CheckConfig, check_redundant_prerequisite

    # Used to be quadratic (networkx.transitive_reduction): minutes at this size. No
    # timing assertion here (see benchmarks/); the plan must simply be checked.
    plan = model_plan(20_000)
    findings = check_redundant_prerequisite(plan, CheckConfig())
    assert findings == []  # the layered plan has no redundant prerequisite
