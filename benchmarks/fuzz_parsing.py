"""Coverage-guided fuzzing of the text parsers and the DOT builder with atheris.

Not run by the test suite (``tests/test_hostile.py`` does the hypothesis fuzzing
CI relies on); this is for longer, coverage-guided sessions on a developer's
machine::

    .venv/bin/pip install atheris
    .venv/bin/python benchmarks/fuzz_parsing.py -max_total_time=300
    .venv/bin/python benchmarks/fuzz_parsing.py --with-dot -max_total_time=300 corpus/

Each input is split into an author's argument, option values and a title; the
parsers may only raise ``ValueError``, and the DOT built from a plan holding the
text must be accepted by ``dot`` (``--with-dot``, slower) and make well-formed
SVG without a ``<script``. Any other exception or failed check is a crash that
atheris reports with the input that caused it. Other arguments go to libFuzzer.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from xml.etree import ElementTree

import atheris

with atheris.instrument_imports():
    from sphinxext_ldm503.core import parsing
    from sphinxext_ldm503.core.model import Milestone, Plan, Prerequisite
    from sphinxext_ldm503.render.graph import GRAPH_OPTIONS as GRAPH_OPTION_SPECS
    from sphinxext_ldm503.render.graph import GraphOptions, build_dot, parse_graph_options

WITH_DOT = "--with-dot" in sys.argv
PARSERS = (
    parsing.check_id, parsing.parse_date, parsing.parse_status, parsing.parse_query_state,
    parsing.parse_query_status, parsing.parse_level, parsing.parse_list,
    parsing.split_id_list, parsing.parse_waivers,
)
GRAPH_OPTIONS = tuple(spec.name for spec in GRAPH_OPTION_SPECS)


def check_dot(code: str) -> None:
    proc = subprocess.run(["dot", "-Tsvg"], input=code.encode("utf-8"), capture_output=True,
                          timeout=60, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"dot rejected the DOT: {proc.stderr[:500]!r}")
    if b"<script" in proc.stdout.lower():
        raise RuntimeError("<script in the SVG")
    ElementTree.fromstring(proc.stdout)  # the SVG is dot's own output: trusted XML


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    argument = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 200))
    value = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 100))
    title = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 400))

    try:
        ms_id, parsed_title = parsing.split_argument(argument)
    except ValueError:
        ms_id, parsed_title = "LDM-503-01", title
    for parser in PARSERS:
        with contextlib.suppress(ValueError):
            parser(value)
    option = GRAPH_OPTIONS[fdp.ConsumeIntInRange(0, len(GRAPH_OPTIONS) - 1)]
    try:
        options = parse_graph_options({option: value})
    except ValueError:
        options = GraphOptions()

    plan = Plan([
        Milestone(ms_id, parsed_title or title,
                  prerequisites=(Prerequisite("DM-" + ms_id, title, query="open",
                                              discussion=value),)),
        Milestone("LDM-503-99", title, prerequisites=(Prerequisite(ms_id, value),)),
    ])
    if any(root not in plan for root in (options.root, *options.more_roots) if root):
        options = GraphOptions()  # an unknown root is a ValueError by contract
    code = build_dot(plan, options, url_for=lambda ms: f"{value}#{ms.anchor}", name=title)
    if WITH_DOT:
        check_dot(code)


def main() -> None:
    argv = [arg for arg in sys.argv if arg != "--with-dot"]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
