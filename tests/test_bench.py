"""A smoke round of the benchmark suite: every variant builds, and the report is written.

No timing is asserted (the machine running the tests is not a benchmark machine);
the suite itself is ``make bench``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks"


def _load(name: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_every_variant_writes_the_same_plan(tmp_path):
    generate = _load("generate")
    milestones = generate.plan(120)
    assert generate.plan(120) == milestones  # fixed seed
    assert sum(1 for ms in milestones if ms.external) in range(5, 25)
    for variant in generate.VARIANTS:
        src = tmp_path / variant.replace("+", "-")
        names = generate.write_project(src, milestones, variant)
        assert len(names) == 3
        text = "".join((src / f"{n}.rst").read_text() for n in names)
        assert text.count("Integration test 119 of") >= 1
        generate.edit_prerequisite(src, names, milestones, variant)


def test_smoke_round_at_50_milestones(tmp_path):
    bench = _load("bench")
    output = tmp_path / "results.md"
    output.write_text("old\n<!-- notes: kept by bench.py -->\nmy analysis\n")
    assert bench.main(["--sizes", "50", "--rounds", "1", "--quick",
                       "--output", str(output), "--work", str(tmp_path / "work")]) == 0
    text = output.read_text()
    assert "## N = 50 milestones in 1 documents" in text
    for variant in ("plain", "ours", "ours+report", "ours+diagrams", "needs",
                    "needs+needtable"):
        assert f"| {variant} | " in text
    assert "x) |" in text  # ratios to plain
    assert text.rstrip().endswith("my analysis")
