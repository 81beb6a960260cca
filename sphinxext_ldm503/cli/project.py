"""Reading a project: what every subcommand of ``ldm503`` starts from.

A Sphinx project is built as ``sphinx-build`` would (the ``dummy`` builder into a
temporary directory) and read off the ``ldm503`` domain; a ``needs.json`` is read
without Sphinx. The exit statuses and the one error type live here too, so that
every subcommand module (``main``, ``schedule``) shares them without importing
each other.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sphinx.application import Sphinx

    from ..core.checks import CheckConfig
    from ..core.model import Finding, Plan
    from ..framework.domain import MilestoneDomain

PROG = "ldm503"

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2


class CliError(Exception):
    """A problem the user can fix, reported as one line on stderr with exit status 2."""


@dataclass
class BuiltProject:
    """What ``check`` and ``export`` need from one build of a Sphinx project.

    Or from a ``needs.json`` file (see :func:`load_needs_json`): then there is no
    ``app`` nor ``domain``, and ``needs_config`` holds the checks' settings.
    """

    app: Sphinx | None
    domain: MilestoneDomain | None
    plan: Plan
    findings: list[Finding]
    srcdir: Path
    #: Sphinx warnings that are not findings (e.g. a toctree problem); only counted,
    #: since their text would drown the findings in CI logs.
    other_warnings: int
    needs_config: CheckConfig | None = None
    #: docname -> source file name, for a needs.json input (its ``doctype``).
    doc_files: dict[str, str] | None = None

    @property
    def check_config(self) -> CheckConfig:
        if self.domain is not None:
            return self.domain.check_config()
        from ..core.checks import CheckConfig

        return self.needs_config or CheckConfig()

    @property
    def at_risk(self) -> frozenset[str]:
        if self.domain is not None:
            return self.domain.at_risk
        from ..core.checks import at_risk_keys

        return frozenset(at_risk_keys(self.plan, self.check_config))


def one_line(exc: BaseException) -> str:
    """Sphinx's messages may hold a whole traceback of ``conf.py``; keep what matters.

    For a traceback that is the last line (the exception) and where in the
    configuration it was raised; otherwise the lines joined.
    """
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        head = lines[0].rstrip(":")
        frames = re.findall(r'File "([^"]+)", line (\d+)', text)
        where = f"{frames[-1][0]}:{frames[-1][1]}: " if frames else ""
        return f"{where}{head}: {lines[-1]}"
    return " ".join(lines)


def _check_project_dirs(sourcedir: str, confdir: str | None) -> tuple[Path, Path]:
    src = Path(sourcedir)
    if not src.exists():
        raise CliError(f"{sourcedir}: no such directory")
    if not src.is_dir():
        raise CliError(f"{sourcedir}: not a directory (give the Sphinx source directory)")
    conf = Path(confdir) if confdir else src
    if confdir and not conf.is_dir():
        raise CliError(f"{confdir}: no such configuration directory")
    if not (conf / "conf.py").is_file():
        hint = "" if confdir else "; give its directory with -c CONFDIR"
        raise CliError(f"{sourcedir}: not a Sphinx project (no conf.py in {conf}{hint})")
    return src, conf


_WARNING_START = re.compile(r"(?:^|\s)(?:WARNING|ERROR|CRITICAL|SEVERE): ")
_LDM503_SUFFIX = re.compile(r"\[ldm503\.([a-z-]+)\]\s*$")


def count_other_warnings(captured: str) -> int:
    """How many captured Sphinx warnings are not findings already reported.

    Counted from the text Sphinx wrote (so ``suppress_warnings`` is honoured): a
    warning starts on a ``WARNING:``/``ERROR:`` line and may run over several
    lines; those ending with ``[ldm503.<check>]`` repeat a finding.
    """
    from sphinx.util.console import strip_escape_sequences

    from ..core.checks import CHECK_NAMES

    records: list[str] = []
    for line in strip_escape_sequences(captured).splitlines():
        if _WARNING_START.search(line):
            records.append(line)
        elif records:
            records[-1] += "\n" + line
    count = 0
    for record in records:
        match = _LDM503_SUFFIX.search(record)
        if match is None or match.group(1) not in CHECK_NAMES:
            count += 1
    return count


def build_project(
    sourcedir: str, confdir: str | None = None, *, jobs: int = 1, verbose: bool = False
) -> BuiltProject:
    """Build a project with the ``dummy`` builder and return its plan and findings.

    Shared by ``check`` and ``export`` so both see exactly what a real build sees.
    Progress goes to stderr only when stdout is a terminal (or with ``-v``), so
    pipes and CI logs stay quiet; Sphinx's warnings are captured rather than
    printed, since the findings among them are printed in a better form.
    """
    src, conf = _check_project_dirs(sourcedir, confdir)

    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from ..framework.domain import MilestoneDomain

    # Sphinx's log only with -v: at a terminal too, the findings and the summary are
    # what the command prints, not a build's progress.
    status: TextIO | None = sys.stderr if verbose else None
    if status is not None and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        # As sphinx-build does: no escape sequences in a log file.
        from sphinx.util.console import nocolor

        nocolor()
    captured = io.StringIO()
    warning: TextIO = sys.stderr if verbose else captured
    # As sphinx-build does: docutils' registries are global, and a second build in
    # the same process (tests, tools calling main()) must not inherit the first's.
    with (
        tempfile.TemporaryDirectory(prefix="ldm503-") as tmp,
        patch_docutils(conf),
        docutils_namespace(),
    ):
        try:
            app = Sphinx(
                srcdir=src,
                confdir=conf,
                outdir=Path(tmp) / "out",
                doctreedir=Path(tmp) / "doctrees",
                buildername="dummy",
                status=status,
                warning=warning,
                freshenv=True,
                parallel=jobs if jobs > 1 else 0,
                # The command reads the plan off the domain: no ldm503.json in a
                # temporary directory, and no log line naming it once deleted.
                confoverrides={"ldm503_json": False},
            )
            if "sphinxext_ldm503" not in app.extensions:
                raise CliError(
                    f"{sourcedir}: the project does not use sphinxext_ldm503 "
                    f"(add it to extensions in {conf / 'conf.py'})"
                )
            app.build(force_all=True)
        except SphinxError as exc:
            raise CliError(one_line(exc)) from None
    domain = app.env.get_domain("ldm503")
    assert isinstance(domain, MilestoneDomain)
    return BuiltProject(
        app=app,
        domain=domain,
        plan=domain.plan,
        findings=list(domain.findings),
        srcdir=src,
        other_warnings=count_other_warnings(captured.getvalue()),
    )


# -- output helpers ----------------------------------------------------------------


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as a compiler would print it: relative to the current directory when
    it lies below it (editors and CI annotations resolve those), else absolute."""
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def load_project(args: argparse.Namespace) -> BuiltProject:
    """A Sphinx project (a directory) is built; a ``*.json`` file is read as needs.json."""
    if Path(args.sourcedir).is_file() and args.sourcedir.lower().endswith(".json"):
        return load_needs_json(Path(args.sourcedir), args)
    return build_project(args.sourcedir, args.confdir, jobs=args.jobs, verbose=args.verbose)


def load_needs_json(path: Path, args: argparse.Namespace) -> BuiltProject:
    """The plan of a sphinx-needs ``needs.json`` (from ``-b needs`` or another project).

    Needs of type ``milestone`` (ours, as every build with both extensions
    registers them) are milestones, and so are those of the ``--needs-type`` types
    that pass ``--needs-filter`` (either may be left out); ``requires``,
    ``requires_queried`` and the ``--needs-link`` link types are prerequisites.
    No Sphinx, no sphinx-needs: CI can check a file without a build.
    """
    from ..core.checks import CheckConfig, apply_severity, run_checks
    from ..core.model import Finding, Plan
    from ..core.needsdata import NEED_TYPE, Selection, milestones_from_needs, read_needs_json

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        needs = read_needs_json(text)
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None
    selection = Selection(types=tuple(args.needs_type or ()),
                          links=tuple(args.needs_link or ("links",)))
    passes = None
    if args.needs_filter:
        from ..core.needfilter import compile_filter

        try:
            passes = compile_filter(args.needs_filter)
        except ValueError as exc:
            raise CliError(f"--needs-filter: {exc}") from None

    def keep(need: Mapping[str, Any]) -> bool:
        """Milestone needs always; others as ldm503_needs_as_milestones selects them."""
        if need.get("type") == NEED_TYPE:
            return True
        if not selection.types and passes is None:
            return False
        return selection.selects_type(str(need.get("type"))) and (passes is None or passes(need))

    milestones, problems = milestones_from_needs(needs.needs.values(), selection, keep)
    config = CheckConfig()
    if args.plan_ids:
        config = replace(config, plan_id_pattern=args.plan_ids)
    if args.internal:
        config = replace(config, internal_patterns=tuple(args.internal))
    for problem in config.problems():
        raise CliError(problem)
    plan = Plan(milestones)
    invalid = [Finding("invalid", "error", None, message, location=location)
               for location, message in problems]
    findings = sorted([*apply_severity(invalid, config), *run_checks(plan, config)],
                      key=lambda f: f.sort_key)
    doc_files = {str(n.get("docname")): f"{n.get('docname')}{n.get('doctype') or ''}"
                 for n in needs.needs.values() if n.get("docname")}
    return BuiltProject(app=None, domain=None, plan=plan, findings=findings,
                        srcdir=path, other_warnings=0, needs_config=config,
                        doc_files=doc_files)
