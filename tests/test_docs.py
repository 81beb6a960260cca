"""The user guide (docs/, ``make docs``) builds cleanly and documents everything in the code."""

from __future__ import annotations

import argparse
import json
import os
import re
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

from sphinxext_ldm503 import __version__
from sphinxext_ldm503.cli.main import make_parser
from sphinxext_ldm503.core.checks import REGISTRY, run_checks
from sphinxext_ldm503.core.config import CONFIG_VALUES
from sphinxext_ldm503.framework.directives import MilestoneDirective
from sphinxext_ldm503.render.graph import GRAPH_OPTIONS

DOCS = Path(__file__).parent.parent / "docs"


def _text(html: Path) -> str:
    """The page's text, every run of white space one space."""
    return " ".join(BeautifulSoup(html.read_text("utf-8"), "html.parser").get_text(" ").split())


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = make_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guide built once for this module's tests (one Sphinx app per process is
    all docutils' global registries allow without warnings); its HTML directory."""

    tmp_path = tmp_path_factory.mktemp("guide")
    warnings = StringIO()
    # In docutils' own namespace, as sphinx-build does: the guide's pages are built
    # below by further applications in this process, which must start clean.
    with patch_docutils(DOCS), docutils_namespace():
        app = Sphinx(str(DOCS), str(DOCS), str(tmp_path / "html"), str(tmp_path / "doctrees"),
                     "html", status=None, warning=warnings, freshenv=True)
        app.build()
    assert warnings.getvalue() == ""
    return tmp_path / "html"


def test_user_guide_builds_and_covers_the_code(guide: Path) -> None:
    tmp_path = guide.parent
    reference = BeautifulSoup((tmp_path / "html" / "reference.html").read_text("utf-8"),
                              "html.parser").get_text(" ")
    for value in CONFIG_VALUES:
        assert value.name in reference
    for option in GRAPH_OPTIONS:
        assert f":{option.name}:" in reference
    for option in MilestoneDirective.known_options:
        assert f":{option}:" in reference
    for check in REGISTRY:
        assert check.name in reference
    theming = (tmp_path / "html" / "theming.html").read_text("utf-8")
    assert "--ldm503-header-bg" in theming and "prefers-color-scheme" in theming
    tutorial = (tmp_path / "html" / "tutorial.html").read_text("utf-8")
    assert "ldm503-explorable" in tutorial  # the tutorial's plan is drawn by the extension


def test_front_page_lists_the_guide_not_the_tutorials_milestones(guide: Path) -> None:
    """Issue 27 #7: the front page's contents are the guide's pages, one level; the
    tutorial's TUT-1 and TUT-2 are entries of the tutorial's own contents, in prose."""
    front = BeautifulSoup((guide / "index.html").read_text("utf-8"), "html.parser")
    entries = front.select(".toctree-wrapper a")
    assert len(entries) > 10
    assert [a["href"] for a in entries if "#" in a["href"]] == []
    assert all(a.parent["class"] == ["toctree-l1"] for a in entries)
    tutorial = BeautifulSoup((guide / "tutorial.html").read_text("utf-8"), "html.parser")
    contents = [a for a in tutorial.select("nav a") if "#ms-tut-" in a.get("href", "")]
    assert [a.get_text() for a in contents] == [
        "TUT-1: Alert generation", "TUT-2: Alert distribution validation"]
    assert not [a for a in contents if a.find("code")]


def test_generated_pages_follow_the_code(guide: Path) -> None:
    """checks.rst, cli.rst and json.rst: their generated parts match the code."""
    html = guide

    # Every check has a section with a real finding of its own, as `ldm503 check` prints it.
    checks = BeautifulSoup((html / "checks.html").read_text("utf-8"), "html.parser")
    for spec in REGISTRY:
        section = checks.find(id=f"check-{spec.name}")
        assert section is not None, spec.name
        example = section.find("pre")
        assert example is not None, spec.name
        assert f"{spec.severity}: {spec.name}: " in example.get_text() or (
            spec.name == "invalid" and "[ldm503.invalid]" in example.get_text())
    assert ":waive:" in checks.get_text() and "suppress_warnings" in checks.get_text()

    # Every subcommand and every option appears in the CLI page, with its --help.
    cli = _text(html / "cli.html")
    assert make_parser().format_usage().split()[1] in cli
    for name, sub in _subcommands().items():
        assert f"ldm503 {name} --help" in cli
        assert f"usage: ldm503 {name}" in cli
        for action in sub._actions:
            for option in action.option_strings:
                assert option in cli, (name, option)

    # Every key the exporter writes is documented in the JSON page.
    import sys

    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from ldm503_generated import sample_document
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    document = sample_document()
    # Documented in the prose (the terms of its lists), not only shown in the sample.
    soup = BeautifulSoup((html / "json.html").read_text("utf-8"), "html.parser")
    terms = {code.get_text() for dt in soup.find_all("dt") for code in dt.find_all("code")}
    page = _text(html / "json.html")
    keys = {
        *document, *document["milestones"][0], *document["milestones"][1]["requires"][0],
        *document["findings"][0], *document["checks"][0],
    }
    for key in keys:
        assert key in terms, key
    assert json.dumps(document["version"]) in page

    # The other new pages are in the guide.
    for name in ("pdf", "sphinx-needs"):
        assert (html / f"{name}.html").is_file()
    index = _text(html / "index.html")
    assert "3.11" in index and "sphinx-needs" in index


def test_check_examples_find_what_they_show() -> None:
    """Each example plan of checks.rst gives its own check's finding, and only the one
    situation it describes (so the guide's example is not someone else's)."""
    import sys

    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from ldm503_generated import EXAMPLES, INVALID_CONFIG, example_findings
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    assert set(EXAMPLES) == {spec.name for spec in REGISTRY} - {"invalid"}
    for name, (make, config, _) in EXAMPLES.items():
        assert example_findings(name), name
        found = {f.check for f in run_checks(make(), config)}
        # An external-only prerequisite is necessarily an external one too.
        assert found - {name} <= {"external-prerequisite"}, (name, found)
    assert "cylce" in INVALID_CONFIG.problems()[0]


def test_make_pdf_ends_naming_the_one_pdf() -> None:
    """Issue 27 #9: ``make pdf`` ended by listing 44 files (every diagram is a PDF too)."""
    import re
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is missing")
    root = DOCS.parent
    # The name conf.py gives the document, which latexmk turns into the PDF.
    (tex,) = re.findall(r'"([\w.-]+)\.tex"', (root / "conf.py").read_text(encoding="utf-8"))
    # Not as a sub-make of whatever runs the tests (``make matrix``): its flags would
    # add "Entering/Leaving directory" lines.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    result = subprocess.run(["make", "--no-print-directory", "-n", "pdf"], cwd=root, env=env,
                            capture_output=True, text=True, check=True, timeout=60)
    lines = result.stdout.strip().splitlines()
    assert not [line for line in lines if "*.pdf" in line or line.startswith("ls ")]
    assert lines[-1].endswith(f'echo "The PDF is _build/latex/{tex}.pdf"')
    assert re.findall(r"\S+\.pdf", lines[-1]) == [f"_build/latex/{tex}.pdf"] * 2


# -- the guide's snippets, pasted and run -----------------------------------------------
#
# Each page of a task shows the files of a small project (code blocks captioned with
# the file's path) and the commands to run on it (console blocks, "$ " lines, with the
# output they print below them). The tests take both from the built HTML, as a reader
# copies them, write the files into an empty directory, run the commands there and
# compare what they print with what the page shows.

FILE_CAPTION = re.compile(r"[\w.-]+(?:/[\w.-]+)*")


def code_blocks(page: Path) -> list[tuple[str | None, str]]:
    """Every literal block of a built page, in order: (its caption or None, its text)."""
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    blocks = []
    for pre in soup.find_all("pre"):
        wrapper = pre.find_parent("div", class_="literal-block-wrapper")
        caption = wrapper.find(class_="caption-text") if wrapper else None
        blocks.append((caption.get_text() if caption else None, pre.get_text()))
    return blocks


def page_files(page: Path) -> dict[str, str]:
    """The files a page shows: blocks captioned with a path (``docs/conf.py``)."""
    return {caption: text for caption, text in code_blocks(page)
            if caption and "." in caption and FILE_CAPTION.fullmatch(caption)}


def console(page: Path, caption: str) -> list[tuple[str, list[str]]]:
    """The commands of the console block with that caption, each with its output."""
    (text,) = [text for cap, text in code_blocks(page) if cap == caption]
    commands: list[tuple[str, list[str]]] = []
    pending = ""
    for line in text.splitlines():
        if line.startswith("$ ") or pending:
            command = (pending + " " + line.removeprefix("$ ").strip()).strip()
            pending = command[:-1] if command.endswith("\\\\") else ""
            if not pending:
                commands.append((command, []))
        elif line.strip():
            commands[-1][1].append(line)
    return commands


def write_files(files: dict[str, str], root: Path) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def build(srcdir: Path, outdir: Path, *, builder: str = "html",
          overrides: dict[str, object] | None = None) -> tuple[int, str]:
    """A build as ``sphinx-build`` makes one: its exit status and its warnings."""
    warnings = StringIO()
    with patch_docutils(srcdir), docutils_namespace():
        app = Sphinx(srcdir, srcdir, outdir, outdir / ".doctrees", builder, status=None,
                     warning=warnings, freshenv=True, confoverrides=overrides or {})
        app.build()
    return app.statuscode, warnings.getvalue()


def run_command(command: str, cwd: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run a command of the guide in ``cwd``: ``ldm503`` and ``python`` scripts for real
    (in this process, or a child for scripts), ``sphinx-build`` through its own main;
    ``> FILE`` redirects stdout. Its exit status and stdout."""
    import os
    import shlex
    import subprocess
    import sys

    from sphinx.cmd.build import main as sphinx_build

    from sphinxext_ldm503.cli import main as cli

    argv = shlex.split(command)
    target = None
    if ">" in argv:
        target = argv[argv.index(">") + 1]
        argv = argv[:argv.index(">")]
    old = Path.cwd()
    os.chdir(cwd)
    try:
        capsys.readouterr()
        if argv[0] == "ldm503":
            code = cli.main(argv[1:])
            out = capsys.readouterr().out
        elif argv[0] == "sphinx-build":
            code = sphinx_build([*argv[1:], "-q"])
            out = capsys.readouterr().out
        elif argv[0] == "python":
            proc = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True,
                                  check=False)
            code, out = proc.returncode, proc.stdout
        else:
            raise AssertionError(f"the guide runs no {argv[0]!r} in tests: {command}")
    finally:
        os.chdir(old)
    if target is not None:
        (cwd / target).write_text(out, encoding="utf-8")
        out = ""
    return code, out


def run_console(page: Path, caption: str, cwd: Path, capsys) -> list[int]:
    """Run a console block; each command prints what the page shows (when it shows
    anything). The exit statuses."""
    codes = []
    for command, shown in console(page, caption):
        code, out = run_command(command, cwd, capsys)
        if shown:
            assert out.splitlines() == shown, command
        codes.append(code)
    return codes


def test_the_tutorial_pasted_into_an_empty_project_builds_without_a_warning(
    guide: Path, tmp_path: Path, capsys
) -> None:
    """Issue 27: its two files, copied from the page, build under -W with no warning,
    and ``ldm503 check`` prints what the page says."""
    page = guide / "tutorial.html"
    files = page_files(page)
    assert set(files) == {"conf.py", "index.rst"}
    write_files(files, tmp_path)
    code, warnings = build(tmp_path, tmp_path / "_build" / "html")
    assert (code, warnings) == (0, "")
    assert run_console(page, "check", tmp_path, capsys) == [0]
    # What the page renders is what the snippet declares: the same milestones.
    declared = set(re.findall(r"^\.\. milestone:: (\S+):", files["index.rst"], re.M))
    rendered = set(re.findall(r'<dt class="[^"]*ldm503-signature[^"]*" id="ms-([^"]+)"',
                              page.read_text("utf-8")))
    assert declared == {"TUT-1", "TUT-2"}
    assert rendered == {ms.lower() for ms in declared}
    # The key's words come from the configuration: no DM in a plan without one.
    images = tmp_path / "_build" / "html" / "_images"
    key = " ".join(p.read_text("utf-8") for p in images.glob("*.svg"))
    assert "network milestone" in key and "DM milestone" not in key
    # The guide renders it with the same settings as the pasted project.
    import runpy

    pasted = runpy.run_path(str(tmp_path / "conf.py"))
    guide_conf = runpy.run_path(str(DOCS / "conf.py"))
    for name in ("ldm503_plan_id_pattern", "ldm503_internal_patterns", "ldm503_kind_labels"):
        assert guide_conf[name] == pasted[name], name


def test_guide_import(guide: Path, tmp_path: Path, capsys) -> None:
    page = guide / "guide-import.html"
    write_files({"review.txt": page_files(page)["review.txt"]}, tmp_path)
    assert run_console(page, "import", tmp_path, capsys) == [0, 0]
    (end,) = [text for cap, text in code_blocks(page) if cap == "docs/milestones.rst (end)"]
    assert (tmp_path / "docs" / "milestones.rst").read_text("utf-8").endswith(end)


def test_guide_schedule(guide: Path, tmp_path: Path, capsys) -> None:
    page = guide / "guide-schedule.html"
    write_files(page_files(page), tmp_path)
    assert run_console(page, "check", tmp_path, capsys) == [0]
    code, _ = build(tmp_path / "docs", tmp_path / "html")
    assert code == 0
    document = json.loads((tmp_path / "html" / "ldm503.json").read_text("utf-8"))
    recorded = [[m["id"], m["due"] or "", m["forecast"] or "", m["completed"] or "",
                 m["status"], "yes" if m["declared"] else "no"] for m in document["milestones"]]
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    (table,) = [t for t in soup.find_all("table") if "declared" in t.get_text()]
    shown = [[td.get_text().strip() for td in tr.find_all("td")]
             for tr in table.find("tbody").find_all("tr")]
    assert recorded == shown
    # The changes since the baseline, as the page describes them.
    changes = _text(tmp_path / "html" / "index.html")
    assert "slipped 30 days" in changes and "slipped 76 days" in changes


def test_guide_review(guide: Path, tmp_path: Path, capsys) -> None:
    page = guide / "guide-review.html"
    write_files({"conf.py": page_files(guide / "tutorial.html")["conf.py"]}, tmp_path / "docs")
    write_files(page_files(page), tmp_path)
    assert run_console(page, "check", tmp_path, capsys) == [0]
    assert run_console(page, "gate", tmp_path, capsys) == [1]
    # No warning in the build: the inversion is waived, open queries are information.
    assert build(tmp_path / "docs", tmp_path / "html") == (0, "")


def _workflow_commands(text: str) -> list[str]:
    """The ``run:`` lines of a GitHub workflow, after checking its shape."""
    import yaml

    workflow = yaml.safe_load(text)
    assert workflow["name"] and workflow[True]  # "on:" is YAML 1.1's true
    runs = []
    for job in workflow["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest"
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step), step
            if "run" in step:
                runs.append(step["run"])
    return runs


def test_guide_ci(guide: Path, tmp_path: Path, capsys) -> None:
    """Each workflow's commands run on a plan with findings; the SARIF it uploads is
    valid; the pre-commit configuration names the hook this repository ships."""
    import shutil

    import jsonschema
    import yaml

    page = guide / "guide-ci.html"
    files = page_files(page)
    shutil.copytree(Path(__file__).parent / "roots" / "test-cli-faults", tmp_path / "docs")
    annotations = [c for c in _workflow_commands(files[".github/workflows/test-plan.yml"])
                   if c.startswith("ldm503")]
    assert len(annotations) == 1
    code, out = run_command(annotations[0], tmp_path, capsys)
    assert code == 1
    (example,) = [text for cap, text in code_blocks(page)
                  if cap is None and text.startswith("::error")]
    assert example.strip() in out.splitlines()

    sarif = [c for c in _workflow_commands(files[".github/workflows/test-plan-sarif.yml"])
             if c.startswith("ldm503")]
    assert len(sarif) == 1 and sarif[0].endswith("> ldm503.sarif")
    code, _ = run_command(sarif[0], tmp_path, capsys)
    assert code == 1
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json")
                        .read_text("utf-8"))
    jsonschema.validate(json.loads((tmp_path / "ldm503.sarif").read_text("utf-8")), schema)

    config = yaml.safe_load(files[".pre-commit-config.yaml"])
    (hook,) = config["repos"][0]["hooks"]
    shipped = yaml.safe_load((DOCS.parent / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (ours,) = [h for h in shipped if h["id"] == hook["id"]]
    code, out = run_command(" ".join([ours["entry"], *hook["args"]]), tmp_path, capsys)
    assert code == 1 and "docs/plan.rst:6: error: cycle:" in out


def test_guide_preview(guide: Path, tmp_path: Path) -> None:
    """sphinx-autobuild accepts each command as written, and the fast preview's setting
    builds the tutorial's plan without a warning."""
    import shlex

    autobuild = pytest.importorskip("sphinx_autobuild.__main__")
    page = guide / "guide-preview.html"
    write_files(page_files(guide / "tutorial.html"), tmp_path / "docs")
    (tmp_path / "schedule").mkdir()
    (tmp_path / "schedule" / "milestones.csv").write_text("id\n", encoding="utf-8")
    import os

    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        for caption in ("preview", "watch", "fast"):
            for command, _ in console(page, caption):
                argv = shlex.split(command)
                if argv[0] != "sphinx-autobuild":
                    continue
                args, _ = autobuild._parse_args(argv[1:])
                assert args.sourcedir == (tmp_path / "docs").resolve(), command
    finally:
        os.chdir(old)
    assert build(tmp_path / "docs", tmp_path / "html",
                 overrides={"ldm503_milestone_graphs": "0"}) == (0, "")


def test_guide_publish(guide: Path, tmp_path: Path, capsys) -> None:
    """The HTML commands (the console's and the Pages workflow's) build the tutorial's
    plan; the PDF's Sphinx step writes the LaTeX (TeX itself is the PDF tests' part)."""
    page = guide / "guide-publish.html"
    write_files(page_files(guide / "tutorial.html"), tmp_path / "docs")
    assert run_console(page, "html", tmp_path, capsys) == [0]
    assert (tmp_path / "docs" / "_build" / "html" / "ldm503.json").is_file()
    builds = [c for c in _workflow_commands(page_files(page)[".github/workflows/publish.yml"])
              if c.startswith("sphinx-build")]
    assert [run_command(c, tmp_path, capsys)[0] for c in builds] == [0]
    (pdf,) = [c for c, _ in console(page, "pdf") if c.startswith("sphinx-build")]
    assert pdf == "sphinx-build -M latexpdf docs docs/_build"
    code, _ = run_command(pdf.replace("latexpdf", "latex"), tmp_path, capsys)
    assert code == 0 and list((tmp_path / "docs" / "_build" / "latex").glob("*.tex"))


# sphinx-needs builds through docutils' option parser, which docutils deprecates.
@pytest.mark.filterwarnings("ignore:The frontend.Option:DeprecationWarning")
@pytest.mark.requires_extra("sphinx_needs")
def test_guide_sphinx_needs(guide: Path, tmp_path: Path, capsys) -> None:
    """The complete example builds, checks as shown, lists the open milestone; each
    ``ldm503_needs_as_milestones`` the page shows is accepted."""
    import ast

    page = guide / "sphinx-needs.html"
    write_files(page_files(page), tmp_path)
    assert run_console(page, "check", tmp_path, capsys) == [0]
    code, warnings = build(tmp_path / "docs", tmp_path / "html")
    assert code == 0
    assert [w for w in warnings.splitlines() if "WARNING" in w and "[ldm503." not in w] == []
    assert "TUT-2" in _text(tmp_path / "html" / "index.html")
    values = [ast.literal_eval(line.split("=", 1)[1].strip())
              for _, text in code_blocks(page) for line in text.splitlines()
              if line.startswith("ldm503_needs_as_milestones =")]
    assert len(values) >= 3
    for value in values:
        code, warnings = build(tmp_path / "docs", tmp_path / "html2",
                               overrides={"ldm503_needs_as_milestones": value})
        assert code == 0 and "ldm503_needs_as_milestones" not in warnings, value


def test_guide_upgrade(guide: Path, tmp_path: Path, capsys) -> None:
    page = guide / "guide-upgrade.html"
    files = page_files(page)
    assert files["requirements.txt"].split("==")[1].strip() == __version__
    write_files({"compare_findings.py": files["compare_findings.py"]}, tmp_path)
    write_files(page_files(guide / "guide-review.html"), tmp_path)
    write_files({"conf.py": page_files(guide / "tutorial.html")["conf.py"]}, tmp_path / "docs")
    assert run_console(page, "before", tmp_path, capsys) == [0]
    assert run_console(page, "rebuild", tmp_path, capsys) == [0, 0]
    assert run_console(page, "compare", tmp_path, capsys) == [0]
    # The script has teeth: a finding that appears is printed, and fails.
    after = json.loads((tmp_path / "after.json").read_text("utf-8"))
    after["findings"].append({**after["findings"][0], "check": "cycle"})
    (tmp_path / "after.json").write_text(json.dumps(after), encoding="utf-8")
    code, out = run_command("python compare_findings.py before.json after.json", tmp_path,
                            capsys)
    assert code == 1 and out.startswith("+ cycle: TUT-2")
