"""Exact nearest-passage search over vectors stored in the database.

Each process keeps one normalised float32 matrix of every passage embedded by
the current model and reloads it when the table's generation changes (rows are
only inserted and deleted, so ``(count, max id)`` names a generation). A dot
product with numpy is exact and, at the sizes measured in ``bench/search.py``,
fast enough; a scale-out store can replace this class behind the same methods.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol
from collections.abc import Callable

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
    score: float


class VectorStore(Protocol):
    def nearest(self, vector: np.ndarray, k: int) -> list[PassageHit]: ...

    @property
    def generation(self) -> tuple: ...

    def size(self) -> int: ...

    def passages(self, ids: list[int]) -> dict[int, dict]: ...


class DatabaseVectorIndex:
    """Vectors of one model, read from ``search_passage`` into memory."""

    def __init__(self, connect: Callable[[], Connection], model_id: str, dim: int):
        self._connect = connect
        self.model_id = model_id
        self.dim = dim
        self._lock = threading.Lock()
        self._generation: tuple | None = None
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._ids = np.zeros(0, dtype=np.int64)
        self._refs: list[tuple[str, str, int]] = []

    def _current_generation(self, conn: Connection) -> tuple:
        count, top = conn.execute(select(func.count(SearchPassage.id), func.max(SearchPassage.id))).one()
        return int(count or 0), int(top or 0)

    def refresh(self) -> None:
        """Reload the matrix if the table changed since the last load."""
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
        with self._lock:
            self._matrix = matrix
            self._ids = np.array([row.id for row in rows], dtype=np.int64)
            self._refs = [(row.slug, row.lang, row.position) for row in rows]
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
        with self._lock:
            matrix, ids, refs = self._matrix, self._ids, self._refs
        if not len(refs):
            return []
        scores = matrix @ np.asarray(vector, dtype=np.float32)
        k = min(k, len(refs))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [PassageHit(int(ids[i]), refs[i][0], refs[i][1], refs[i][2], float(scores[i])) for i in top]

    def passages(self, ids: list[int]) -> dict[int, dict]:
        """Text, anchor and place of the given passages."""
        if not ids:
            return {}
        with self._connect() as conn:
            rows = conn.execute(select(SearchPassage.id, SearchPassage.slug, SearchPassage.lang,
                                       SearchPassage.position, SearchPassage.anchor, SearchPassage.heading,
                                       SearchPassage.text).where(SearchPassage.id.in_(ids))).all()
        return {row.id: row._asdict() for row in rows}

    def passages_at(self, places: list[tuple[str, str, int]]) -> dict[tuple[str, str, int], dict]:
        """Passages by (slug, lang, position), for showing a hit in another language version."""
        with self._lock:
            index = {ref: int(pid) for ref, pid in zip(self._refs, self._ids)}
        ids = [index[place] for place in places if place in index]
        found = self.passages(ids)
        return {(row["slug"], row["lang"], row["position"]): row for row in found.values()}
