"""The ``ldm503`` command: import a review, check a plan in CI, export the model.

Test-plan authors want the checks in CI without reading HTML, and tools want
the plan without running Sphinx themselves. The command therefore runs the very
same build as ``sphinx-build`` (the ``dummy`` builder into a temporary
directory, so nothing is written next to the sources) and reads the plan and
findings off the ``ldm503`` domain: what CI reports can never differ from what
the HTML report shows.

Exit status, the same for every subcommand so scripts need one rule:

* 0: done, and (``check``) no unwaived finding at or above ``--severity``;
  (``import``) every line of the review was mapped.
* 1: (``check``) some unwaived finding at or above ``--severity``;
  (``import``) the review was imported but some lines could not be mapped: they
  are kept as ``.. ldm503-import:`` comments in the output and listed as
  warnings on stderr, so a script notices that a person must look.
* 2: nothing usable could be read: a missing file or directory, a directory
  that is not a Sphinx project, a ``conf.py`` that raises, a Sphinx error, a
  review that is empty, binary, not UTF-8 or has no milestone section (nothing
  is written then), an ``import -o DIR/`` that would overwrite files (without
  ``--force``), or bad usage. Always one ``ldm503: error: ...`` line on
  stderr, never a traceback (``--traceback`` shows one for bug reports).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import errno
import io
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..version import __version__
from .project import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNREADABLE,
    PROG,
    BuiltProject,
    CliError,
    display_path,
    load_project,
    one_line,
)

if TYPE_CHECKING:

    from ..core.model import Finding, Plan
    from ..render.graph import GraphOptions

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

CSV_HEADER: tuple[str, ...] = (
    "milestone",
    "prerequisite",
    "title",
    "query",
    "milestone_due",
    "prerequisite_due",
)

#: The ``conf.py`` that ``import -o DIR/`` writes when the directory has none, so
#: that ``ldm503 check DIR`` works straight after an import.
CONF_TEMPLATE = '''"""Sphinx configuration written by `ldm503 import`; edit freely."""

project = {project!r}
extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
'''


# -- building a project ----------------------------------------------------------


def _stdout_is_terminal() -> bool:
    stream = sys.stdout
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


def finding_path(project: BuiltProject, finding: Finding) -> str:
    """Documents are named by their file; catalog problems already carry a path."""
    loc = finding.location
    if loc is None:
        return display_path(project.srcdir)
    if project.app is None:  # a needs.json: documents named as the file records them
        return (project.doc_files or {}).get(loc.docname, loc.docname)
    env = project.app.env
    if loc.source:  # inside an included file
        return display_path(loc.source)
    if loc.docname in env.all_docs or loc.docname in env.found_docs:
        return display_path(env.doc2path(loc.docname))
    return display_path(loc.docname)


def format_finding(path: str, finding: Finding) -> str:
    """``path:LINE: severity: check: message``, always on one line."""
    line = finding.location.line if finding.location else None
    where = f"{path}:{line}" if line else path
    message = " ".join(finding.message.split())
    text = f"{where}: {finding.severity}: {finding.check}: {message}"
    if finding.waived:
        text += f" (waived: {finding.waiver_reason})" if finding.waiver_reason else " (waived)"
    return text


def _plural(count: int, word: str) -> str:
    if word == "info":
        return f"{count} info"
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(findings: Sequence[Finding], milestones: int) -> str:
    """Counts of unwaived findings by severity, waived ones apart."""
    counts = {severity: 0 for severity in SEVERITY_RANK}
    waived = 0
    for finding in findings:
        if finding.waived:
            waived += 1
        else:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
    parts = ", ".join(_plural(counts[s], s) for s in ("error", "warning", "info"))
    return f"{PROG}: {parts} ({waived} waived) in {_plural(milestones, 'milestone')}"


def failing(findings: Sequence[Finding], threshold: str) -> bool:
    """Waived findings never fail a run: the waiver is the author's decision."""
    limit = SEVERITY_RANK[threshold]
    return any(not f.waived and SEVERITY_RANK.get(f.severity, 0) >= limit for f in findings)


def json_text(project: BuiltProject) -> str:
    """The ``ldm503.json`` document of the build, byte for byte."""
    from ..core.export import dumps, to_json_document

    return dumps(to_json_document(project.plan, project.findings, project.check_config))


def csv_text(plan: Plan) -> str:
    """One row per edge, in the plan's stable order (milestones by ID, edges as written).

    ``title`` is the prerequisite's title as the edge writes it, else its own;
    dropped edges are included with ``query`` set to ``dropped``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for edge in plan.edges:
        pre = edge.prerequisite
        writer.writerow(
            [
                csv_cell(cell) for cell in (
                    edge.source.id,
                    edge.target.id,
                    pre.title or edge.target.title,
                    pre.query or "",
                    _iso(edge.source.due),
                    _iso(edge.target.due),
                )
            ]
        )
    return buffer.getvalue()


#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs (CSV injection).

    Titles are author text: ``=HYPERLINK(...)`` would run when the export is opened
    in a spreadsheet. As OWASP recommends, such a cell gets a leading apostrophe,
    which spreadsheets hide and which keeps the rest literal; quoting is left to
    the csv module. A carriage return inside a cell becomes a line feed: the
    writer (lines end in LF) would not quote it, and readers would split the row.
    """
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _raw_graph_options(args: argparse.Namespace) -> dict[str, str | None]:
    """The dot flags as the directive's raw options, so both share one parser."""
    from ..render.graph import GRAPH_OPTIONS

    raw: dict[str, str | None] = {}
    for spec in GRAPH_OPTIONS:
        value = getattr(args, spec.name, None) if spec.cli else None
        if value is None or value == []:
            continue
        raw[spec.name] = ",".join(value) if spec.repeatable else str(value)
    return raw


def graph_options(args: argparse.Namespace, base: GraphOptions | None = None) -> GraphOptions:
    from ..render.graph import parse_graph_options

    try:
        return parse_graph_options(_raw_graph_options(args), base=base)
    except ValueError as exc:
        # The messages name directive options (":root:"); here they are flags.
        raise CliError(re.sub(r":([a-z-]+):", r"--\1", str(exc))) from None


def dot_text(project: BuiltProject, args: argparse.Namespace) -> str:
    """The whole-plan diagram with the options ``milestone-graph`` takes."""
    from ..render.graph import GraphOptions, build_dot

    base = GraphOptions(classifier=project.check_config.classifier)
    options = graph_options(args, base)
    if options.root and options.root not in project.plan:
        raise CliError(f"--root {options.root}: not a milestone of this plan")
    return build_dot(project.plan, options, at_risk=project.at_risk, name="ldm503-plan")


def write_output(text: str, output: str | None) -> None:
    """To the file given, or to stdout; files get exactly the text (UTF-8, ``\\n``)."""
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(output)
    if path.is_dir():
        raise CliError(f"{output}: is a directory")
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None


# -- subcommands ---------------------------------------------------------------------


def run_import(args: argparse.Namespace) -> int:
    from ..core.importer import parse_review, render_files, render_rst

    source = str(args.review)
    if source == "-":
        data = sys.stdin.buffer.read()
        source = "<stdin>"
    else:
        path = Path(source)
        if not path.exists():
            raise CliError(f"{source}: no such file")
        if path.is_dir():
            raise CliError(f"{source}: is a directory, not a review text")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None
    doc = parse_review(data, source=source)
    for line, message in doc.warnings:
        print(f"{source}:{line}: warning: {message}", file=sys.stderr)
    if not doc.sections:
        raise CliError(f"{source}: no milestone section imported, nothing written")

    output: str | None = args.output
    if output is not None and _is_directory_target(output):
        outdir = Path(output)
        files = render_files(doc)
        # The names are chosen here, not by the user: never clobber a project's index.
        clash = sorted(name for name in files if (outdir / name).exists())
        if clash and not args.force:
            raise CliError(
                f"{output}: would overwrite {', '.join(clash)}; use --force to replace them"
            )
        try:
            outdir.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (outdir / name).write_text(text, encoding="utf-8", newline="")
            conf = outdir / "conf.py"
            if not conf.exists():
                project = Path(source).stem if source != "<stdin>" else "Test plan"
                conf.write_text(CONF_TEMPLATE.format(project=project), encoding="utf-8")
                files["conf.py"] = ""
        except OSError as exc:
            raise CliError(f"cannot write to {output}: {exc.strerror or exc}") from None
        if _stdout_is_terminal():
            print(f"{PROG}: wrote {', '.join(files)} in {output}", file=sys.stderr)
    else:
        write_output(render_rst(doc), output)
    return EXIT_FINDINGS if doc.warnings else EXIT_OK


def _is_directory_target(output: str) -> bool:
    """``-o DIR/`` (trailing slash) or an existing directory means one file per chapter."""
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def sorted_findings(project: BuiltProject) -> list[tuple[Finding, str]]:
    """Findings with the path each is reported under, in the order ``check`` prints:
    by file, line, check, milestone and message."""
    located = [(f, finding_path(project, f)) for f in project.findings]
    return sorted(located, key=lambda item: (
        item[1], (item[0].location.line or 0) if item[0].location else 0,
        item[0].check, item[0].milestone or "", item[0].message))


def colour_wanted(stream: TextIO | None = None) -> bool:
    """Colours for a person at a terminal: not in pipes, logs and files, and never
    when ``NO_COLOR`` is set to anything (https://no-color.org)."""
    stream = sys.stdout if stream is None else stream
    if os.environ.get("NO_COLOR"):
        return False
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


#: SGR sequences of the severities; the rest of a line stays in the terminal's colour.
SEVERITY_COLOUR: dict[str, str] = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m",
                                   "info": "\x1b[36m"}
BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def colour_finding(path: str, finding: Finding) -> str:
    """:func:`format_finding` with the place in bold and the severity in its colour;
    a waived finding dimmed, as it needs nobody's attention."""
    text = format_finding(path, finding)
    if finding.waived:
        return f"{DIM}{text}{RESET}"
    where, _, rest = text.partition(f": {finding.severity}: ")
    colour = SEVERITY_COLOUR.get(finding.severity, "")
    return f"{BOLD}{where}{RESET}: {colour}{finding.severity}{RESET}: {rest}"


def colour_summary(findings: Sequence[Finding], line: str) -> str:
    """The summary red with an unwaived error, yellow with a warning, else green."""
    unwaived = {f.severity for f in findings if not f.waived}
    colour = ("\x1b[1;31m" if "error" in unwaived else
              "\x1b[1;33m" if "warning" in unwaived else "\x1b[1;32m")
    return f"{colour}{line}{RESET}"


def run_check(args: argparse.Namespace) -> int:
    project = load_project(args)
    if args.format == "json":
        sys.stdout.write(json_text(project))
    elif args.format in ("github", "sarif"):
        from ..core.ciformats import github_commands, repository_path, sarif_document

        located = [(f, repository_path(path) if f.location is not None else None)
                   for f, path in sorted_findings(project)]
        if args.format == "github":
            for line in github_commands(located):
                print(line)
            # Plain text: the job's log shows it under the annotations.
            print(summary_line(project.findings, len(project.plan)))
        else:
            import json

            document = sarif_document(located, version=__version__)
            sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        colour = colour_wanted()
        for finding, path in sorted_findings(project):
            print(colour_finding(path, finding) if colour else format_finding(path, finding))
        summary = summary_line(project.findings, len(project.plan))
        print(colour_summary(project.findings, summary) if colour else summary)
    sys.stdout.flush()
    if project.other_warnings and not args.verbose:
        print(
            f"{PROG}: note: {_plural(project.other_warnings, 'Sphinx warning')} not shown "
            "(not findings); run with -v to see them",
            file=sys.stderr,
        )
    return EXIT_FINDINGS if failing(project.findings, args.severity) else EXIT_OK


#: ``export``'s format from the extension of ``-o FILE`` when ``--format`` is not given.
EXPORT_SUFFIXES: dict[str, str] = {".json": "json", ".csv": "csv", ".dot": "dot", ".gv": "dot"}
#: ... and without either: the whole model, as every build writes it.
DEFAULT_EXPORT_FORMAT = "json"


def export_format(args: argparse.Namespace) -> str:
    """``--format``, else what ``-o``'s extension says, else :data:`DEFAULT_EXPORT_FORMAT`.

    ``ldm503 export docs`` should do something useful rather than ask for a flag.
    """
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower() if args.output not in (None, "-") else ""
    return EXPORT_SUFFIXES.get(suffix, DEFAULT_EXPORT_FORMAT)


def run_export(args: argparse.Namespace) -> int:
    args.format = export_format(args)
    # Mistakes in the options are cheap to find; do it before a long build.
    if args.format == "dot":
        graph_options(args)
    if args.output not in (None, "-"):
        parent = Path(args.output).parent
        if not parent.is_dir():
            raise CliError(f"cannot write {args.output}: no such directory {parent}")
    project = load_project(args)
    if args.format == "json":
        text = json_text(project)
    elif args.format == "csv":
        text = csv_text(project.plan)
    else:
        text = dot_text(project, args)
    write_output(text, args.output)
    return EXIT_OK


# -- the parser ----------------------------------------------------------------------

MAIN_EPILOG = """\
examples:
  ldm503 import review.txt -o plan.rst        one RST file of milestone directives
  ldm503 import review.txt -o docs/           index.rst, milestones.rst (and conf.py)
  ldm503 check docs                           findings, exit 1 on any error
  ldm503 check docs --severity warning        ... or on any warning
  ldm503 export docs --format csv -o edges.csv
  ldm503 diff old.csv new.csv --fail-on-slip 30   changes between two exports
  ldm503 impact docs DM-NCSA-8 +90d           what moves if DM-NCSA-8 slips

exit status: 0 ok, 1 findings (check), unmapped lines (import) or a slip
over --fail-on-slip (diff), 2 the input could not be read (one 'ldm503: error:' line on stderr).
"""

IMPORT_EPILOG = """\
Every line of the review ends up in the output: lines that cannot be mapped to a
milestone, prerequisite or query are kept as '.. ldm503-import:' comments and
reported on stderr as 'REVIEW:LINE: warning: message'.

examples:
  ldm503 import review.txt                    RST on stdout
  ldm503 import review.txt -o plan.rst        one RST file
  ldm503 import review.txt -o docs/           index.rst + milestones.rst; conf.py
                                              too if docs/ has none, so that
                                              'ldm503 check docs' works at once
                                              (existing files: add --force)
  cat review.txt | ldm503 import - -o plan.rst

exit status: 0 everything mapped; 1 imported, with warnings (unmapped lines kept
as comments); 2 nothing imported (missing, empty, binary or non-UTF-8 file, no
milestone section): nothing is written then.
"""

CHECK_EPILOG = """\
Runs the consistency checks with Sphinx's dummy builder in a temporary directory
(nothing is written next to the sources) and prints one line per finding,
sorted, then a summary:

  example-docs/camera-and-daq.rst:32: warning: status-inversion: LDM-503-07 ...
  ldm503: 0 errors, 59 warnings, 32 info (0 waived) in 142 milestones

Waived findings are printed too, marked '(waived: reason)', and never fail the
run. Sphinx warnings that are not findings are counted on stderr; -v shows them,
with Sphinx's progress. At a terminal, severities are coloured (NO_COLOR=1: not).

--format github prints one GitHub Actions workflow command per unwaived finding
('::error file=docs/plan.rst,line=12,title=ldm503 cycle::...'; info is
'::notice'), paths relative to $GITHUB_WORKSPACE or the current directory, then
the summary. --format sarif writes a SARIF 2.1.0 log: every check as a rule, one
result per finding (waived ones as suppressed results).

examples:
  ldm503 check docs                           fail on errors only
  ldm503 check docs --severity warning -j 4   fail on warnings, read in parallel
  ldm503 check . -c ..                        conf.py in the parent directory
  ldm503 check docs --format json > ldm503.json
  ldm503 check docs --format github           annotations on a pull request's lines
  ldm503 check docs --format sarif > ldm503.sarif   for code scanning
  ldm503 check _build/needs/needs.json        a sphinx-needs needs.json, no build
  ldm503 check needs.json --needs-type req --needs-link links

exit status: 0 no unwaived finding at or above --severity; 1 some; 2 the project
could not be read (no such directory, no conf.py, conf.py raising, Sphinx error).
"""


def _checks_help() -> str:
    """The checks and their default severities, from the one registry."""
    from ..core.checks import REGISTRY

    width = max(len(spec.name) for spec in REGISTRY)
    lines = ["checks (default severity; ldm503_check_severity changes it):"]
    for spec in REGISTRY:
        text = spec.description.replace("``", "'")
        lines.append(f"  {spec.name:<{width}}  {spec.severity:<7}  {text}")
    return "\n".join(lines) + "\n\n"

EXPORT_EPILOG = """\
formats (--format; without it, the extension of -o FILE, else json):
  json  the ldm503.json document every build writes
  csv   one row per edge: milestone,prerequisite,title,query,milestone_due,
        prerequisite_due (dropped edges included, query 'dropped'); a cell
        starting with = + - @ gets a leading ' so spreadsheets show it as text
  dot   the whole-plan diagram; --root, --depth, --include, --exclude,
        --layout (and the other milestone-graph options) narrow it

examples:
  ldm503 export docs > plan.json             json, the default
  ldm503 export docs -o edges.csv             csv, from the extension
  ldm503 export docs --format csv > edges.csv
  ldm503 export docs --format dot --root LDM-503-10 --depth 2 | dot -Tsvg > 10.svg
  ldm503 export docs --format dot --include 'LDM-503-*' --layout timeline

exit status: 0 written; 2 the project could not be read or bad options.
"""


def _jobs(value: str) -> int:
    if value == "auto":
        return os.cpu_count() or 1
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto', not {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {jobs}")
    return jobs


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, like every other error here."""

    def error(self, message: str) -> Any:  # argparse's signature says NoReturn
        self.exit(EXIT_UNREADABLE, f"{self.prog}: error: {message} (see --help)\n")


def make_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        description="Import, check and export the milestone plan of a Sphinx test plan.",
        epilog=MAIN_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--traceback", action="store_true",
        help="on an unexpected error, show the Python traceback (for bug reports)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                     parser_class=_Parser)

    imp = commands.add_parser(
        "import", help="convert review text into milestone directives",
        description="Convert a reviewer's text into milestone, prerequisite and query "
                    "directives, losing nothing.",
        epilog=IMPORT_EPILOG, formatter_class=formatter,
    )
    imp.add_argument("review", metavar="REVIEW.txt", help="the review text ('-' for stdin)")
    imp.add_argument(
        "-o", "--output", metavar="OUT.rst|OUTDIR/",
        help="an RST file, or a directory (trailing '/' or existing) for one file per "
             "chapter plus index.rst; default: stdout",
    )
    imp.add_argument("--force", action="store_true",
                     help="with -o OUTDIR/, replace index.rst and chapter files already there")
    imp.set_defaults(run=run_import)

    project = _Parser(add_help=False)
    project.add_argument("sourcedir", metavar="SOURCEDIR",
                         help="the Sphinx source directory, or a sphinx-needs needs.json")
    project.add_argument("-c", "--confdir", metavar="CONFDIR",
                         help="directory of conf.py (default: SOURCEDIR)")
    project.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                         help="read documents in N processes ('auto': one per CPU)")
    project.add_argument("-v", "--verbose", action="store_true",
                         help="show Sphinx's progress and all of its warnings on stderr")
    needs = project.add_argument_group(
        "needs.json input (SOURCEDIR may be a sphinx-needs needs.json file)")
    needs.add_argument("--needs-type", action="append", metavar="TYPE",
                       help="need type whose needs are milestones, besides 'milestone' "
                            "(repeatable)")
    needs.add_argument("--needs-filter", metavar="EXPR",
                       help="a sphinx-needs filter string the needs must pass too, e.g. "
                            "'type == \"req\" and status != \"rejected\"' (and/or/not, "
                            "comparisons, in, search(), string methods)")
    needs.add_argument("--needs-link", action="append", metavar="LINK",
                       help="link type that makes prerequisites, besides 'requires' and "
                            "'requires_queried' (repeatable; default: links)")
    needs.add_argument("--plan-ids", metavar="REGEX",
                       help="IDs of the plan's own milestones (as ldm503_plan_id_pattern)")
    needs.add_argument("--internal", action="append", metavar="REGEX",
                       help="IDs owned by the project (as ldm503_internal_patterns; "
                            "repeatable)")

    check = commands.add_parser(
        "check", parents=[project], help="run the consistency checks, compiler-style",
        description="Run the consistency checks on a Sphinx project and print the findings.",
        epilog=_checks_help() + CHECK_EPILOG, formatter_class=formatter,
    )
    check.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text",
                       help="text: one line per finding and a summary (coloured at a "
                            "terminal unless NO_COLOR is set); json: ldm503.json; github: "
                            "GitHub Actions annotations; sarif: a SARIF 2.1.0 log for code "
                            "scanning")
    check.add_argument("--severity", choices=("error", "warning", "info"), default="error",
                       help="exit 1 when an unwaived finding is at least this severe "
                            "(default: error)")
    check.set_defaults(run=run_check)

    export = commands.add_parser(
        "export", parents=[project], help="write the plan as JSON, CSV or DOT",
        description="Write the plan of a Sphinx project as JSON, CSV or a DOT diagram.",
        epilog=EXPORT_EPILOG, formatter_class=formatter,
    )
    export.add_argument("--format", choices=("json", "csv", "dot"),
                        help="default: from -o FILE's extension (.json, .csv, .dot or .gv), "
                             "else json")
    export.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    dot = export.add_argument_group("dot options (as for the milestone-graph directive)")
    from ..render.graph import GRAPH_OPTIONS

    for spec in GRAPH_OPTIONS:
        if not spec.cli:
            continue
        extra: dict[str, Any] = {"help": spec.help + (" (repeatable)" if spec.repeatable else "")}
        if spec.choices:
            extra["choices"] = spec.choices
        else:
            extra["metavar"] = spec.metavar
        if spec.repeatable:
            extra["action"] = "append"
        dot.add_argument(f"--{spec.name}", **extra)
    export.set_defaults(run=run_export)

    from .schedule import add_commands

    add_commands(commands, project, formatter)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m sphinxext_ldm503``.

    Every exception stops here so users see one line, never a traceback.
    """
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_UNREADABLE
    try:
        return int(args.run(args))
    except CliError as exc:
        _error(str(exc))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): not an error worth a message.
        _drop_stdout()
        return EXIT_FINDINGS
    except OSError as exc:
        # A full disk, a device error, a file that vanished: the system's problem,
        # not a bug to report. stdout, when it was the one that failed, is
        # dropped so that exiting does not fail a second time on its buffer.
        stdout_failed = False
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            stdout_failed = True
            _drop_stdout()
        _error(environment_message(exc, stdout_failed))
    except Exception as exc:
        if args.traceback:
            raise
        _error(f"internal error: {type(exc).__name__}: {one_line(exc)} "
               "(run with --traceback and report it)")
    return EXIT_UNREADABLE


#: errno values that only writing gives: a full disk or quota, a file too large.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def environment_message(exc: OSError, stdout_failed: bool = False) -> str:
    """One line for an OSError that reached :func:`main`: what failed, and that it is
    the system's doing, not a bug (``ENOSPC`` reads "No space left on device")."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename:
        where = f"{exc.filename}: "
    elif stdout_failed or exc.errno in _WRITE_ERRNOS:
        where = "cannot write the output: "
    else:
        where = ""
    return f"{where}{reason} (a problem of the system, not of the plan)"


def _drop_stdout() -> None:
    """Point stdout at the null device, so nothing more is written where writing failed."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _error(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
