"""Sphinx configuration of the example test plan (sources in example-docs/).

`make html` runs `sphinx-build -c . example-docs _build/html`.
"""

project = "LDM-503 test milestones"
# The PDF's title page: the document's handle, its version and the date the plan is as of
# (the review's), not the build date.
version = release = "2019.04"
ldm503_document_handle = "LDM-503"
ldm503_plan_date = "2019-04-30"
author = "Rubin Observatory Data Management"
copyright = "2019, AURA/LSST"
extensions = ["sphinx_needs", "sphinxext_ldm503"]
exclude_patterns = ["_build", "README*"]
root_doc = "index"

# The schedule export the milestones' dates and status come from.
ldm503_catalog = "milestones.csv"
# The March 2018 baseline, compared with the April 2019 export on the changes page.
ldm503_catalog_previous = "milestones-2018-03.csv"
# The schedule's predecessors include JIRA tickets and bare activity codes, which no test
# plan names: leave them out of the schedule-drift comparison.
ldm503_drift_ignore_patterns = [r"^DM-\d+$", r"^A\d+$"]
# The reviewer: "We should assume that all SUIT milestones are at risk."
ldm503_at_risk_patterns = ["^DM-SUIT-"]
# The diagrams' key in LSST's words: the other internal milestones are Data Management's.
ldm503_kind_labels = {"test": "test milestone", "project": "DM milestone"}
# Dates in the example are judged as of the review (April 2019), not the build date.
ldm503_today = "2019-04-30"

graphviz_output_format = "svg"
# Rubin Observatory publishes with pydata-sphinx-theme (documenteer's user guides): the
# theme LDM-503's authors would use. The extension looks right in furo, sphinx-rtd-theme
# and alabaster too (the browser tests build the example in each, light and dark). The
# whole-plan page (dependency-graph.rst) turns off the secondary sidebar and furo's table
# of contents in its own metadata: the diagram takes their room.
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "logo": {"text": "LDM-503 test milestones"},
    # The four chapters in the header, the rest under "More": with all seven the titles
    # wrapped onto two lines and pushed the light/dark switch under the search box.
    "header_links_before_dropdown": 4,
    # The schedule, the report and the drift page are wide tables: the whole width.
    "secondary_sidebar_items": {"**": ["page-toc", "sourcelink"], "schedule": [], "report": [],
                                "drift": []},
}
# Every page is a top-level chapter (they are in the header), so pydata's section
# navigation would be an empty column.
html_sidebars = {"**": []}
html_title = "LDM-503: test milestones and their dependencies"

# --- LaTeX / PDF (`make pdf`) ------------------------------------------------------------
# The PDF is built with latexmk from Sphinx's LaTeX; sphinxext_ldm503 adds its own style
# package (badges, table columns, landscape pages). Three-quarter-inch margins give the
# schedule, the report and the whole-plan diagram the room a printed page has.
latex_documents = [
    ("index", "ldm503-test-milestones.tex", "LDM-503: Test milestones and their dependencies",
     author, "manual"),
]
# Figures numbered within their chapter ("Figure 4.2"), in the PDF as on the web.
numfig = True
numfig_secnum_depth = 1
numfig_format = {"figure": "Figure %s"}
latex_elements = {
    "releasename": "Version",
    "papersize": "letterpaper",
    "sphinxsetup": "hmargin=0.75in, vmargin=0.75in",
    # One-sided: chapters start on the next page, not the next odd one (no blank pages).
    "extraclassoptions": "openany,oneside",
    # The contents list every milestone: in a smaller size, with less space between
    # chapters (sphinxext-ldm503.sty), they fit one page.
    "preamble": r"\makeatletter\g@addto@macro\sphinxtableofcontentshook{\ldmtightcontents}"
                r"\makeatother",
}
