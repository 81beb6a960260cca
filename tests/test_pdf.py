"""The example plan as a PDF (``make pdf``): every ID whole, every figure on its page.

One build of ``example-docs/`` with latexmk is shared by the tests of this module.
They need TeX (``.ci/ensure-tex`` installs it): without it they are skipped on a
developer's machine and fail in CI (``CI`` set), where a skip would hide a regression.
Rendered pages are left in ``_build/test-pdf/pages/`` for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sphinxext_ldm503.core.importer import model_from_review, parse_review

REPO = Path(__file__).parent.parent
SEED = Path(__file__).parent / "data" / "seed-review.txt"
OUT = REPO / "_build" / "test-pdf"
TOOLS = ("latexmk", "pdflatex", "pdftotext", "pdftoppm", "pdfinfo", "make")

pytestmark = pytest.mark.pdf


def _require_tex() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = f"missing {', '.join(missing)}: run .ci/ensure-tex (or see the README)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must build the PDF: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def pdf_build() -> Path:
    """Build the example's PDF once; the LaTeX output directory."""
    _require_tex()
    if OUT.exists():
        shutil.rmtree(OUT)
    src = OUT / "src"
    shutil.copytree(REPO / "example-docs", src)
    shutil.copy(REPO / "conf.py", src / "conf.py")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-M", "latexpdf", str(src), str(OUT / "build"), "-q"],
        capture_output=True, text=True, timeout=900, check=False,
    )
    latex = OUT / "build" / "latex"
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return latex


@pytest.fixture(scope="module")
def pdf(pdf_build: Path) -> Path:
    (path,) = [p for p in pdf_build.glob("*.pdf") if not p.name.startswith("graphviz-")]
    return path


@pytest.fixture(scope="module")
def text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def pages(text: str) -> list[str]:
    return text.split("\f")


def declared_ids() -> list[str]:
    seed = model_from_review(parse_review(SEED.read_text(encoding="utf-8"), "seed"))
    return [ms.id for ms in seed]


def _whole(ms_id: str, chunk: str) -> bool:
    """The ID as one token (not cut, not split at a hyphen, not a prefix of another)."""
    return re.search(rf"(?<![\w-]){re.escape(ms_id)}(?![\w-])", chunk) is not None


def _between(pages: list[str], start: str, stop: str | None) -> str:
    """The text of the pages from the chapter titled ``start`` to the one titled ``stop``."""
    first = next(i for i, p in enumerate(pages) if start in p and "CHAPTER" in p.upper()
                 and "CONTENTS" not in p)
    last = len(pages)
    if stop is not None:
        last = next(i for i, p in enumerate(pages) if i > first and stop in p)
    return "\n".join(pages[first:last])


def test_every_id_whole_in_the_schedule(pages) -> None:
    schedule = _between(pages, "SCHEDULE OF TEST MILESTONES", "CONSISTENCY REPORT")
    missing = [ms_id for ms_id in declared_ids() if not _whole(ms_id, schedule)]
    assert not missing
    assert "…" not in schedule


def test_every_id_whole_in_the_report(pages, pdf_build) -> None:
    report = _between(pages, "CONSISTENCY REPORT", None)
    # Every milestone with a finding is named in the report's tables.
    import json

    data = json.loads((pdf_build / "ldm503.json").read_text(encoding="utf-8"))
    named = {f["milestone"] for f in data["findings"] if f.get("milestone")}
    assert named
    missing = [ms_id for ms_id in sorted(named) if not _whole(ms_id, report)]
    assert not missing
    for check in {f["check"] for f in data["findings"]}:
        assert _whole(check, report), check


def test_badges_read_apart_from_titles(pages) -> None:
    schedule = _between(pages, "SCHEDULE OF TEST MILESTONES", "CONSISTENCY REPORT")
    # Small caps in brackets: "[COMPLETED]", never "com-pleted".
    assert re.search(r"\[\s*completed\s*\]", schedule, re.IGNORECASE)
    assert "com-\n" not in schedule and "pleted com" not in schedule


def test_no_blank_pages(pages) -> None:
    """Every page carries more than its running head and page number."""
    nearly_blank = [i for i, page in enumerate(pages[:-1], start=1)  # text ends with \f
                    if len([line for line in page.splitlines() if line.strip()]) <= 3]
    assert not nearly_blank


def test_diagram_keys_stay_with_their_diagrams(pages) -> None:
    """The key under a milestone's diagram never opens a page on its own."""
    stranded = []
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        # Line 0 is the running head.
        if len(lines) > 1 and lines[1].startswith("Arrows point from a prerequisite"):
            stranded.append(number)
    assert not stranded


def test_every_caption_is_present(text) -> None:
    flat = " ".join(text.split())
    captions = []
    for rst in sorted((REPO / "example-docs").glob("*.rst")):
        captions += re.findall(r"^\s+:caption:\s*(.+)$", rst.read_text(encoding="utf-8"),
                               re.MULTILINE)
    assert captions
    for caption in captions:
        if caption.strip() == "Analysis":  # the toctree's caption, not a figure
            continue
        assert " ".join(caption.split()) in flat, caption


def test_contents_list_every_milestone(pages) -> None:
    contents = "\n".join(p for p in pages[:6] if "CONTENTS" in p.upper())
    missing = [ms_id for ms_id in declared_ids() if not _whole(ms_id, contents)]
    assert not missing


def _pdf_string(raw: str) -> str:
    """hyperref's bookmark text: octal escapes and literal characters, UTF-16 when marked."""
    data = bytearray()
    for octal, char in re.findall(r"\\(\d{3})|\\?(.)", raw):
        data += bytes([int(octal, 8)]) if octal else char.encode("latin-1")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    return data.decode("latin-1")


def test_every_milestone_is_a_bookmark(pdf_build) -> None:
    (out,) = pdf_build.glob("*.out")
    titles = [_pdf_string(m.group(1)) for m in re.finditer(
        r"\\BOOKMARK \[\d+\]\[-\]\{[^}]*\}\{(.*)\}\{[^}]*\}%",
        out.read_text(encoding="latin-1"))]
    bookmarked = "\n".join(titles)
    missing = [ms_id for ms_id in declared_ids() if not _whole(ms_id, bookmarked)]
    assert not missing


def test_log_has_no_float_too_large_or_wide_overfull_box(pdf_build) -> None:
    (log,) = pdf_build.glob("*.log")
    content = log.read_text(encoding="latin-1")
    assert "Float too large" not in content
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", content)]
    assert all(w <= 10 for w in widths), sorted(widths)[-5:]


def test_whole_plan_labels_at_least_six_points(pdf_build) -> None:
    """The whole-plan diagrams' 12-point labels, as scaled on paper (logged by the style)."""
    from sphinxext_ldm503.render.graph.style import FONT_SIZE

    (log,) = pdf_build.glob("*.log")
    content = log.read_text(encoding="latin-1").replace("\n", "")  # TeX wraps at 79
    sizes = [FONT_SIZE * float(printed) * 72 / 72.27 / float(natural)
             for natural, printed in re.findall(
                 r"ldm503-diagram: plan \S+ natural (\d+)bp printed ([\d.]+)pt", content)]
    assert len(sizes) >= 2  # by dependency and by quarter (and the ops rehearsals)
    assert min(sizes) >= 6, sizes


def test_whole_plan_page_shows_upright(pdf, pages) -> None:
    """Its sideways float page is turned for viewers, as landscape pages are."""
    (number,) = [i for i, page in enumerate(pages, start=1)
                 if "LDM-503 test milestones and their prerequisites" in page
                 and "CONTENTS" not in page.upper()]
    info = subprocess.run(["pdfinfo", "-f", str(number), "-l", str(number), str(pdf)],
                          capture_output=True, text=True, check=True).stdout
    assert re.search(rf"Page\s+{number} rot:\s+90", info), info


def test_hostile_titles_and_ids_compile(tmp_path) -> None:
    """The test root with TeX specials in titles, IDs and captions builds a PDF."""
    _require_tex()
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests" / "roots" / "test-latex", src)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-M", "latexpdf", str(src), str(tmp_path / "b"), "-q",
         "-D", "ldm503_document_handle=T&SC_#1 {x} 100%", "-D", "ldm503_plan_date=2019-04-30"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (pdf,) = [p for p in (tmp_path / "b" / "latex").glob("*.pdf")
              if not p.name.startswith("graphviz-")]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Costs 100% & $5 #1 {x} \\relax" in text
    assert "T&SC_#1%-1150-0600" in text
    # The title page's handle and plan date, escaped like every other text.
    title = text.split("\f", 1)[0]
    assert "T&SC_#1 {x} 100%" in title and "Plan date: 2019-04-30" in title


def test_a_howto_title_page_names_the_handle_over_the_title(tmp_path) -> None:
    """Sphinx's howto title page, with the handle on a line over the title (in the PDF's
    title too) and the plan date; the pages after it do not repeat the handle."""
    _require_tex()
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests" / "roots" / "test-latex", src)
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('latex_documents = [("index", "howto.tex", "A short test plan", '
                   '"Someone", "howto")]\n')
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-M", "latexpdf", str(src), str(tmp_path / "b"), "-q",
         "-D", "ldm503_document_handle=LDM-999", "-D", "ldm503_plan_date=2019-04-30"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    pdf = tmp_path / "b" / "latex" / "howto.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    title, *rest = text.split("\f")
    lines = [line.strip() for line in title.splitlines() if line.strip()]
    assert lines[:2] == ["LDM-999", "A short test plan"]
    assert "Plan date: 2019-04-30" in title
    # Sphinx's howto layout: the contents follow on the title's page (the manual's title
    # page stands alone).
    assert "Contents" in title
    assert not any("LDM-999" in page for page in rest)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Title:\s+LDM-999: A short test plan$", info, re.M), info


def test_ms_references_carry_page_numbers(pages) -> None:
    intro = "\n".join(pages[:6])
    assert re.search(r"Final Operations Rehearsal \(page \d+\)", intro)


def test_pages_rendered_for_a_person(pdf, pages) -> None:
    """First pages, the whole-plan diagram and the schedule, as PNGs to look at."""
    out = OUT / "pages"
    out.mkdir(parents=True, exist_ok=True)
    wanted = {1, 3}
    for i, page in enumerate(pages, start=1):
        if "SCHEDULE OF TEST MILESTONES" in page or "LDM-503 test milestones and their" in page:
            wanted.add(i)
    for number in sorted(wanted):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number),
                        str(pdf), str(out / "page")], check=True, timeout=120)
    assert len(list(out.glob("page-*.png"))) >= len(wanted)


# -- long IDs (issue 25 #15): a project of their own, not the example -----------------

LONG_ID = "LDM-503-INTEGRATION-TESTS-FOR-THE-PROMPT-SVC-1"


@pytest.fixture(scope="module")
def long_ids_pdf(tmp_path_factory) -> tuple[str, str]:
    """The text (``pdftotext -layout``) and the LaTeX log of tests/roots/test-latex-long-ids."""
    _require_tex()
    base = tmp_path_factory.mktemp("long-ids")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-M", "latexpdf",
         str(REPO / "tests" / "roots" / "test-latex-long-ids"), str(base), "-q"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    latex = base / "latex"
    (pdf,) = [p for p in latex.glob("*.pdf") if not p.name.startswith("graphviz-")]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    (log,) = latex.glob("*.log")
    return text, log.read_text(encoding="utf-8", errors="replace")


def _column_run(lines: list[str], first: int, column: int) -> str:
    """The text a table column holds from row ``first`` on, lines joined, up to the
    first line that does not continue it (a piece not ending in a hyphen ends it)."""
    pieces = []
    for line in lines[first:]:
        piece = line[column:].split("  ")[0].strip() if len(line) > column else ""
        if not piece:
            break
        pieces.append(piece)
        if not piece.endswith("-"):
            break
    return "".join(pieces)


def test_long_ids_are_whole_and_stay_in_their_column(long_ids_pdf) -> None:
    text, log = long_ids_pdf
    # Nothing runs off the page or into the next column (a 46-character ID ran
    # 100 points into the title column, a 200-character one 870 points off the page).
    assert not re.findall(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)", log)
    lines = text.splitlines()
    # The schedule: the ID's first piece alone in its column, the title apart from it.
    row = next(i for i, line in enumerate(lines)
               if re.search(r"LDM-503-\s{2,}Forty-six characters", line))
    column = lines[row].index("LDM-503-")
    assert _column_run(lines, row, column) == LONG_ID
    # The report: the milestone and the related ID, each whole in its own column.
    report = next(i for i, line in enumerate(lines) if re.search(r"open-query\s+LDM-503-", line))
    assert _column_run(lines, report, lines[report].index("LDM-503-")) == LONG_ID
    related = lines[report].index("DM-NCSA-")
    assert _column_run(lines, report, related) == \
        "DM-NCSA-INTEGRATION-OF-THE-DATA-BACKBONE-AND-ARCHIVE-2"
    # The index: the long ID wraps after a hyphen of its own, short ones never do.
    index = "\n".join(lines[next(i for i, line in enumerate(lines) if line.strip() == "INDEX"):])
    assert re.search(r"^LDM-503-01 \(milestone\)", index, re.MULTILINE)
    assert re.search(r"^LDM-503-INTEGRATION-TESTS-FOR-THE-PROMPT-\n\s+SVC-1 \(milestone\)",
                     index, re.MULTILINE)


# -- the PDF a project manager signs (issue 27, items 7 and 8) ------------------------


def test_title_page_names_handle_version_and_plan_date(pages) -> None:
    """Handle, title, version and plan date from conf.py; never the build's date."""
    title = " ".join(pages[0].split())
    # The title opens with the handle: once, not over it again.
    assert title.startswith("LDM-503: Test milestones and their dependencies")
    assert title.count("LDM-503") == 1
    assert "Version 2019.04" in title
    assert "Plan date: 2019-04-30" in title
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d, \d{4}",
                         title)


def test_figures_are_numbered_within_their_chapter(pages) -> None:
    """"Figure 4.2", once each, in order within each chapter; no bare "Fig. 1"."""
    numbers: list[tuple[int, int]] = []
    chapter = 0
    for page in pages[3:]:  # after the title page and the contents
        head = " ".join(page.split()[:3]).upper()
        if head.startswith("CHAPTER"):
            chapter += 1
        for c, n in re.findall(r"Figure (\d+)\.(\d+):", page):
            numbers.append((int(c), int(n)))
            # A figure floats, but never out of its chapter (one page at most, at its end).
            assert int(c) in (chapter, chapter - 1), (c, n, chapter)
    assert len(numbers) >= 30
    assert len(set(numbers)) == len(numbers), "a figure number is printed twice"
    assert not re.search(r"\bFig\. \d+:", "\n".join(pages))
    by_chapter: dict[int, list[int]] = {}
    for c, n in numbers:
        by_chapter.setdefault(c, []).append(n)
    for c, ns in by_chapter.items():
        assert sorted(ns) == list(range(1, len(ns) + 1)), (c, ns)
    assert len(by_chapter) >= 4


def test_every_milestone_diagram_is_captioned(text) -> None:
    """"Figure 1.2: Dependencies of LDM-503-02" under each test milestone's diagram."""
    flat = " ".join(text.split())
    captioned = set(re.findall(r"Figure \d+\.\d+: Dependencies of (\S+)", flat))
    missing = [ms_id for ms_id in declared_ids() if ms_id not in captioned]
    assert not missing


def test_contents_fit_one_page(pages) -> None:
    """Every chapter and milestone line on the contents' page, the index's line last."""
    (number,) = [i for i, page in enumerate(pages[:6]) if "CONTENTS" in page.upper()
                 and "Early integration" in page]
    lines = [line.strip() for line in pages[number].splitlines() if line.strip()]
    assert re.match(r"Index\s+\d+$", lines[-2]), lines[-3:]  # the last is the page number
    leaders = re.compile(r"(\. ){4,}")
    assert not leaders.search(pages[number + 1])


def _page_fill(pdf: Path, number: int, dpi: int = 30, margin_in: float = 0.75) -> float:
    """How far down the text block the page's ink reaches (0 to 1).

    The page is rendered grey (``pdftoppm -gray``, one byte a pixel), as a viewer shows
    it (a landscape page turned upright); the text block is the page less conf.py's
    0.75-inch margins (the same on every side), so the running head and foot, which
    sit in the margins, do not count. Diagrams count as ink, as a reader sees them.
    """
    out = subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(number), "-l",
                          str(number), str(pdf)], capture_output=True, check=True,
                         timeout=120).stdout
    magic, width, height, _maxval, data = out.split(maxsplit=4)
    assert magic == b"P5"
    w, h = int(width), int(height)
    top, bottom = round(margin_in * dpi), h - round(margin_in * dpi)
    inked = [row for row in range(top, bottom) if min(data[row * w:(row + 1) * w]) < 160]
    return (inked[-1] - top + 1) / (bottom - top) if inked else 0.0


def test_no_page_left_half_empty_within_a_chapter(pdf, pages) -> None:
    """Before a float page (the whole-plan diagrams) or a diagram too tall for the rest
    of a page, at least half the page is used; only a chapter's last page may be short.
    (The dependency chapter's first page was a quarter full before its two figures.)"""
    fills = {}
    short = []
    for number in range(2, len(pages) - 1):  # after the title page; the text ends with \f
        following = pages[number]  # pages[] is 0-based: the page after this one
        if "CHAPTER" in " ".join(following.split()[:3]).upper() or "INDEX" in following[:200]:
            continue  # a chapter's (or the document's) last page
        fill = _page_fill(pdf, number)
        fills[number] = fill
        if fill < 0.5:
            short.append((number, round(fill, 2)))
    assert len(fills) > 40
    assert not short


def test_float_pages_name_no_other_section(pages) -> None:
    """The whole-plan diagram's page (section 5.1) ran under the foot "5.2. By quarter"."""
    (page,) = [p for p in pages if "Figure 5.1: LDM-503 test milestones and their" in p]
    assert "By quarter" not in page
    assert "LDM-503: Test milestones and their dependencies" in page  # the head stays


def test_milestone_dates_and_status_on_one_line(text) -> None:
    """Item 7: Due, Forecast, Completed and Status one line, not four two-line fields."""
    assert re.search(r"Due\s+2017-11-30\s+Forecast\s+2017-12-01\s+Completed\s+2017-12-01"
                     r"\s+Status\s+\[\s*completed\s*\]", text, re.IGNORECASE)
    lines = text.splitlines()
    assert not [line for line in lines if line.strip() in ("Due", "Forecast", "Status")]


def _words(pdf: Path, first: int, last: int) -> list[tuple[float, float, float, float, str]]:
    """``(x0, y0, x1, y1, word)`` of every word on the pages (``pdftotext -bbox``)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(first), "-l", str(last), str(pdf),
                          "-"], capture_output=True, text=True, check=True).stdout
    return [(float(x0), float(y0), float(x1), float(y1), word)
            for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"([^<]*)</word>", out)]


def test_milestone_headings_are_larger_than_body_text(pdf, pages) -> None:
    """A milestone's title is set a size up from the running text around it."""
    (number,) = [i for i, page in enumerate(pages, start=1)
                 if re.search(r"^\s*LDM-503-02: HSC reprocessing\s*$", page, re.MULTILINE)]
    words = _words(pdf, number, number)
    (heading,) = [w for w in words if w[4] == "LDM-503-02:"]
    title = [w for w in words if abs(w[3] - heading[3]) < 1 and w[0] > heading[0]]
    assert [w[4] for w in title] == ["HSC", "reprocessing"]
    heights = sorted(w[3] - w[1] for w in words)
    body = heights[len(heights) // 2]
    assert min(w[3] - w[1] for w in title) > 1.15 * body


def test_impact_shifts_sit_inside_their_boxes(pdf, pages) -> None:
    """Each "+90d" is right under an ID (in its box), not floating between boxes."""
    numbers = [i for i, page in enumerate(pages, start=1)
               if re.search(r"(?<![\w-])\+\d+d(?!\w)", page)]
    shifts = 0
    for number in numbers:
        words = _words(pdf, number, number)
        for x0, y0, x1, _y1, word in words:
            if not re.fullmatch(r"\+\d+d", word):
                continue
            shifts += 1
            centre = (x0 + x1) / 2
            above = [w for w in words if re.fullmatch(r"(LDM|DM)-[\w-]+", w[4])
                     and w[0] <= centre <= w[2] and -3 <= y0 - w[3] <= 6]
            assert above, (number, word, x0, y0)
    assert shifts >= 8  # 2 + 1 + 6 moved milestones in the example's three views


def test_milestone_headings_never_end_a_page(pages) -> None:
    """A heading is followed on its page by the milestone's dates (the facts line)."""
    first = next(i for i, p in enumerate(pages) if "EARLY INTEGRATION" in p
                 and "CHAPTER" in p.upper() and "CONTENTS" not in p.upper())
    last = next(i for i, p in enumerate(pages) if i > first and "DEPENDENCY DIAGRAMS" in p)
    headings = 0
    for number in range(first, last):
        lines = [line for line in pages[number].splitlines() if line.strip()]
        for index, line in enumerate(lines):
            # At the margin, and no reference (those carry "(page N)" in this PDF).
            if not re.match(r"LDM-503-\w+: \S", line) or "(page" in line:
                continue
            headings += 1
            # The next line, or the one after when the title wraps; never the page number.
            following = [text.strip() for text in lines[index + 1:index + 3]
                         if index + 1 < len(lines) - 1]
            assert any(re.match(r"(Due|Forecast|Completed|Status)\b", text, re.IGNORECASE)
                       for text in following), (number + 1, line.strip(), following)
    assert headings == len(declared_ids())
