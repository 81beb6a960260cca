extensions = ["sphinx_needs", "sphinxext_ldm503"]
exclude_patterns = ["_build"]
ldm503_milestone_graphs = False
needs_build_json = True
# The project's own configuration is kept: one more link type, one more field.
needs_links = {"verifies": {"incoming": "verified by", "outgoing": "verifies"}}
needs_fields = {"owner": {"description": "Who owns it", "nullable": True}}
ldm503_internal_patterns = ["^LDM-503-", "^DM-", "^SPEC_"]
