"""Exact nearest-passage search over vectors stored in the database.

Each process keeps one normalised float32 matrix of every passage embedded by
the current model and reloads it when the table's generation changes (rows are
only inserted and deleted, so ``(count, max id)`` names a generation). An
optional ``penalty`` (a score to subtract from each passage, computed once per
load: the hub correction of ``hybrid.py``) reorders the hits. A dot
product with numpy is exact and, at the sizes measured in ``bench/search.py``,
fast enough; a scale-out store can replace this class behind the same methods.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from portal.search.models import SearchPassage


@dataclass(frozen=True)
class PassageHit:
    passage_id: int
    slug: str
    lang: str
    position: int
    score: float  # the ranking score: cosine minus the passage's penalty
    similarity: float  # the plain cosine


class VectorStore(Protocol):
    def nearest(self, vector: np.ndarray, k: int) -> list[PassageHit]: ...

    @property
    def generation(self) -> tuple: ...

    def refresh(self) -> None: ...

    def size(self) -> int: ...

    def passages(self, ids: list[int]) -> dict[int, dict]: ...

    def passage_id_at(self, place: tuple[str, str, int]) -> int | None: ...


class DatabaseVectorIndex:
    """Vectors of one model, read from ``search_passage`` into memory."""

    def __init__(self, connect: Callable[[], Connection], model_id: str, dim: int,
                 penalty: Callable[[np.ndarray], np.ndarray] | None = None, check_every: float = 0.0):
        self._connect = connect
        #: Seconds between two looks at the table: new passages show up that much later,
        #: and a search under load does not pay a query for it each time.
        self._check_every = check_every
        self._checked_at = -math.inf
        self._penalty_of = penalty
        self.model_id = model_id
        self.dim = dim
        self._lock = threading.Lock()
        self._generation: tuple | None = None
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._ids = np.zeros(0, dtype=np.int64)
        self._penalty = np.zeros(0, dtype=np.float32)
        self._refs: list[tuple[str, str, int]] = []
        self._by_place: dict[tuple[str, str, int], int] = {}

    def _current_generation(self, conn: Connection) -> tuple:
        count, top = conn.execute(select(func.count(SearchPassage.id), func.max(SearchPassage.id))).one()
        return int(count or 0), int(top or 0)

    def refresh(self) -> None:
        """Reload the matrix if the table changed since the last load (looked at every ``check_every`` s)."""
        now = time.monotonic()
        if self._generation is not None and now - self._checked_at < self._check_every:
            return
        self._checked_at = now
        with self._connect() as conn:
            generation = self._current_generation(conn)
            if generation == self._generation:
                return
            with self._lock:
                if generation == self._generation:
                    return
                rows = conn.execute(
                    select(SearchPassage.id, SearchPassage.slug, SearchPassage.lang, SearchPassage.position,
                           SearchPassage.vector)
                    .where(SearchPassage.model_id == self.model_id).order_by(SearchPassage.id)
                ).all()
        rows = [row for row in rows if len(row.vector) == self.dim * 4]
        matrix = np.frombuffer(b"".join(row.vector for row in rows), dtype=np.float32).reshape(len(rows), self.dim)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if len(rows) else np.ones((0, 1), np.float32)
        matrix = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
        penalty = (self._penalty_of(matrix) if self._penalty_of is not None and len(rows)
                   else np.zeros(len(rows), dtype=np.float32))
        with self._lock:
            self._matrix = matrix
            self._penalty = np.asarray(penalty, dtype=np.float32)
            self._ids = np.array([row.id for row in rows], dtype=np.int64)
            self._refs = [(row.slug, row.lang, row.position) for row in rows]
            self._by_place = {ref: int(row.id) for ref, row in zip(self._refs, rows, strict=True)}
            self._generation = generation

    @property
    def generation(self) -> tuple:
        return self._generation or (0, 0)

    def size(self) -> int:
        return len(self._refs)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``vector`` with every passage (refresh first)."""
        with self._lock:
            matrix = self._matrix
        return matrix @ np.asarray(vector, dtype=np.float32)

    def nearest(self, vector: np.ndarray, k: int) -> list[PassageHit]:
        """The ``k`` passages with the highest ranking score, best first."""
        with self._lock:
            matrix, ids, refs, penalty = self._matrix, self._ids, self._refs, self._penalty
        if not len(refs):
            return []
        similarities = matrix @ np.asarray(vector, dtype=np.float32)
        scores = similarities - penalty
        k = min(k, len(refs))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [PassageHit(int(ids[i]), refs[i][0], refs[i][1], refs[i][2], float(scores[i]), float(similarities[i]))
                for i in top]

    def passages(self, ids: list[int]) -> dict[int, dict]:
        """Text, anchor and place of the given passages."""
        if not ids:
            return {}
        with self._connect() as conn:
            rows = conn.execute(select(SearchPassage.id, SearchPassage.slug, SearchPassage.lang,
                                       SearchPassage.position, SearchPassage.anchor, SearchPassage.heading,
                                       SearchPassage.text).where(SearchPassage.id.in_(ids))).all()
        return {row.id: row._asdict() for row in rows}

    def passage_id_at(self, place: tuple[str, str, int]) -> int | None:
        """The passage at (slug, lang, position), to show a hit in another language version."""
        with self._lock:
            return self._by_place.get(place)
