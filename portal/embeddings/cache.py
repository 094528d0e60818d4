"""A persistent cache of passage vectors: (model id, SHA-256 of the text) -> float32 row.

A separate SQLite file (not the portal database) so it survives re-imports,
index rebuilds and fresh databases: the test suite and benchmarks share one
across their temporary portals, and a re-import of unchanged text embeds nothing.
Safe for several threads and processes (WAL, short transactions).
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
) WITHOUT ROWID
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by (model id, text hash) in one SQLite file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._local.conn = conn
        return conn

    def get_many(self, model_id: str, hashes: list[str], dim: int) -> dict[str, np.ndarray]:
        """The cached vectors among ``hashes`` (missing ones are absent)."""
        found: dict[str, np.ndarray] = {}
        conn = self._connection()
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT text_hash, vector FROM vectors WHERE model_id = ? AND text_hash IN ({marks})",
                                [model_id, *chunk])
            for digest, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (dim,):
                    found[digest] = vector
        return found

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        conn = self._connection()
        rows = [(model_id, digest, np.asarray(vector, dtype=np.float32).tobytes()) for digest, vector in items.items()]
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO vectors (model_id, text_hash, vector) VALUES (?, ?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def count(self, model_id: str) -> int:
        return int(
            self._connection().execute("SELECT count(*) FROM vectors WHERE model_id = ?", [model_id]).fetchone()[0]
        )
