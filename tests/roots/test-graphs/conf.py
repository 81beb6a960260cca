extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
graphviz_output_format = "svg"
ldm503_at_risk_patterns = ["^DM-SUIT-"]
