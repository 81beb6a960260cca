"""Build-event handlers: freshness of cross-document pages, warnings, the JSON artifact.

All of them run in the main process, after the workers' data has been merged, so
they see the whole plan.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes

from .diagnostics import logger, warn
from .domain import get_domain
from .model import Finding

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment


def extra_directives() -> dict[str, type]:
    """The plan-wide directives (diagram, report, table), kept out of setup()'s way."""
    from .graphs import MilestoneGraphDirective
    from .report import MilestoneReportDirective, MilestoneTableDirective

    return {
        "milestone-graph": MilestoneGraphDirective,
        "milestone-report": MilestoneReportDirective,
        "milestone-table": MilestoneTableDirective,
    }


def connect(app: Sphinx) -> None:
    from . import graphs, report

    app.connect("config-inited", on_config_inited)
    app.connect("env-updated", on_env_updated)
    app.connect("env-check-consistency", on_check_consistency)
    # Last, after intersphinx: a milestone of another project must still link.
    app.connect("missing-reference", on_missing_reference, priority=900)
    app.connect("builder-inited", on_builder_inited)
    app.connect("build-finished", on_build_finished)
    graphs.register(app)
    report.register(app)


def on_config_inited(app: Sphinx, config: Config) -> None:
    """Validate the ldm503_* values (a typo costs a warning, not the build) and make
    the catalog path absolute: relative to the sources, else to conf.py."""
    _validate_config(config)
    configured = config.ldm503_catalog
    if configured and not Path(configured).is_absolute():
        in_src = Path(app.srcdir) / configured
        in_conf = Path(app.confdir) / configured
        chosen = in_src if in_src.exists() or not in_conf.exists() else in_conf
        config.ldm503_catalog = str(chosen.resolve())


def _valid_pattern(name: str, pattern: object) -> bool:
    try:
        re.compile(str(pattern))
    except re.error as exc:
        warn(f"{name}: invalid regular expression {pattern!r} ({exc}); it is ignored",
             "invalid")
        return False
    return True


def _validate_config(config: Config) -> None:
    from .checks import CheckConfig
    from .config import CONFIG_VALUES

    if not _valid_pattern("ldm503_plan_id_pattern", config.ldm503_plan_id_pattern):
        config.ldm503_plan_id_pattern = next(
            v.default for v in CONFIG_VALUES if v.name == "ldm503_plan_id_pattern")
    for name in ("ldm503_internal_patterns", "ldm503_at_risk_patterns"):
        patterns = config[name]
        if isinstance(patterns, str):  # a lone pattern instead of a list
            patterns = [patterns]
        config[name] = tuple(p for p in patterns if _valid_pattern(name, p))
    if config.ldm503_today:
        try:
            date.fromisoformat(str(config.ldm503_today))
        except ValueError:
            warn(f"ldm503_today: invalid date {config.ldm503_today!r}: use YYYY-MM-DD; "
                 "using the build date", "invalid")
            config.ldm503_today = None
    severity = config.ldm503_check_severity
    for problem in CheckConfig(severity=dict(severity)).problems():
        warn(problem, "invalid")


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages showing other documents' data are rewritten when that data changed."""
    return get_domain(env).outdated_by_others(f"{app.builder.name}:{app.outdir}")


def in_documents(env: BuildEnvironment, finding: Finding) -> bool:
    """Whether a finding points into a document (rather than, say, the catalog file)."""
    return finding.location is not None and finding.location.docname in env.all_docs


def finding_location(env: BuildEnvironment, finding: Finding) -> Any:
    """A location Sphinx's logging understands: (docname, line) or "path:line"."""
    loc = finding.location
    if loc is None:
        return None
    if in_documents(env, finding):
        return (loc.docname, loc.line)
    # A whole-file problem has no line; its message names the file.
    return f"{loc.docname}:{loc.line}" if loc.line else None


def on_check_consistency(app: Sphinx, env: BuildEnvironment) -> None:
    """Report the findings as located, typed Sphinx warnings, once per build."""
    domain = get_domain(env)
    counts: dict[str, int] = {}
    for finding in domain.findings:
        if finding.waived:
            counts["waived"] = counts.get("waived", 0) + 1
            continue
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
        # Read-time problems were already reported by the directive that found them.
        read_time = finding.check == "invalid" and in_documents(env, finding)
        if finding.severity == "info" or read_time:
            continue
        prefix = "error: " if finding.severity == "error" else ""
        warn(prefix + finding.message, finding.check, finding_location(env, finding))
    if counts:
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        logger.info(f"ldm503: findings: {summary}")


def on_missing_reference(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Node | None:
    """Milestones known only by reference render as plain text, without a warning."""
    if node.get("refdomain") != "ldm503":
        return None
    ms = get_domain(env).plan.get(node.get("reftarget", ""))
    if ms is not None and not node.get("refexplicit"):
        return contnode.__class__(ms.label, ms.label, classes=contnode["classes"])
    return contnode


def on_builder_inited(app: Sphinx) -> None:
    """Ship ldm503.css like any static file, so that EPUB archives contain it too."""
    static = str(Path(__file__).parent / "static")
    if app.builder.format == "html" and static not in app.config.html_static_path:
        app.config.html_static_path.append(static)


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None:
        return
    if not app.config.ldm503_json:
        return
    from .export import dumps, to_json_document

    domain = get_domain(app.env)
    target = Path(app.outdir) / "ldm503.json"
    text = dumps(to_json_document(domain.plan, domain.findings, domain.check_config()))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        shutil.move(tmp, target)
    except OSError as exc:
        warn(f"cannot write {target}: {exc}", "output")
