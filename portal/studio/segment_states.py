"""What the side-by-side editor stored about a translation's segments, and the rules read from it.

A translation draft made in the editor keeps, in ``ArticleVersion.segment_states``,
the state of each segment and the hashes of the source segments it was aligned
with. Publishing (:mod:`portal.studio.workflow`) and the editor
(:mod:`portal.studio.segments`) both read it here, so neither imports the other.
"""
from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Alignment:
    """What the side-by-side editor stored about a draft: the source revision and segment
    hashes it was aligned with, and the state of each segment (None: not recorded)."""

    source_revision: int | None
    source_hashes: tuple[str, ...]
    states: tuple[SegmentState | None, ...]

    @classmethod
    def of(cls, version: ArticleVersion) -> Alignment | None:
        """The alignment stored on ``version`` (the one reader of the JSON column), or None.

        Values of the wrong type (an old or hand-edited row) are never trusted: a state
        that is not one of ours counts as missing (nobody has answered for that segment).
        """
        stored = version.segment_states
        if not isinstance(stored, dict) or not stored:
            return None
        revision = stored.get("source_revision")
        hashes = stored.get("source_hashes")
        states = stored.get("states")
        known = {state.value for state in SegmentState}
        return cls(
            source_revision=revision if isinstance(revision, int) and not isinstance(revision, bool) else None,
            source_hashes=tuple(h for h in hashes if isinstance(h, str)) if isinstance(hashes, list) else (),
            states=tuple(None if s is None or s == "" else SegmentState(s) if isinstance(s, str) and s in known
                         else SegmentState.MISSING for s in states) if isinstance(states, list) else (),
        )

    def store(self, version: ArticleVersion) -> None:
        """Keep this alignment on ``version``."""
        version.segment_states = {"source_revision": self.source_revision, "source_hashes": list(self.source_hashes),
                                  "states": [state.value if state else None for state in self.states]}

    @property
    def unresolved(self) -> int:
        """Segments nobody has answered for yet."""
        return sum(1 for state in self.states if state in UNRESOLVED)

    def is_current(self, source: ArticleVersion | None) -> bool:
        """Was it made against ``source`` as it is now?"""
        return source is not None and list(self.source_hashes) == segment_hashes(source)


def unresolved_segments(version: ArticleVersion) -> int:
    """Segments of the side-by-side draft nobody has answered for yet."""
    aligned = Alignment.of(version)
    return aligned.unresolved if aligned is not None else 0


def alignment_is_current(version: ArticleVersion) -> bool:
    """Was the side-by-side draft made against the source as it is now?"""
    aligned = Alignment.of(version)
    return aligned is not None and aligned.is_current(version.article.source)
