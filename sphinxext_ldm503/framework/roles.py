"""The ``:ms:`` role: a link to a milestone, labelled with its ID and title."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from docutils import nodes
from docutils.nodes import Node, system_message
from sphinx.roles import XRefRole

from ..core.model import Reference, id_key
from ..core.parsing import (
    describe_characters,
    forbidden_message,
    invisible_characters,
    nfc_message,
)
from .diagnostics import source_location

if TYPE_CHECKING:
    from sphinx.application import Sphinx

    from .domain import MilestoneDomain


class MilestoneRole(XRefRole):
    """Works under ``:ms:`` and ``:ldm503:ms:`` alike, and records every use.

    Recording the reference lets the checks report unknown IDs with file and line,
    and lets the domain rewrite this page when the target's title changes.
    """

    innernodeclass = nodes.inline

    def run(self) -> tuple[list[Node], list[system_message]]:
        self.refdomain, self.reftype = "ldm503", "ms"
        self.classes = ["xref", "ldm503", "ldm503-ms"]
        if self.disabled:
            return self.create_non_xref_node()
        return self.create_xref_node()

    def process_link(
        self, env: object, refnode: nodes.Element, has_explicit_title: bool, title: str,
        target: str,
    ) -> tuple[str, str]:
        target = target.strip()
        source, line = self.get_source_info()
        where = source_location(self.env.docname, self.env.doc2path(self.env.docname), source,
                                line or self.lineno)
        refnode["refwarn"] = False  # unknown IDs are reported by the checks, once, located
        domain = cast("MilestoneDomain", self.env.get_domain("ldm503"))
        if not target:
            domain.report_invalid(f"{self.name}: empty milestone ID", where)
            return title, target
        invisible = invisible_characters(target)
        if invisible:
            # Such a reference can never resolve: say why, instead of "unknown ID".
            domain.report_invalid(
                f"{self.name}: milestone ID {target!r} contains an invisible character "
                f"({describe_characters(invisible)}); delete it and retype the ID",
                where)
            return title, target
        forbidden = forbidden_message(target)
        if forbidden:
            domain.report_invalid(f"{self.name}: {forbidden}", where)
            return title, target
        not_nfc = nfc_message(target)
        if not_nfc:  # it still links: IDs compare in NFC (id_key)
            domain.report_invalid(f"{self.name}: {not_nfc}", where)
        domain.note_reference(Reference(target, where))
        domain.note_dependency(self.env.docname, id_key(target))
        return title, target


def setup(app: Sphinx) -> None:
    """``:ldm503:ms:`` and ``:ms:`` without the domain prefix."""
    app.add_role_to_domain("ldm503", "ms", MilestoneRole())
    app.add_role("ms", MilestoneRole())
