"""The words of the diagrams' key come from the configuration, not from LSST.

Issue 27: a plan with no DM milestones was told about "DM milestone" in every key.
``ldm503_kind_labels`` gives the words; without it, "DM milestone" is kept only for a
plan that keeps LSST's default internal patterns (the example plan, and so every test
written for it), and any other plan reads "project milestone".
"""

from __future__ import annotations

from sphinxext_ldm503.core.classify import Classifier
from sphinxext_ldm503.core.config import validate
from sphinxext_ldm503.render.graph import GraphOptions, build_legend_dot
from sphinxext_ldm503.render.graph.legend import kind_words


def test_default_words_follow_the_patterns():
    assert kind_words(GraphOptions()) == {
        "test": "test milestone", "dm": "DM milestone", "external": "external milestone"}
    own = GraphOptions(classifier=Classifier(r"^TUT-\w+$", ("^TUT-", "^NET-")))
    assert kind_words(own)["dm"] == "project milestone"
    assert "DM milestone" not in build_legend_dot(own)
    assert "project milestone" in build_legend_dot(own)


def test_configured_words_are_the_keys():
    options = GraphOptions(kind_labels=(("external", "another team's milestone"),
                                        ("project", "network milestone"),
                                        ("test", "acceptance test")))
    source = build_legend_dot(options)
    for words in ("another team's milestone", "network milestone", "acceptance test"):
        assert words in source
    for words in ("DM milestone", "test milestone", "external milestone"):
        assert words not in source
    # Only the kinds a diagram draws are in its key.
    assert "network milestone" not in build_legend_dot(options, used={"test", "plain"})


def test_bad_settings_are_reported_and_ignored():
    fixed, problems = validate({"ldm503_kind_labels": {
        "dm": "old name", "project": "  network\n milestone ", "test": "", "external": 3}})
    assert fixed["ldm503_kind_labels"] == {"project": "network milestone"}
    messages = [message for name, message in problems if name == "ldm503_kind_labels"]
    assert len(messages) == 3
    assert "unknown kind 'dm'" in messages[0] and "project" in messages[0]
    fixed, problems = validate({"ldm503_kind_labels": ["test"]})
    assert fixed["ldm503_kind_labels"] == {} and problems
