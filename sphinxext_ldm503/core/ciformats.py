"""Findings in the forms a pull request shows: GitHub workflow commands and SARIF 2.1.0.

``ldm503 check`` prints findings compiler-style for people; CI services want them
in their own forms so that each finding lands on the line it is about:

* GitHub Actions reads *workflow commands* from a step's output
  (``::warning file=docs/plan.rst,line=12,title=...::message``) and shows each as an
  annotation on that line of the pull request's diff;
* code-scanning services (GitHub's, GitLab's, Azure DevOps') read SARIF 2.1.0, the
  OASIS format: one run of one tool, its rules, one result per finding.

Sphinx-free: the command line hands each finding with the path it is reported
under, so these functions are plain data in, text out, tested on their own.
Paths are made relative to the repository: ``GITHUB_WORKSPACE`` in a GitHub
workflow, else the current directory, which is where CI runs the command.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from .checks import REGISTRY
from .model import Finding

#: The SARIF level of each of our severities (SARIF has no "info": "note" is it).
SARIF_LEVEL: dict[str, str] = {"error": "error", "warning": "warning", "info": "note"}
#: The workflow command of each severity.
GITHUB_COMMAND: dict[str, str] = {"error": "error", "warning": "warning", "info": "notice"}
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: The base every relative ``uri`` is resolved against, as SARIF viewers expect it.
SRCROOT = "%SRCROOT%"


def repository_root() -> Path:
    """Where CI checked the repository out: annotations name files relative to it."""
    return Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()


def repository_path(path: str, root: Path | None = None) -> str:
    """``path`` relative to the repository root, in ``/`` form; absolute when outside it."""
    root = root or repository_root()
    absolute = Path(path)
    if not absolute.is_absolute():
        absolute = Path.cwd() / absolute
    absolute = absolute.resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


# -- GitHub workflow commands --------------------------------------------------------


def escape_data(text: str) -> str:
    """A command's message, as GitHub's actions toolkit escapes it (``escapeData``).

    ``%`` first, so that the escapes it makes are not escaped again; a line break
    would otherwise end the command.
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (``escapeProperty``): also ``:`` and ``,``, which
    separate the command from its message and one property from the next."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(finding: Finding, path: str | None) -> str:
    """One ``::error``/``::warning``/``::notice`` line for one finding.

    ``path`` (relative to the repository) and the finding's line place it on the
    diff; the title names the check, so the reader knows what to waive or look up.
    """
    properties: list[tuple[str, str]] = []
    if path:
        properties.append(("file", path))
        line = finding.location.line if finding.location else None
        if line:
            properties.append(("line", str(line)))
    properties.append(("title", f"ldm503 {finding.check}"))
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    command = GITHUB_COMMAND.get(finding.severity, "warning")
    return f"::{command} {props}::{escape_data(finding.message)}"


def github_commands(located: Iterable[tuple[Finding, str | None]]) -> list[str]:
    """The lines for every finding not waived: a waiver is the authors' decision,
    taken in review, and the pull request need not be annotated with it again."""
    return [github_command(finding, path) for finding, path in located if not finding.waived]


# -- SARIF 2.1.0 ------------------------------------------------------------------------


def plain(text: str) -> str:
    """A registry description without its reStructuredText literals' backquotes."""
    return re.sub(r"``([^`]+)``", r"'\1'", text)


def markdown(text: str) -> str:
    """A registry description as Markdown: RST literals become code spans."""
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def sarif_rules() -> list[dict[str, Any]]:
    """One rule per check of the registry, in its order, with its default level."""
    rules = []
    for spec in REGISTRY:
        description = spec.description[:1].upper() + spec.description[1:]
        rules.append({
            "id": spec.name,
            "shortDescription": {"text": plain(description) + "."},
            "fullDescription": {"text": plain(description) + ".",
                                "markdown": markdown(description) + "."},
            "defaultConfiguration": {"level": SARIF_LEVEL[spec.severity]},
            "properties": {"tags": ["test-plan", "ldm503"]},
        })
    return rules


def fingerprint(finding: Finding) -> str:
    """What identifies a finding across commits whatever line it moves to: its check,
    milestone and related IDs (code-scanning services match results by it)."""
    key = "\x1f".join([finding.check, finding.milestone or "", *finding.related])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def artifact_location(path: str) -> dict[str, str]:
    """A relative path under ``%SRCROOT%``; an absolute one (outside the repository)
    as a ``file:`` URI of its own."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return {"uri": "file://" + quote(posix.as_posix())}
    return {"uri": quote(posix.as_posix()), "uriBaseId": SRCROOT}


def sarif_result(
    finding: Finding, path: str | None, rule_index: Mapping[str, int]
) -> dict[str, Any]:
    """One SARIF result: the check as its rule, the finding's level, message and place."""
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "level": SARIF_LEVEL.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "partialFingerprints": {"ldm503/v1": fingerprint(finding)},
    }
    if finding.check in rule_index:
        result["ruleIndex"] = rule_index[finding.check]
    if path:
        physical: dict[str, Any] = {"artifactLocation": artifact_location(path)}
        line = finding.location.line if finding.location else None
        if line:
            physical["region"] = {"startLine": line}
        result["locations"] = [{"physicalLocation": physical}]
    properties: dict[str, Any] = {}
    if finding.milestone:
        properties["milestone"] = finding.milestone
    if finding.related:
        properties["related"] = list(finding.related)
    if properties:
        result["properties"] = properties
    if finding.waived:
        # Kept in the log, as waived findings are everywhere else, but marked accepted.
        suppression: dict[str, Any] = {"kind": "inSource", "status": "accepted"}
        if finding.waiver_reason:
            suppression["justification"] = finding.waiver_reason
        result["suppressions"] = [suppression]
    return result


def sarif_document(
    located: Sequence[tuple[Finding, str | None]], *, version: str,
    root: Path | None = None,
) -> dict[str, Any]:
    """The SARIF log of one ``ldm503 check`` run: the tool with every check as a rule,
    one result per finding (waived ones suppressed), locations relative to ``root``."""
    root = root or repository_root()
    rules = sarif_rules()
    rule_index = {rule["id"]: i for i, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "ldm503",
                "fullName": "ldm503 check (sphinxext-ldm503)",
                "version": version,
                "semanticVersion": version,
                "rules": rules,
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
            "invocations": [{"executionSuccessful": True}],
            "columnKind": "unicodeCodePoints",
            "results": [sarif_result(f, path, rule_index) for f, path in located],
        }],
    }
