extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
ldm503_milestone_graphs = False
