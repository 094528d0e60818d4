"""Hybrid ranking: reciprocal-rank fusion of keyword and dense results, and the dense floor.

multilingual-e5's cosine scores are compressed (right answers ~.82-.90, nonsense
~.78-.86), so no absolute cut-off separates them. The floor compares the best
passage with how well the same query matches a fixed set of off-topic sentences
and random strings (``background.txt``): a query about the knowledge base is
closer to some article than to all of those; an unrelated or nonsense query is
not. Keyword evidence (a match in any language) lowers the bar; a query whose
language nobody can identify (made-up words) raises it, and a best article that
clearly stands out from the next ones lowers it. The constants
were tuned with ``bench/search_eval.py --floor`` on the GNOME Help corpus (see
docs/decisions/0007-hybrid-retrieval.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

RRF_K = 60
#: Margin (best passage minus the mean of the 3 closest background sentences)
#: a dense result needs on its own, and with keyword evidence for the query.
MARGIN_ALONE = 0.01
MARGIN_WITH_KEYWORDS = -0.02
#: Needed when language identification could not tell what language the query is
#: in (confidence below UNSURE_CONFIDENCE): strings of made-up words land here.
MARGIN_UNKNOWN_LANGUAGE = 0.03
UNSURE_CONFIDENCE = 0.15
#: A best article this far above the mean of the next ten stands out on its own,
#: and then a margin of MARGIN_DISTINCT is enough (short titles such as "Lendo a
#: tela em voz alta" resemble the background but clearly pick one article).
DISTINCT_GAP = 0.03
MARGIN_DISTINCT = -0.01
#: Dense articles kept: within this score of the best one, at most DENSE_LIMIT.
DENSE_WINDOW = 0.045
DENSE_LIMIT = 30
BACKGROUND_FILE = Path(__file__).with_name("background.txt")


def background_sentences() -> list[str]:
    lines = BACKGROUND_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    """Each item's sum of 1/(k + rank) over the rankings it appears in."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


@dataclass(frozen=True)
class DenseVerdict:
    accepted: bool
    best: float
    margin: float
    distinct: float = 0.0


class DenseFloor:
    """Decides whether a query's dense results mean anything (see the module docstring)."""

    def __init__(self, background: np.ndarray):
        self.background = background

    def judge(self, query_vector: np.ndarray, article_scores: list[float], keyword_evidence: bool,
              language_confidence: float = 1.0) -> DenseVerdict:
        """``article_scores``: each article's best passage score, best first."""
        best = article_scores[0]
        following = article_scores[1:11]
        distinct = float(best - np.mean(following)) if following else 0.0
        if not len(self.background):
            return DenseVerdict(True, best, 0.0, distinct)
        closest = np.sort(self.background @ query_vector)[-3:]
        margin = float(best - closest.mean())
        if keyword_evidence:
            accepted = margin >= MARGIN_WITH_KEYWORDS
        elif language_confidence < UNSURE_CONFIDENCE:
            accepted = margin >= MARGIN_UNKNOWN_LANGUAGE
        else:
            accepted = margin >= MARGIN_ALONE or (margin >= MARGIN_DISTINCT and distinct >= DISTINCT_GAP)
        return DenseVerdict(accepted, best, margin, distinct)


#: Centred cosine at which failed queries in different languages are one content gap.
GAP_MERGE_COSINE = 0.55


def centered_query_vectors(embedder, texts: list[str]) -> np.ndarray:
    """Query vectors with the off-topic background's mean removed, renormalised.

    e5 gives every pair of short queries a cosine of ~.8; removing the component
    all queries share spreads them out, so "forgot password", "contraseña
    olvidada" and "忘记密码" stay close (~.6) while "forgot password" and
    "reembolso" fall apart (~.25).
    """
    background = embedder.embed_queries(background_sentences())
    vectors = embedder.embed_queries(texts) - background.mean(axis=0)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
