"""Accessibility checks for the help portal.

``accessibility.lint`` checks knowledge-base article Markdown before publishing
(``portal kb lint DIR`` on the command line); ``accessibility.readability``
scores how easy a text is to read; ``accessibility.blocks`` parses Markdown the
way the renderer does and ``accessibility.colours`` holds the colour vocabulary
the colour-only rule uses. ``vendor/`` holds axe-core for the browser
tests and is not Python.
"""
from accessibility.lint import ERROR, WARNING, Finding, has_errors, is_vague_link_text, lint_markdown, localize
from accessibility.readability import THRESHOLDS as READABILITY_THRESHOLDS
from accessibility.readability import readability

__all__ = [
    "ERROR",
    "READABILITY_THRESHOLDS",
    "WARNING",
    "Finding",
    "has_errors",
    "is_vague_link_text",
    "lint_markdown",
    "localize",
    "readability",
]
