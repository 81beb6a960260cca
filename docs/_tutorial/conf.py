# The tutorial's conf.py: a test plan's whole configuration.
project = "Alert pipeline test plan"
extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
graphviz_output_format = "svg"  # clickable diagrams that can be explored

# This plan's own milestones: one of these that is declared nowhere is a mistake.
ldm503_plan_id_pattern = r"^TUT-\w+$"
# Milestones of the project (this plan's and the network team's); any other
# prerequisite is an external dependency, and the checks say so.
ldm503_internal_patterns = ["^TUT-", "^NET-"]
# The words of the diagrams' key for each kind of milestone.
ldm503_kind_labels = {"test": "test milestone", "project": "network milestone"}
