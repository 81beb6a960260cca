"""The ``ldm503`` command line: checks, exports, imports and schedule tools over the core.
"""
