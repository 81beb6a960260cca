"""sphinx-needs interplay: milestones are needs, and needs can be milestones.

Active only when ``sphinx_needs`` is among the project's extensions: it is
detected at ``config-inited`` and imported only then, so a project (or a
machine) without sphinx-needs never loads it.

- Every declared milestone is registered with sphinx-needs' public API as a
  hidden need of type ``milestone`` (one rendering: our block; the need is data
  plus the anchor ``:need:`` links to). sphinx-needs keeps these needs in its own
  per-document environment data, and its purge and merge serve incremental and
  parallel builds; we only purge milestone needs before reading starts (a moved
  milestone), and give them the assembled plan's dates and status (the catalog's)
  just before sphinx-needs resolves needs.
- With ``ldm503_needs_as_milestones``, needs written with sphinx-needs' own
  directives join our plan: they are read from sphinx-needs' data after reading
  (``env-updated``, before our freshness check) and handed to the domain.

The names (type, link types, fields) and the conversion are plain data in
``needsdata.py``, shared with the command line's ``needs.json`` input.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from docutils import nodes

from ..core.model import Finding, Milestone, Severity, anchor_for, id_key
from ..core.needsdata import (
    FIELDS,
    LINK_TYPES,
    NEED_TYPE,
    NEED_TYPE_ENTRY,
    Selection,
    milestone_from_need,
    need_fields,
    parse_selection,
    titled,
)
from ..core.parsing import forbidden_message
from ..framework.diagnostics import warn
from ..framework.domain import get_domain
from ..framework.events import conf_location

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment

    from ..framework.directives import MilestoneDirective
    from ..framework.domain import MilestoneDomain

CONFIG_NAME = "ldm503_needs_as_milestones"
#: After sphinx-needs has resolved the project's need types (12) and loaded its
#: fields (500), before it checks the configuration (600).
CONFIG_PRIORITY = 520


def setup(app: Sphinx) -> None:
    # No types: parse_selection says what is wrong, located, in one warning.
    app.add_config_value(CONFIG_NAME, None, "env", types=())
    app.connect("config-inited", on_config_inited, priority=CONFIG_PRIORITY)
    app.connect("config-inited", _before_needs_load_config, priority=499)


def enabled(app: Sphinx) -> bool:
    return "sphinx_needs" in app.extensions


#: The sphinx-needs releases whose API (and the few internals named here) we use.
#: 9.0 registers a directive for every configured need type even where one is
#: registered already, so a project's ``milestone`` type always drew Sphinx's
#: "already registered" warning: 9.1 skips a type whose directive is in place.
SUPPORTED = "9.1 or a later 9.x"


def supported() -> bool:
    """sphinx-needs 9.1+: ``add_field``, ``needs_links``, the post-processing event."""
    import sphinx_needs

    parts = str(getattr(sphinx_needs, "__version__", "")).split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return False
    return major == 9 and minor >= 1


def _before_needs_load_config(app: Sphinx, config: Config) -> None:
    """A project's own ``milestone`` need type: keep Sphinx quiet about its directive.

    sphinx-needs (``load_config``, priority 500) registers a directive per configured
    type, and skips one that already holds its directive; registering that first here
    spares users Sphinx's "already registered" notice. Ours takes the name back at
    :data:`CONFIG_PRIORITY`, and the clash itself is one ldm503 warning there.
    """
    if not enabled(app) or not supported():
        return
    from sphinx_needs.api import get_need_types
    from sphinx_needs.directives.need import NeedDirective

    if NEED_TYPE in get_need_types(app):
        app.add_directive(NEED_TYPE, NeedDirective, override=True)


def on_config_inited(app: Sphinx, config: Config) -> None:
    """Register the milestone type, link types and fields; merge, never replace."""
    if not enabled(app):
        if config[CONFIG_NAME]:
            warn(f"{CONFIG_NAME} is set but sphinx_needs is not in extensions; it is ignored",
                 "invalid", conf_location(app, CONFIG_NAME))
        return
    if not supported():
        import sphinx_needs

        warn(f"sphinx-needs {getattr(sphinx_needs, '__version__', '?')} is not supported "
             f"(supported: {SUPPORTED}); milestones are not registered as needs",
             "invalid", conf_location(app, "extensions"))
        return
    _register_type(app)
    _register_links(app, config)
    _register_fields()
    app.connect("ldm503-milestone-declared", on_milestone_declared)
    app.connect("needs-before-post-processing", on_needs_before_post_processing)
    app.connect("env-before-read-docs", on_env_before_read_docs)

    selection, problems = parse_selection(config[CONFIG_NAME])
    for problem in problems:
        warn(f"{CONFIG_NAME}: {problem}", "invalid", conf_location(app, CONFIG_NAME))
    if selection is not None:
        # After sphinx-needs' own handler, which reads what precedes each need node.
        app.connect("doctree-read", on_doctree_read, priority=600)
        # Before events.on_env_updated (500), whose freshness check reads the plan.
        app.connect("env-updated", on_env_updated, priority=400)


def _register_type(app: Sphinx) -> None:
    from sphinx_needs.api import add_need_type, get_need_types
    from sphinx_needs.config import NeedsSphinxConfig

    from ..framework.compat import suppress_logging
    from ..framework.directives import MilestoneDirective

    if NEED_TYPE not in get_need_types(app):
        # sphinx-needs registers a directive under the type's name; ours keeps the name
        # (needs of this type are declared with our directive only), so Sphinx's
        # "already registered" notice about the replaced directive is not for users.
        with suppress_logging():
            add_need_type(app, NEED_TYPE, NEED_TYPE_ENTRY["title"], NEED_TYPE_ENTRY["prefix"],
                          NEED_TYPE_ENTRY["color"], NEED_TYPE_ENTRY["style"])
        app.add_directive(NEED_TYPE, MilestoneDirective, override=True)
        return
    app.add_directive(NEED_TYPE, MilestoneDirective, override=True)
    existing = next(t for t in NeedsSphinxConfig(app.config).types
                    if t["directive"] == NEED_TYPE)
    differ = sorted(key for key in ("title", "prefix") if existing.get(key) != NEED_TYPE_ENTRY[key])
    if differ:
        warn(f"needs_types already has a {NEED_TYPE!r} type with another "
             f"{' and '.join(differ)}; milestones are registered as needs of that type "
             "as configured", "invalid", conf_location(app, "needs_types"))


def _register_links(app: Sphinx, config: Config) -> None:
    """Our link types join the project's ``needs_links``; a project's own entry wins."""
    theirs = dict(config.needs_links or {}) if isinstance(config.needs_links, dict) else None
    if theirs is None:
        return  # sphinx-needs reports the bad value itself
    legacy = {link.get("option"): link for link in config.needs_extra_links or ()
              if isinstance(link, dict)}
    merged = dict(theirs)
    for name, ours in LINK_TYPES.items():
        existing = theirs.get(name) or legacy.get(name)
        if existing is None:
            merged[name] = dict(ours)
        elif isinstance(existing, dict) and existing.get("incoming", ours["incoming"]) != \
                ours["incoming"]:
            where = "needs_links" if name in theirs else "needs_extra_links"
            warn(f"{where} already has a link type {name!r} (incoming "
                 f"{existing.get('incoming')!r}); prerequisites use it as configured",
                 "invalid", conf_location(app, where))
    if merged != theirs:
        config.needs_links = merged


def _register_fields() -> None:
    from sphinx_needs.api import add_field
    from sphinx_needs.exceptions import NeedsApiConfigWarning

    for name, description in FIELDS.items():
        # A field the project declares already (needs_fields) is shared, as configured.
        with contextlib.suppress(NeedsApiConfigWarning):
            add_field(name, description, schema={"type": "string"}, nullable=True)


# -- milestones as needs ---------------------------------------------------------------


@contextlib.contextmanager
def _id_allowed(app: Sphinx, need_id: str) -> Iterator[None]:
    """Milestone IDs follow the milestone directive's rules, not ``needs_id_regex``.

    That regex is the project's policy for IDs written in need directives; sphinx-needs'
    default (``^[A-Z0-9_]{5,}``) would refuse ``LDM-503-07``. It is lifted for this one
    call only when it refuses the ID.
    """
    pattern = app.config.needs_id_regex
    try:
        refused = bool(pattern) and not re.match(pattern, need_id)
    except (re.error, TypeError):
        refused = False
    if not refused:
        yield
        return
    app.config.needs_id_regex = ""
    try:
        yield
    finally:
        app.config.needs_id_regex = pattern


def on_milestone_declared(
    app: Sphinx, milestone: Milestone, directive: MilestoneDirective, signature: nodes.Element
) -> list[nodes.Node]:
    """Register the milestone as a hidden need; its ID becomes an anchor of our block."""
    from sphinx_needs.api import InvalidNeedException, add_need

    try:
        with _id_allowed(app, milestone.id):
            result = add_need(
                app, directive.state, directive.env.docname, directive.lineno,
                need_type=NEED_TYPE, title=milestone.title or milestone.id, id=milestone.id,
                hide=True, **need_fields(milestone),
            )
    except InvalidNeedException as exc:
        if exc.type == "duplicate_id" and _declared_before(directive, milestone):
            return []  # the same milestone declared twice: duplicate-id says so, once
        directive.invalid(f"milestone {milestone.id} is not a sphinx-needs need: {exc}")
        return []
    document = directive.state.document
    if milestone.id not in document.ids:
        signature["ids"].append(milestone.id)
        document.ids[milestone.id] = signature
    return list(result)


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Drop the milestone needs of every document about to be read, before any is read.

    A serial build purges each document just before reading it: a milestone moved
    from a later document to an earlier one would meet its own old need and lose
    its registration. (A parallel build purges them all first, as this does.)
    """
    from sphinx_needs.api import del_need

    to_read = set(docnames)
    get_domain(env).build.needs_read.update(to_read)
    for need_id, need in sorted(_needs(env).items()):
        if (need["type"] == NEED_TYPE and need["docname"] in to_read
                and not need["is_import"] and not need["is_external"]):
            del_need(app, need_id)


def on_needs_before_post_processing(app: Sphinx, needs: dict[str, Any]) -> None:
    """Milestone needs get what the assembled plan knows: the catalog's dates and status.

    The catalog is merged with the whole plan, after reading; doing it here, in the
    main process once every document is read and before sphinx-needs resolves
    links, ``needextend`` and filters, keeps needs.json equal to ldm503.json also
    when only the catalog changed (no document is re-read then).
    """
    plan = get_domain(app.env).plan
    for ms in plan.declared:
        need = needs.get(ms.id)
        if need is None or need["type"] != NEED_TYPE or need["docname"] != ms.docname:
            continue
        values = need_fields(ms)
        for name in ("status", "due", "forecast", "completed", "level"):
            value = values.get(name)
            with contextlib.suppress(KeyError, TypeError, ValueError):
                if need[name] != value:
                    need[name] = value


def _declared_before(directive: MilestoneDirective, milestone: Milestone) -> bool:
    """Whether another declaration of this milestone was read already (by this process)."""
    declared = directive.domain.data["milestones"]
    return sum(ms.key == milestone.key for docs in declared.values() for ms in docs) > 1


# -- needs as milestones ---------------------------------------------------------------


def _selection(config: Config) -> Selection | None:
    return parse_selection(config[CONFIG_NAME])[0]


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Give each rendered need the ``ms-`` anchor our links and diagrams point at."""
    from sphinx_needs.nodes import Need

    for node in list(doctree.findall(Need)):
        need_id = str(node.get("refid") or "")
        anchor = anchor_for(need_id)
        if not need_id or anchor in doctree.ids or node.parent is None:
            continue
        # Not on the need's node nor its target: docutils moves a target's ids onto the
        # next node, and sphinx-needs re-renders need nodes with their own ID alone.
        target = nodes.container("", ids=[anchor], classes=["ldm503-need-anchor"])
        node.parent.insert(node.parent.index(node), target)
        doctree.ids[anchor] = target


def _record(need: Any, links: tuple[str, ...]) -> dict[str, Any]:
    """A need's values as a needs.json record would hold them (only the keys we read)."""
    keys = ("id", "type", "title", "status", "tags", "docname", "lineno", "is_external",
            *FIELDS, *links)
    out: dict[str, Any] = {}
    for key in keys:
        with contextlib.suppress(KeyError):
            out[key] = need[key]
    return out


def _needs(env: BuildEnvironment) -> dict[str, Any]:
    """sphinx-needs' needs as read (before post-processing, which would freeze them)."""
    from sphinx_needs.data import SphinxNeedsData

    return dict(SphinxNeedsData(env).get_needs_mutable())


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    """Hand the selected needs to the domain as declarations of the plan."""
    selection = _selection(app.config)
    domain = get_domain(env)
    if selection is None:
        return
    links = selection.followed_links
    ours = {ms.key for docs in domain.data["milestones"].values() for ms in docs}
    needs = _needs(env)
    selected: list[Milestone] = []
    found: list[Finding] = []
    filter_failed = False
    for need_id in sorted(needs):
        need = needs[need_id]
        record = _record(need, links)
        if record.get("is_external") or not selection.selects_type(str(record.get("type"))):
            continue
        if id_key(need_id) in ours:
            # One of our own milestones, or a need clashing with one: that clash is
            # already one warning (ours or sphinx-needs'), not also a duplicate-id.
            continue
        if selection.filter and not filter_failed:
            passed, filter_failed = _passes(app, need, selection.filter)
            if not passed:
                continue
        elif selection.filter:
            continue
        milestone, problems = milestone_from_need(record, selection)
        forbidden = forbidden_message(milestone.id)
        if forbidden:  # as for a milestone directive: such an ID declares nothing
            found.extend(_need_problems(domain, milestone, [f"{forbidden}; it is no milestone"]))
            continue
        found.extend(_need_problems(domain, milestone, problems))
        selected.append(milestone)
    records = {need_id: _record(need, links) for need_id, need in needs.items()}
    domain.set_extra_declarations(titled(selected, records), found)


def _need_problems(
    domain: MilestoneDomain, milestone: Milestone, problems: list[str]
) -> Iterator[Finding]:
    """``invalid`` findings of a need; warned, as Sphinx warns, only when its page was read.

    They are found anew after every read, also of a build that read nothing.
    """
    severity = domain.check_config().severity_of("invalid")
    if severity == "off":
        return
    location = milestone.location
    read = domain.build.needs_read
    for problem in problems:
        message = f"need {milestone.id}: {problem}"
        if severity != "info" and location is not None and location.docname in read:
            warn(message, "invalid", domain.warning_location(location))
        yield Finding("invalid", cast(Severity, severity), milestone.id, message,
                      location=location)


def _passes(app: Sphinx, need: Any, filter_string: str) -> tuple[bool, bool]:
    """Whether the need passes the filter, and whether the filter is broken (warned once)."""
    from sphinx_needs.config import NeedsSphinxConfig
    from sphinx_needs.filter_common import filter_single_need

    try:
        return bool(filter_single_need(need, NeedsSphinxConfig(app.config), filter_string)), False
    except Exception as exc:  # sphinx-needs raises several kinds for a bad filter
        warn(f"{CONFIG_NAME}: filter {filter_string!r} cannot be used: {exc}", "invalid",
             conf_location(app, CONFIG_NAME))
        return False, True
