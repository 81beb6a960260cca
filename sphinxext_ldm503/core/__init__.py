"""The pure core: the plan's model, parsing, configuration, checks, catalogs, schedules and
exports. Imports neither Sphinx nor docutils, so the command line and the unit tests use it
bare.
"""
