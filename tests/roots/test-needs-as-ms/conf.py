extensions = ["sphinx_needs", "sphinxext_ldm503"]
exclude_patterns = ["_build"]
ldm503_milestone_graphs = False
needs_fields = {
    "due": {"description": "Due date", "nullable": True},
    "completed": {"description": "Completion date", "nullable": True},
}
needs_links = {"depends": {"incoming": "needed by", "outgoing": "depends on"}}
ldm503_plan_id_pattern = r"^(LDM-503-\w+|REQ_\w+|SPEC_\w+)$"
ldm503_internal_patterns = ["^LDM-503-", "^REQ_", "^SPEC_"]
ldm503_needs_as_milestones = {"types": ["req", "spec"], "links": ["links", "depends"]}
