"""Build-event handlers: freshness of cross-document pages, warnings, the JSON artifact.

All of them run in the main process, after the workers' data has been merged, so
they see the whole plan.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util.fileutil import copy_asset_file

from ..core.model import Finding
from . import reuse
from .compat import forget_loaded_doctrees
from .diagnostics import logger, warn
from .domain import get_domain, relabelled

STATIC = Path(__file__).parent.parent / "static"

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment


def setup(app: Sphinx) -> None:
    app.connect("config-inited", on_config_inited)
    app.connect("env-updated", on_env_updated)
    app.connect("env-check-consistency", on_check_consistency)
    # Last, after intersphinx: a milestone of another project must still link.
    app.connect("missing-reference", on_missing_reference, priority=900)
    app.connect("builder-inited", on_builder_inited)
    # The first event of every build, also of a kept application's next one.
    app.connect("env-get-outdated", on_env_get_outdated, priority=100)
    app.connect("env-before-read-docs", forget_stale_doctrees)
    app.connect("build-finished", on_build_finished)
    app.connect("build-finished", lambda app, exc: get_domain(app.env).end_build(),
                priority=999)


def conf_location(app: Sphinx, name: str) -> str | None:
    """``conf.py:LINE`` where ``name`` is assigned, so a config warning is located."""
    if not app.confdir:
        return None
    conf = Path(app.confdir) / "conf.py"
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*[=:]")
    for number, line in enumerate(lines, 1):
        if pattern.match(line):
            return f"{conf}:{number}"
    # Set by -D or by whoever made the app: no line to point at. (A location without
    # a colon would be taken for a document name, before there are documents.)
    return None


def on_config_inited(app: Sphinx, config: Config) -> None:
    """Validate the ldm503_* values (a typo costs a located warning and the default,
    never the build) and make the catalog path absolute: relative to the sources,
    else to conf.py."""
    from ..core.checks import CheckConfig
    from ..core.config import CONFIG_VALUES, validate

    fixed, problems = validate({value.name: config[value.name] for value in CONFIG_VALUES})
    for name, problem in problems:
        warn(f"{name}: {problem}", "invalid", conf_location(app, name))
    for name, value in fixed.items():
        config[name] = value
    for problem in CheckConfig(severity=dict(config.ldm503_check_severity)).problems():
        warn(problem, "invalid", conf_location(app, "ldm503_check_severity"))
    config.ldm503_catalog = project_file(app, config.ldm503_catalog)
    from .domain import epoch_problem

    # An unusable SOURCE_DATE_EPOCH falls back to today's date (domain.today), once said.
    epoch = None if config.ldm503_today else epoch_problem()
    if epoch:
        warn(epoch, "invalid", conf_location(app, "ldm503_today"))


def project_file(app: Sphinx, configured: str | None) -> str | None:
    """A file named in conf.py, made absolute: relative to the sources, else to conf.py."""
    if not configured or Path(configured).is_absolute():
        return configured
    in_src = Path(app.srcdir) / configured
    in_conf = Path(app.confdir) / configured
    chosen = in_src if in_src.exists() or not in_conf.exists() else in_conf
    return str(chosen.resolve())


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages showing other documents' data are rewritten when that data changed."""
    domain = get_domain(env)
    outdated = domain.outdated_by_others(f"{app.builder.name}:{app.outdir}")
    domain.build.outdated_by_others.extend(outdated)
    if domain.findings_changed() and not outdated and app.config.root_doc in env.all_docs:
        # Sphinx checks consistency (where the findings become warnings) only when
        # some document is outdated: a catalog-only change, say a bad row, or a
        # deleted document would pass an incremental -W build that a clean one
        # fails. One rewritten page makes it count.
        outdated = [app.config.root_doc]
    return outdated


def on_check_consistency(app: Sphinx, env: BuildEnvironment) -> None:
    """Report the checks' findings as located, typed Sphinx warnings, once per build.

    ``invalid`` findings are not among them: the domain printed each where the
    input was read (a directive, an option, the catalog).
    """
    domain = get_domain(env)
    for finding in domain.findings:
        if finding.waived or finding.severity == "info" or finding.check == "invalid":
            continue
        prefix = "error: " if finding.severity == "error" else ""
        warn(prefix + finding.message, finding.check, domain.warning_location(finding.location))


def summary(findings: list[Finding]) -> str:
    """One line on where the plan stands: ``12 findings (2 error, 10 warning, 3 waived)``."""
    counts: dict[str, int] = {}
    for finding in findings:
        kind = "waived" if finding.waived else finding.severity
        counts[kind] = counts.get(kind, 0) + 1
    unwaived = sum(n for kind, n in counts.items() if kind != "waived")
    detail = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    return f"{unwaived} finding{'s' if unwaived != 1 else ''}" + (f" ({detail})" if detail else "")


def on_missing_reference(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Node | None:
    """Milestones known only by reference render as plain text, without a warning."""
    if node.get("refdomain") != "ldm503":
        return None
    ms = get_domain(env).plan.get(node.get("reftarget", ""))
    if ms is not None and not node.get("refexplicit"):
        return relabelled(contnode, ms.label)
    return contnode


def on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """A build starts: the domain reads the catalog again (see ``start_build``)."""
    get_domain(env).start_build()
    return []


def forget_stale_doctrees(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Documents read again: their doctrees kept from the last build are stale.

    A new application per build (``sphinx-build``, sphinx-autobuild) starts without
    them; SphinxTestApp clears them all; one kept and built again (an editor's preview)
    would write pages from them (:func:`compat.forget_loaded_doctrees`).
    """
    forget_loaded_doctrees(env, docnames)


def on_builder_inited(app: Sphinx) -> None:
    """Put ldm503.css and ldm503.js into ``_static`` before anything is written.

    Early enough for EPUB, which lists the files of its output when it packs
    them, and without touching ``html_static_path``: a config value changed at
    run time makes every later build report "The configuration has changed".
    """
    if app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        for name in ("ldm503.css", "ldm503.js"):
            copy_asset_file(STATIC / name, static / name, force=True)


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None:
        return
    domain = get_domain(app.env)
    target = Path(app.outdir) / "ldm503.json"
    # Also after a rebuild with nothing to do, which prints no warning again.
    where = f"; see {target}" if app.config.ldm503_json else ""
    logger.info(f"ldm503: {summary(domain.findings)}{where}")
    if not app.config.ldm503_json:
        return
    from ..core.export import dump, to_json_document

    if target.is_dir():
        # shutil.move would put the file inside the directory, silently.
        warn(f"cannot write {target}: it is a directory; remove it to get the JSON report",
             "output")
        return
    inputs = domain.inputs_digest()
    written = _stamp(target)
    if written is not None and reuse.load(app.env.doctreedir, "json", inputs) == written:
        return  # the file this build would write is there, untouched since
    doc = to_json_document(domain.plan, domain.findings, domain.check_config())
    tmp = target.with_suffix(".json.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8") as out:
            dump(doc, out)
        os.replace(tmp, target)  # atomic, and never into a directory
        reuse.store(app.env.doctreedir, "json", inputs, _stamp(target))
    except OSError as exc:
        warn(f"cannot write {target}: {exc}", "output")
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _stamp(path: Path) -> tuple[str, int, int] | None:
    """What tells the file we wrote from one changed or replaced since."""
    try:
        status = path.stat()
    except OSError:
        return None
    return (str(path), status.st_size, status.st_mtime_ns)
