"""Sphinx configuration of the user guide (``make docs`` builds it into _build/docs/).

The root conf.py is the example plan; this is the guide. Its reference tables are
generated from the code by ``_ext/ldm503_reference.py``, its examples (check findings,
``--help`` texts, a JSON document) by ``_ext/ldm503_generated.py``, and its tutorial plan is
built by the extension itself.
"""

import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "sphinxext-ldm503"
author = "sphinxext-ldm503 developers"
copyright = "2026, sphinxext-ldm503 developers"
extensions = ["sphinxext_ldm503", "ldm503_reference", "ldm503_generated"]
# _tutorial/: the tutorial's project, shown and included by tutorial.rst.
exclude_patterns = ["_build", "_tutorial"]
root_doc = "index"
graphviz_output_format = "svg"
# The tutorial's small plan is dated as of its own review, not the build date.
ldm503_today = "2019-04-30"
# The tutorial's plan (tutorial.rst includes _tutorial/index.rst) is rendered with the
# tutorial's own settings: its own milestones, the network project's as internal, and
# the words of its diagrams' key.
_tutorial = runpy.run_path(str(Path(__file__).parent / "_tutorial" / "conf.py"))
ldm503_plan_id_pattern = _tutorial["ldm503_plan_id_pattern"]
ldm503_internal_patterns = _tutorial["ldm503_internal_patterns"]
ldm503_kind_labels = _tutorial["ldm503_kind_labels"]
del _tutorial  # not a setting: Sphinx would try to keep it with the environment
# The guide is not a test plan: its own milestones need no JSON artifact.
ldm503_json = False
html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False, "logo": {"text": "sphinxext-ldm503"}}
html_sidebars = {"**": []}
html_title = "sphinxext-ldm503 user guide"
