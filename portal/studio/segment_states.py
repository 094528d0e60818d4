"""What the side-by-side editor stored about a translation's segments, and the rules read from it.

A translation draft made in the editor keeps, in ``ArticleVersion.segment_states``,
the state of each segment and the hashes of the source segments it was aligned
with. Publishing (:mod:`portal.studio.workflow`) and the editor
(:mod:`portal.studio.segments`) both read it here, so neither imports the other.
"""
from __future__ import annotations

from enum import StrEnum

from portal.kb.models import ArticleVersion
from portal.translation.freshness import segment_hashes


class SegmentState(StrEnum):
    """The state of one segment of a side-by-side translation draft (stored as its value)."""

    HUMAN = "human"  # a person wrote it
    MACHINE = "machine"  # machine output nobody has checked
    REVIEWED = "machine_reviewed"  # machine output a person checked
    STALE = "stale"  # its source segment changed since
    MISSING = "missing"  # not translated yet


HUMAN_STATE, MACHINE, REVIEWED, STALE, MISSING = SegmentState
#: States that block publishing: a person has not yet answered for these segments.
UNRESOLVED = frozenset({MACHINE, STALE, MISSING})


def unresolved_segments(version: ArticleVersion) -> int:
    """Segments of the side-by-side draft nobody has answered for yet."""
    states = (version.segment_states or {}).get("states") or []
    return sum(1 for state in states if state in UNRESOLVED)


def alignment_is_current(version: ArticleVersion) -> bool:
    """Was the side-by-side draft made against the source as it is now?"""
    aligned = version.segment_states or {}
    source = version.article.source
    return source is not None and aligned.get("source_hashes") == segment_hashes(source)
