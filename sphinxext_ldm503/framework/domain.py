"""The ``ldm503`` domain: the only place the extension keeps build state.

Everything is stored per document as plain records, so that ``clear_doc`` drops a
document in one step, parallel workers merge only what they read, and the plan
is re-assembled deterministically from whatever documents are present. The
assembled :class:`~sphinxext_ldm503.core.model.Plan` and its findings are cached on
the domain instance (never pickled) until the data changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Set
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from docutils import nodes
from sphinx.domains import Domain, ObjType

from ..core.config import DEFAULTS
from ..core.model import Edge, Finding, Location, Milestone, Plan, Reference, Severity, id_key
from . import reuse
from .diagnostics import warn
from .state import BuildState
from .words import whole_words

if TYPE_CHECKING:
    from docutils.parsers.rst import Directive
    from sphinx.addnodes import pending_xref
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment
    from sphinx.roles import XRefRole
    from sphinx.util.typing import RoleFunction

    from ..core.checks import CheckConfig
    from .blocks import Target

#: Per-document keys of the domain data; each maps docname -> list.
PER_DOC = ("milestones", "references", "deps", "invalid", "diagrams", "conditional")

#: The per-document records the plan, its findings and the fingerprints are made of.
RECORDED = ("milestones", "references", "invalid", "deps")

#: A document that renders data of the whole plan (a wide diagram, schedule views).
WHOLE_PLAN = "*"
#: A document that renders every milestone's own facts and the findings, and
#: nothing of the plan's structure (report, table): see
#: :meth:`MilestoneDomain._plan_facts_signature`.
PLAN_FACTS = "*facts"

#: How much of a milestone a page shows, the values of the per-document ``deps``:
#: a link to it (or a mention), its block (facts, "Required by", critical-path line),
#: its block with its neighbourhood diagram. Each shows more than the one before, and
#: depends on more of the plan (see :meth:`MilestoneDomain._compute_signature`).
LINK: str | None = None
BLOCK = "block"
GRAPH = "graph"
SHOWS: tuple[str | None, ...] = (LINK, BLOCK, GRAPH)


class MilestoneDomain(Domain):
    """Milestones and their prerequisites, cross-referenced across the project."""

    name = "ldm503"
    label = "Test plan milestones"
    object_types: ClassVar[dict[str, ObjType]] = {"milestone": ObjType("milestone", "ms")}
    # The directives and the role are added with ``app.add_directive_to_domain`` and
    # ``app.add_role_to_domain`` (directives.setup, roles.setup): they need the domain,
    # so the domain does not import them.
    directives: ClassVar[dict[str, type[Directive]]] = {}
    roles: ClassVar[dict[str, RoleFunction | XRefRole]] = {}
    initial_data: ClassVar[dict[str, Any]] = {
        "milestones": {},  # docname -> [Milestone]
        "references": {},  # docname -> [Reference]
        # docname -> {id key or WHOLE_PLAN: one of SHOWS}: what the document renders
        "deps": {},
        "invalid": {},  # docname -> [Finding] found while reading
        "diagrams": {},  # docname -> number of diagram placeholders (prerender.py)
        # docname -> milestones declared inside ``only`` blocks (conditional.py)
        "conditional": {},
        # builder:outdir -> docname -> hash of the cross-document data it rendered;
        # per output, because builders sharing a doctree directory write at different times.
        "fingerprints": {},
        # what the probe of ``dot`` found, by binary (see diagrams.dot_problem)
        "dot-probes": {},
        # hash of the catalog and the findings when last reported (see findings_changed)
        "checked": "",
        # builder:outdir -> inputs_digest() when its fingerprints were last computed
        "fingerprinted": {},
        # kind of record (RECORDED) -> docname -> digest of the document's records
        "record-digests": {},
    }
    data_version = 6

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        self._plan: Plan | None = None
        self._findings: list[Finding] | None = None
        self._at_risk: frozenset[str] | None = None
        self._catalog: tuple[list[Milestone], list[Finding]] | None = None
        self._signatures: dict[Any, str] = {}
        self._facts: dict[str, str] = {}  # id key -> digest of what pages show of it
        #: What this build works out once (never pickled): see :mod:`.state`.
        self.build = BuildState()
        self._inputs: str | None = None
        #: Documents read (or removed) since the fingerprints were last compared.
        self._cleared: set[str] = set()
        #: Declarations from outside our directives (needs.py: sphinx-needs' needs),
        #: set again after every read, never pickled.
        self._extra: tuple[Milestone, ...] = ()
        self._extra_findings: tuple[Finding, ...] = ()

    # -- recording (read phase) ------------------------------------------------

    def _changed(self) -> None:
        self._plan = None
        self._inputs = None
        self._findings = None
        self._at_risk = None
        self._signatures = {}
        self._facts = {}

    def note_milestone(self, milestone: Milestone) -> None:
        docname = milestone.docname or self.env.docname
        self.data["milestones"].setdefault(docname, []).append(milestone)
        self._forget_records(docname)
        self._changed()

    def note_reference(self, reference: Reference) -> None:
        docname = reference.location.docname if reference.location else self.env.docname
        self.data["references"].setdefault(docname, []).append(reference)
        self._forget_records(docname)
        self._changed()

    def note_dependency(self, docname: str, key: str, shows: str | None = LINK) -> None:
        """Record that ``docname`` renders data of milestone ``key`` (or the whole plan):
        a link to it, its block or its block with a diagram (``shows``, see :data:`SHOWS`).

        The most a page shows of a milestone is kept.
        """
        deps = self.data["deps"].setdefault(docname, {})
        if key not in deps or SHOWS.index(shows) > SHOWS.index(deps[key]):
            deps[key] = shows
            self._forget_records(docname)
            self._inputs = None

    def note_whole_plan(self, docname: str, key: str = WHOLE_PLAN) -> None:
        """Record that ``docname`` renders data of the whole plan (a diagram), or only
        the milestones' own facts and the findings (``key`` :data:`PLAN_FACTS`)."""
        self.note_dependency(docname, key)

    def report_invalid(
        self, message: str, location: Location | None, milestone: str | None = None,
        *, record: bool = True,
    ) -> Finding | None:
        """The one path for malformed input: directives, options, the catalog.

        Applies ``ldm503_check_severity["invalid"]`` (``off``: nothing at all;
        ``info``: recorded, not printed), warns once, here, with the location,
        and records the finding for the report and the JSON: read-time findings
        in the document's data (``record``), others are kept by the caller.
        :meth:`findings` never prints them again.
        """
        severity = self.check_config().severity_of("invalid")
        if severity == "off":
            return None
        if severity != "info":
            warn(message, "invalid", self.warning_location(location))
        finding = Finding("invalid", cast(Severity, severity), milestone, message,
                          location=location)
        if record:
            docname = location.docname if location else self.env.docname
            self.data["invalid"].setdefault(docname, []).append(finding)
            self._forget_records(docname)
            self._changed()
        return finding

    def warning_location(self, location: Location | None) -> Any:
        """A location Sphinx's logging understands: (docname, line) or "path:line"."""
        if location is None:
            return None
        if location.source:  # inside an included file
            return str(location)
        if location.docname in self.env.found_docs:
            return (location.docname, location.line)
        # A whole-file problem (of the catalog, say) has no line; its message names the file.
        return f"{location.docname}:{location.line}" if location.line else None

    def end_build(self) -> None:
        """Forget the per-build values: an application that builds again (tests,
        a watcher) keeps its environment, and so this domain, between builds."""
        self.build = BuildState()

    def start_build(self) -> None:
        """Read the catalog again in this build, and recompute what depends on it.

        An application that builds again (an editor's preview keeps one) keeps this
        domain, and with it the catalog read by the last build: the file may have
        been edited meanwhile, and it is no document whose change Sphinx notices.
        Done when a build starts rather than when one ends, so that what a caller
        reads off the domain after a build (the command line does) is that build's.
        A new application (``sphinx-build`` again) unpickles a domain without them.
        """
        self._catalog = None
        self._changed()

    def clear_doc(self, docname: str) -> None:
        self._cleared.add(docname)
        self._forget_records(docname)
        for key in PER_DOC:
            self.data[key].pop(docname, None)
        for written in self.data["fingerprints"].values():
            written.pop(docname, None)
        self._changed()

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        # Only the worker's own documents are taken; duplicates across workers are
        # found by the duplicate-id check on the merged plan, in the main process.
        self._cleared.update(docnames)
        for docname in docnames:
            self._forget_records(docname)
        for key in PER_DOC:
            for docname in docnames:
                if docname in otherdata[key]:
                    self.data[key][docname] = otherdata[key][docname]
        self._changed()

    # -- the assembled plan ----------------------------------------------------

    def set_extra_declarations(
        self, milestones: Iterable[Milestone], findings: Iterable[Finding] = ()
    ) -> None:
        """Milestones declared by other means (needs), part of the plan from now on,
        and the ``invalid`` findings met reading them (already warned)."""
        extra, extra_findings = tuple(milestones), tuple(findings)
        if (extra, extra_findings) != (self._extra, self._extra_findings):
            self._extra, self._extra_findings = extra, extra_findings
            self._changed()

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            declarations = [ms for docname in sorted(self.data["milestones"])
                            for ms in self.data["milestones"][docname]]
            declarations += self._extra
            references = [ref for docname in sorted(self.data["references"])
                          for ref in self.data["references"][docname]]
            self._plan = Plan(declarations, references, self.catalog_rows())
        return self._plan

    def _load_catalog(self) -> tuple[list[Milestone], list[Finding]]:
        """Rows and problems of ``ldm503_catalog`` (made absolute at config-inited), read once."""
        if self._catalog is None:
            configured = self.env.config.ldm503_catalog
            self._catalog = self.read_catalog(configured) if configured else ([], [])
        return self._catalog

    def previous_catalog_rows(self, where: Location | None) -> list[Milestone]:
        """Rows of ``ldm503_catalog_previous`` (the changes page's baseline), read once
        per build; problems reported once, at ``where`` when they have no row."""
        configured = self.env.config.ldm503_catalog_previous
        if self.build.previous_catalog is None or self.build.previous_catalog[0] != configured:
            rows, _ = self.read_catalog(configured, setting="ldm503_catalog_previous",
                                        where=where)
            self.build.previous_catalog = (configured, rows)
        return self.build.previous_catalog[1]

    def read_catalog(self, configured: str, *, setting: str = "",
                     where: Location | None = None) -> tuple[list[Milestone], list[Finding]]:
        """A schedule export's rows and problems: the one loader of every catalog, so
        each problem goes through :meth:`report_invalid` (severity, one warning, the
        report) whichever setting names the file."""
        from ..core.catalog import load_catalog

        rows, problems = load_catalog(Path(configured))
        findings = []
        for p in problems:
            if setting:
                message = f"{setting}: {p.message}"
                location = Location(str(configured), p.row) if p.row else where
            else:
                message = p.message if p.row == 0 else f"catalog row: {p.message}"
                location = Location(str(configured), p.row or None)
            found = self.report_invalid(message, location, record=False)
            if found is not None:
                findings.append(found)
        return rows, findings

    def catalog_digest(self) -> str:
        """A hash of the configured catalog's path and bytes ("" without a catalog).

        The catalog is no document, so Sphinx never notices it changed; this is how
        the extension does.
        """
        return reuse.file_digest(self.env.config.ldm503_catalog)

    def findings_changed(self) -> bool:
        """Whether the catalog or the findings changed since the last build reported them
        (and remember them).

        Neither a catalog edit nor a deleted document need outdate any page, and then
        Sphinx skips the consistency check where findings become warnings.
        """
        digest = hashlib.sha1(self.catalog_digest().encode(), usedforsecurity=False)
        digest.update(repr(self.findings).encode())
        if self.data.get("checked", "") == digest.hexdigest():
            return False
        self.data["checked"] = digest.hexdigest()
        return True

    def catalog_rows(self) -> list[Milestone]:
        return self._load_catalog()[0]

    def catalog_findings(self) -> list[Finding]:
        """Catalog problems as ``invalid`` findings located at the file and row.

        They were printed when the catalog was read, once per build.
        """
        return self._load_catalog()[1]

    def check_config(self) -> CheckConfig:
        from ..core.checks import CheckConfig

        config = self.env.config
        return CheckConfig(
            plan_id_pattern=config.ldm503_plan_id_pattern,
            internal_patterns=tuple(config.ldm503_internal_patterns),
            at_risk_patterns=tuple(config.ldm503_at_risk_patterns),
            severity=dict(config.ldm503_check_severity),
            today=today(config.ldm503_today),
            title_prefixes=tuple(config.ldm503_title_prefixes),
            drift_ignore_patterns=tuple(config.ldm503_drift_ignore_patterns),
        )

    @property
    def findings(self) -> list[Finding]:
        """Every finding of the build: read-time ``invalid`` ones, catalog problems, checks."""
        if self._findings is None:
            self._findings = reuse.load(self.env.doctreedir, "findings", self.inputs_digest())
        if self._findings is None:
            from ..core.checks import apply_severity, run_checks

            invalid = [f for docname in sorted(self.data["invalid"])
                       for f in self.data["invalid"][docname]]
            config = self.check_config()
            # Read-time and catalog problems honour ldm503_check_severity too.
            early = apply_severity([*invalid, *self.catalog_findings(),
                                    *self._extra_findings], config)
            found = [*early, *self._without_external(run_checks(self.plan, config))]
            self._findings = sorted(found, key=lambda f: f.sort_key)
            reuse.store(self.env.doctreedir, "findings", self.inputs_digest(), self._findings)
        return self._findings

    def inputs_digest(self) -> str:
        """A digest of everything the plan, its findings and the pages' cross-document
        data are computed from: every document's records, the catalogs, the
        configuration, the date, declarations from elsewhere (needs, intersphinx).

        Equal digests mean equal results, so a build after a prose-only edit reuses
        the last build's findings, JSON and page fingerprints instead of computing
        them again (about a second at 2,000 milestones).
        """
        if self._inputs is None:
            digest = hashlib.sha1(usedforsecurity=False)
            for key in RECORDED:
                for docname in sorted(self.data[key]):
                    digest.update(f"{key}:{docname}:{self._record_digest(key, docname)}"
                                  .encode())
            digest.update(self.catalog_digest().encode())
            digest.update(reuse.file_digest(self.env.config.ldm503_catalog_previous).encode())
            digest.update(repr((self._extra, self._extra_findings)).encode())
            config = self.env.config
            settings = sorted((name, repr(config[name])) for name in DEFAULTS)
            digest.update(repr((settings, today(config.ldm503_today))).encode())
            from ..version import __version__

            digest.update(__version__.encode())
            inventory = getattr(self.env, "intersphinx_inventory", None) or {}
            digest.update(repr(sorted(inventory.get("ldm503:milestone", {}))).encode())
            self._inputs = digest.hexdigest()
        return self._inputs

    def _record_digest(self, key: str, docname: str) -> str:
        """A digest of one document's records of one kind, kept until the document is
        read again (:meth:`_forget_records`).

        Writing out every record of the plan took a twentieth of a second of each build
        that changes the plan at 2,000 milestones, for the documents that did not change.
        """
        kept: dict[str, dict[str, str]] = self.data.setdefault("record-digests", {})
        per_doc = kept.setdefault(key, {})
        if docname not in per_doc:
            text = repr(self.data[key][docname]).encode()
            per_doc[docname] = hashlib.sha1(text, usedforsecurity=False).hexdigest()
        return per_doc[docname]

    def _forget_records(self, docname: str) -> None:
        """``docname``'s records changed: its digests are made again when asked for."""
        for per_doc in self.data.setdefault("record-digests", {}).values():
            per_doc.pop(docname, None)

    def _without_external(self, findings: list[Finding]) -> list[Finding]:
        """Drop undefined references to milestones another project declares (intersphinx)."""
        inventory = getattr(self.env, "intersphinx_inventory", None) or {}
        external = {id_key(name) for name in inventory.get("ldm503:milestone", {})}
        if not external:
            return findings
        return [f for f in findings if not (f.check == "undefined-reference" and f.related
                                            and id_key(f.related[0]) in external)]

    @property
    def at_risk(self) -> frozenset[str]:
        if self._at_risk is None:
            from ..core.checks import at_risk_keys

            self._at_risk = frozenset(at_risk_keys(self.plan, self.check_config()))
        return self._at_risk

    # -- incremental builds ----------------------------------------------------

    def _signature(self, key: str, shows: str | None = GRAPH) -> str:
        """What a page showing ``shows`` of milestone ``key`` shows of it (see
        :data:`SHOWS`); a change means a rewrite."""
        cache_key = (key, shows)
        if cache_key not in self._signatures:
            self._signatures[cache_key] = self._compute_signature(key, shows)
        return self._signatures[cache_key]

    def _compute_signature(self, key: str, shows: str | None) -> str:
        """The digest of what a page showing ``shows`` of milestone ``key`` shows of it.

        A link (``None``) shows the milestone's own facts only: a page that merely
        lists a milestone as a prerequisite is not rewritten when that milestone's
        critical path or neighbours change. Its block (``"block"``) adds its
        neighbours one edge away and its critical-path line; ``"graph"`` adds what its
        neighbourhood diagram draws.
        """
        plan = self.plan
        ms = plan.milestones.get(key)
        if ms is None:
            return f"{key}:missing"
        at_risk = self.at_risk
        parts: list[Any] = [milestone_facts(ms, at_risk)]
        if shows is not None:
            def brief(m: Milestone) -> tuple[Any, ...]:
                return (m.id, m.title, m.docname, m.declared, m.effective_status, m.due,
                        m.forecast, m.completed, m.key in at_risk)

            parts += [(brief(e.source), e.prerequisite.query) for e in plan.required_by(key)]
            parts += [(brief(e.target), edge_facts(e)) for e in plan.requires(key)]
            line = self.env.config.ldm503_critical_path_line
            if line != "off":
                from ..core.schedule import critical_path_summary

                # "full" reaches as far upstream as the chain goes, "near" two links.
                ids, end = critical_path_summary(plan, ms.id, line)
                linked = [(m.id, m.label, m.docname, m.declared) for i in ids
                          if isinstance(i, str) and (m := plan.get(i)) is not None]
                parts.append((ids, end, linked))
        if shows == GRAPH:
            parts += neighbourhood_facts(plan, ms, at_risk, self._facts)
        # A digest, not the text: kept for every milestone while the build runs
        # (the text was ~1.4 KB each, 3 MiB at 2,000 milestones).
        return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()

    def _whole_plan_signature(self) -> str:
        """Everything a whole-plan page shows, computed once per build."""
        if WHOLE_PLAN not in self._signatures:
            digest = hashlib.sha1(usedforsecurity=False)
            for key in self.plan.milestones:
                digest.update(self._signature(key).encode())
            digest.update(repr(self.findings).encode())
            digest.update(repr(self.check_config().today).encode())  # overdue marks
            self._signatures[WHOLE_PLAN] = digest.hexdigest()
        return self._signatures[WHOLE_PLAN]

    def _plan_facts_signature(self) -> str:
        """What a report or a table shows: every milestone's own facts (its row), its
        open queries and slack, and the findings; computed once per build.

        Not the plan's structure: a changed prerequisite that leaves every row and
        finding as it was does not rewrite a 2,000-row table.
        """
        if PLAN_FACTS not in self._signatures:
            from ..core.schedule import min_slack

            plan, at_risk = self.plan, self.at_risk
            digest = hashlib.sha1(usedforsecurity=False)
            for ms in plan.milestones.values():
                queries = (sum(p.query == "open" for p in ms.prerequisites)
                           + sum(q.status == "open" for q in ms.queries))
                row = (milestone_facts(ms, at_risk), queries, min_slack(plan, ms.id))
                digest.update(repr(row).encode())
            digest.update(repr(self.findings).encode())
            digest.update(repr(self.check_config().today).encode())  # overdue marks
            self._signatures[PLAN_FACTS] = digest.hexdigest()
        return self._signatures[PLAN_FACTS]

    def fingerprint(self, docname: str) -> str:
        deps = self.data["deps"].get(docname, {})
        digest = hashlib.sha1(usedforsecurity=False)
        for key in sorted(deps):
            if key == WHOLE_PLAN:
                digest.update(self._whole_plan_signature().encode())
            elif key == PLAN_FACTS:
                digest.update(self._plan_facts_signature().encode())
            else:
                digest.update(self._signature(key, deps[key]).encode())
        return digest.hexdigest()

    def outdated_by_others(self, output: str) -> list[str]:
        """Documents whose cross-document data changed since they were written to ``output``.

        When the inputs did not change since the last comparison, no page's
        cross-document data did: only the documents read since then get new
        fingerprints (what they render may have changed with their text).
        """
        stored: dict[str, str] = self.data["fingerprints"].setdefault(output, {})
        inputs = self.inputs_digest()
        if self.data["fingerprinted"].get(output) == inputs:
            docnames = sorted(self._cleared & self.data["deps"].keys())
        else:
            docnames = sorted(self.data["deps"])
        self.data["fingerprinted"][output] = inputs
        self._cleared = set()
        changed = []
        for docname in docnames:
            new = self.fingerprint(docname)
            if stored.get(docname) != new:
                stored[docname] = new
                changed.append(docname)
        return changed

    # -- cross-references --------------------------------------------------------

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> nodes.reference | None:
        return self.reference(fromdocname, builder, target, contnode,
                              explicit=bool(node.get("refexplicit")))

    def reference(
        self, fromdocname: str, builder: Builder, target: str, contnode: nodes.Element,
        *, explicit: bool = True,
    ) -> nodes.reference | None:
        """The link to milestone ``target``, or None when it is not declared.

        ``contnode`` becomes the link's content (relabelled unless ``explicit``).
        """
        found = self.link_target(fromdocname, builder, target)
        if found is None:
            return None
        if not explicit:
            # On a web page the label's IDs and dates stay on one line (words.py);
            # LaTeX boxes it itself (latex.LatexReferenceIds), other formats need not.
            contnode = relabelled(contnode, found[2], keep_id_whole=builder.format == "html")
        return reference_to(found, contnode)

    def link_target(self, fromdocname: str, builder: Builder, target: str) -> Target | None:
        """Where a link from ``fromdocname`` to milestone ``target`` goes: ``(refuri,
        refid, title)``, one of the first two None; None when it is not declared.

        The builder's relative URI is computed once per pair of documents: a large
        plan has tens of thousands of links between a few dozen pages.
        """
        ms = self.plan.get(target)
        if ms is None or not ms.declared or ms.docname is None:
            return None
        if fromdocname == ms.docname:
            return None, ms.anchor, ms.label
        uris = self.build.uris.setdefault(builder.name, {})
        key = (fromdocname, ms.docname)
        uri = uris.get(key)
        if uri is None:  # NoUri (a document outside a LaTeX target) propagates
            uri = uris[key] = builder.get_relative_uri(fromdocname, ms.docname)
        return f"{uri}#{ms.anchor}", None, ms.label

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        ref = self.resolve_xref(env, fromdocname, builder, "ms", target, node, contnode)
        return [("ldm503:ms", ref)] if ref is not None else []

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        for ms in self.plan.declared:
            if ms.docname is not None:
                yield (ms.id, ms.label, "milestone", ms.docname, ms.anchor, 1)

    def get_full_qualified_name(self, node: nodes.Element) -> str | None:
        return node.get("reftarget")


def reference_to(target: Target, contnode: nodes.Element) -> nodes.reference:
    """The reference node for a :meth:`MilestoneDomain.link_target` answer."""
    refuri, refid, title = target
    ref = nodes.reference("", "", contnode, internal=True, reftitle=title)
    if refid is not None:
        ref["refid"] = refid
    else:
        ref["refuri"] = refuri
    return ref


def relabelled(contnode: nodes.Element, label: str, *,
               keep_id_whole: bool = False) -> nodes.Element:
    """The reference's content node (whatever its class) showing ``label`` instead;
    with ``keep_id_whole`` its IDs and dates in :data:`.words.WHOLE` boxes (not in
    code, which never breaks).

    Built afresh rather than with ``copy()``, which Sphinx patches into a slow
    copy of every attribute; the ID lists of a link's content are empty anyway.
    """
    if keep_id_whole and not isinstance(contnode, nodes.literal):
        new = type(contnode)(label)
        new.extend(whole_words(label))
    else:
        new = type(contnode)(label, nodes.Text(label))
    for key, value in contnode.attributes.items():
        if key not in ("ids", "names", "dupnames", "backrefs"):
            new[key] = list(value) if isinstance(value, list) else value
    return new


def today(configured: str | None) -> date:
    """The date overdue marks are computed against: reproducible when asked to be.

    A ``SOURCE_DATE_EPOCH`` that names no date (past 9999, or more digits than a
    platform's clock holds) is ignored here, for today's date: the variable is
    set for a whole build farm, and :func:`epoch_problem` warns about it once.
    """
    if configured:
        return date.fromisoformat(str(configured))
    return epoch_date() or date.today()


def epoch_date() -> date | None:
    """The date of ``SOURCE_DATE_EPOCH`` (UTC), None when it is unset or names no date."""
    import os
    from datetime import UTC, datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.strip().isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def epoch_problem() -> str | None:
    """Why ``SOURCE_DATE_EPOCH`` is not used for overdue marks, or None when it is (or unset)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.strip().isdigit() or epoch_date() is not None:
        return None
    shown = epoch.strip() if len(epoch.strip()) <= 30 else epoch.strip()[:27] + "..."
    return (f"SOURCE_DATE_EPOCH={shown} is not a date this extension can use (after "
            f"{date.max.isoformat()}): overdue marks use today's date; set ldm503_today "
            "for a reproducible one")


def get_domain(env: BuildEnvironment) -> MilestoneDomain:
    domain = env.get_domain("ldm503")
    assert isinstance(domain, MilestoneDomain)
    return domain



def milestone_facts(ms: Milestone, at_risk: Set[str]) -> tuple[Any, ...]:
    """Everything any rendering shows of one milestone: labels, tooltips, node styles,
    the metadata fields ("Schedule title" is the catalog's), links."""
    return (ms.id, ms.title, ms.catalog_title, ms.in_catalog, ms.docname, ms.declared,
            ms.external, ms.status, ms.effective_status, ms.due, ms.forecast, ms.completed,
            ms.level, ms.tags, ms.key in at_risk)


def edge_facts(edge: Edge) -> tuple[Any, ...]:
    """What a diagram, a prerequisite list or "Required by" shows of one edge."""
    pre = edge.prerequisite
    return (edge.source.key, edge.target.key, pre.id, pre.title, pre.query, pre.discussion)


def neighbourhood_facts(plan: Plan, ms: Milestone, at_risk: Set[str],
                        cache: dict[str, str] | None = None) -> list[Any]:
    """What a milestone's page shows of its neighbours: the block itself and the
    neighbourhood diagram, which draws every milestone one active edge away and every
    edge among them, with titles, discussions and kinds in its labels and tooltips.

    Each neighbour counts as a digest of its facts and all its prerequisites (a
    little more than the diagram draws), kept in ``cache``: computed from the
    milestone's own edges rather than graph.select, which walks the whole plan,
    signing every milestone stays linear in the plan and small.
    """
    cache = {} if cache is None else cache
    keys = {ms.key}
    keys.update(pre.key for pre in ms.prerequisites if pre.active)
    keys.update(e.source.key for e in plan.required_by(ms.id) if e.prerequisite.active)
    facts: list[Any] = []
    for key in sorted(keys):
        if key not in cache:
            member = plan.milestones[key]
            edges = [(pre.key, pre.id, pre.title, pre.query, pre.discussion)
                     for pre in member.prerequisites]
            text = repr((milestone_facts(member, at_risk), edges))
            cache[key] = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
        facts.append(cache[key])
    # Dropped edges pull in no neighbour, but "Required by" still lists them.
    facts += [edge_facts(e) for e in plan.required_by(ms.id) if not e.prerequisite.active]
    return facts
