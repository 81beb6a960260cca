"""Configuration values of the extension, with their types and defaults.

Collected here so ``setup()`` registers them in one loop and the command line
can list them; ``rebuild="env"`` is used where a change alters what documents
record, ``"html"``/``""`` where only output changes (the fingerprints in the
domain take care of rewriting the affected pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConfigValue:
    name: str
    default: Any
    rebuild: str
    types: tuple[type, ...]
    description: str


CONFIG_VALUES: tuple[ConfigValue, ...] = (
    ConfigValue(
        "ldm503_plan_id_pattern", r"^LDM-503-\w+$", "env", (str,),
        "IDs of this plan's own milestones; an undeclared one is an undefined reference.",
    ),
    ConfigValue(
        "ldm503_internal_patterns", ("^LDM-503-", "^DM-"), "env", (list, tuple),
        "IDs owned by the project; anything else is an external prerequisite.",
    ),
    ConfigValue(
        "ldm503_at_risk_patterns", (), "env", (list, tuple),
        "IDs whose milestones are treated as at risk (e.g. '^DM-SUIT-').",
    ),
    ConfigValue(
        "ldm503_check_severity", {}, "env", (dict,),
        "Severity per check: error, warning, info or off.",
    ),
    ConfigValue(
        "ldm503_catalog", None, "env", (str, type(None)),
        "CSV schedule export with dates and status (relative to the source directory).",
    ),
    ConfigValue(
        "ldm503_today", None, "env", (str, type(None)),
        "ISO date used for overdue marks; default: today, or SOURCE_DATE_EPOCH.",
    ),
    ConfigValue(
        "ldm503_milestone_graphs", True, "env", (bool,),
        "Draw a neighbourhood diagram under every milestone.",
    ),
    ConfigValue(
        "ldm503_graph_max_nodes", 300, "env", (int,),
        "Diagrams with more nodes still render but warn.",
    ),
    ConfigValue(
        "ldm503_dot_timeout", 30, "", (int, float),
        "Seconds the one-off probe of Graphviz's dot may take before diagrams fall back to text.",
    ),
    ConfigValue(
        "ldm503_json", True, "", (bool,),
        "Write <outdir>/ldm503.json at the end of every build.",
    ),
)
