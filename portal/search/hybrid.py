"""Hybrid ranking: reciprocal-rank fusion of keyword and dense results, the hub
correction and the dense floor.

multilingual-e5's cosine scores are compressed (right answers ~.82-.90, nonsense
~.78-.86), so no absolute cut-off separates them. Both corrections below use a
fixed set of off-topic questions and random strings (``background.txt``),
embedded as *queries*:

* Hub correction. Short, generic passages ("IRC: get live support on IRC") sit
  close to every short query and crowd out the right answer, above all for
  cross-lingual queries. Each passage's ranking score is its cosine minus
  ``HUB_WEIGHT`` times its mean cosine with its ``HUB_NEIGHBOURS`` closest
  background questions (the CSLS correction of Conneau et al., 2018).
* The floor. A query about the knowledge base is closer to its best passage than
  to the off-topic questions most like it; an unrelated or nonsense query is
  not. Its margin is the best passage's cosine minus the mean of the query's 3
  highest cosines with the background. e5 scores pairs in one language higher,
  so a query in another language than its best passage needs less margin; a query
  whose language nobody can identify (made-up words) needs more.

The constants were tuned with ``bench/search_eval.py`` on the GNOME Help corpus
(see docs/decisions/0007-hybrid-retrieval.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RRF_K = 60
HUB_NEIGHBOURS = 10
HUB_WEIGHT = 0.5
#: Margin the best passage needs when it is in the query's language, and when it is not.
MARGIN_SAME_LANGUAGE = 0.02
MARGIN_CROSS_LANGUAGE = -0.01
#: Added when language identification could not tell what language the query is
#: in (confidence below UNSURE_CONFIDENCE): strings of made-up words land here.
MARGIN_UNKNOWN_LANGUAGE = 0.02
UNSURE_CONFIDENCE = 0.15
#: Dense articles kept: within this (corrected) score of the best one, at most DENSE_LIMIT.
DENSE_WINDOW = 0.045
DENSE_LIMIT = 30
#: Weight of meaning against words in the fusion (tuned on GNOME, the shipped KB's paraphrases
#: and rare-word queries: see ADR 0007).
DENSE_WEIGHT = 1.5
BACKGROUND_FILE = Path(__file__).with_name("background.txt")


def background_sentences() -> list[str]:
    lines = BACKGROUND_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def background_queries(embedder) -> np.ndarray:
    """The background sentences embedded as queries (kept in the embedder's disk cache)."""
    fixed = getattr(embedder, "embed_fixed_queries", None)
    return fixed(background_sentences()) if fixed else embedder.embed_queries(background_sentences())


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K,
                           weights: list[float] | None = None) -> dict[str, float]:
    """Each item's sum of weight/(k + rank) over the rankings it appears in (weight 1 by default)."""
    fused: dict[str, float] = {}
    for index, ranking in enumerate(rankings):
        weight = weights[index] if weights else 1.0
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


def relative_score_fusion(keyword: list[tuple[list, float]], dense: list, dense_window: float,
                          dense_weight: float) -> dict[str, float]:
    """Each article's normalised scores summed over the lists it is in.

    ``keyword``: (hits best first, weight) pairs; a hit counts sqrt(score / best
    score) times the share of the query's words it matched, so a document that
    shares one common word with the query counts little. ``dense``: passage hits
    best first; a hit counts 1 at the top falling to 0 ``dense_window`` below it.
    Ranks alone (reciprocal-rank fusion) let an article found weakly in both lists
    beat the one meaning found clearly ("get rid of my profile").
    """
    fused: dict[str, float] = {}
    for hits, weight in keyword:
        if not hits:
            continue
        top = hits[0].score or 1.0
        for hit in hits:
            value = weight * math.sqrt(max(0.0, hit.score / top)) * hit.coverage
            fused[hit.slug] = fused.get(hit.slug, 0.0) + value
    if dense:
        top = dense[0].score
        for hit in dense:
            value = dense_weight * max(0.0, 1.0 - (top - hit.score) / dense_window)
            fused[hit.slug] = fused.get(hit.slug, 0.0) + value
    return fused


def hubness(passages: np.ndarray, background: np.ndarray, k: int = HUB_NEIGHBOURS) -> np.ndarray:
    """Each passage's mean cosine with its ``k`` closest background queries."""
    if not len(passages) or not len(background):
        return np.zeros(len(passages), dtype=np.float32)
    k = min(k, len(background))
    similarities = passages @ background.T
    return np.partition(similarities, -k, axis=1)[:, -k:].mean(axis=1).astype(np.float32)


@dataclass(frozen=True)
class DenseVerdict:
    accepted: bool
    margin: float
    needed: float


class DenseFloor:
    """Decides whether a query's dense results mean anything (see the module docstring)."""

    def __init__(self, background: np.ndarray):
        self.background = background  # the background sentences embedded as queries

    def judge(self, query_vector: np.ndarray, best_similarity: float, same_language: bool,
              language_confidence: float = 1.0) -> DenseVerdict:
        """``best_similarity``: the uncorrected cosine of the query's closest passage."""
        needed = MARGIN_SAME_LANGUAGE if same_language else MARGIN_CROSS_LANGUAGE
        if language_confidence < UNSURE_CONFIDENCE:
            needed += MARGIN_UNKNOWN_LANGUAGE
        if not len(self.background):
            return DenseVerdict(True, 0.0, needed)
        closest = np.sort(self.background @ query_vector)[-3:]
        margin = float(best_similarity - closest.mean())
        return DenseVerdict(margin >= needed, margin, needed)


#: Centred cosine at which failed queries in different languages are one content gap.
GAP_MERGE_COSINE = 0.55


def centered_query_vectors(embedder, texts: list[str]) -> np.ndarray:
    """Query vectors with the off-topic background's mean removed, renormalised.

    e5 gives every pair of short queries a cosine of ~.8; removing the component
    all queries share spreads them out, so "forgot password", "contraseña
    olvidada" and "忘记密码" stay close (~.6) while "forgot password" and
    "reembolso" fall apart (~.25).
    """
    vectors = embedder.embed_queries(texts) - background_queries(embedder).mean(axis=0)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
