extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
