extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
ldm503_milestone_graphs = False
ldm503_today = "2019-04-30"
