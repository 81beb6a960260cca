"""Pure renderers: DOT for diagrams (:mod:`.graph`), the schedule's DOT, the timeline chart,
SVG text edits, and the one way ``dot`` is run. Built from the core's model; no Sphinx.
"""
