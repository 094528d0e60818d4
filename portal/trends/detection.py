"""Emerging issues, the pure part: group what customers said by meaning, compare each
group's rate with its own baseline.

No app, no database: :func:`detect` takes :class:`Signal` rows (searches, "not
helpful" comments, customer ticket messages) and, optionally, a function turning
texts into unit vectors, and returns :class:`Candidate` groups that grew.

Grouping. Signals of one language whose normalised text is identical are one
*form*. With vectors (multilingual-e5-small query vectors with the off-topic
background removed, so any language), forms join the closest group whose centroid
is at least ``similarity`` away, most frequent forms first. ``SIMILARITY`` was
chosen with ``bench/trends_threshold.py`` on the GNOME Help titles and summaries:
at 0.55, 0.3 % of pairs of texts about different articles are grouped on the
tuning languages (0.6 % on held-out ones), while a group still gathers the
translations of one issue through its centroid. Without vectors (embeddings off)
the writers' fuzzy grouping (:func:`portal.analytics.clustering.group_similar`)
groups spellings and word orders within one language.

Baseline. A group's count in the current window is compared with the same window
on each of the previous ``baseline_days`` days (the mean: daily rhythms are not
spikes) and with the window just before (a slow rise is not a spike either): the
baseline is the larger of the two. ``growth = (count + alpha) / (baseline + alpha)``
(alpha smooths groups never seen before), and a group must also reach
``min_count`` so two searches are never a spike.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np

from portal.analytics.clustering import QueryForm, group_similar, join_overlapping, most_common, normalize_query

#: Centred cosine at which two texts are one issue (bench/trends_threshold.py).
SIMILARITY = 0.55
#: ...and at which two groups' centroids are: averaged phrasings sit closer together than
#: single texts, so the merging pass needs more. On 10 GNOME articles' titles and summaries
#: at once, merging at 0.55 left 84 % of a group from one article on the tuning languages
#: and 30 % on held-out ones; at 0.6, 100 % and 88 %, with 72 % and 64 % of an article's
#: texts in its biggest group (67 % and 52 % without the pass).
MERGE_SIMILARITY = 0.6
#: Most distinct forms grouped in one run (most frequent first): bounds the encoder's work.
MAX_FORMS = 3000
#: Groups compared with each other in the merging pass (the biggest).
MAX_MERGED = 300
#: Characters of a ticket message or comment that stand for it (its opening says what is wrong).
TEXT_CHARS = 300
MAX_ORIGINALS = 10


class Channel(StrEnum):
    """Where a signal came from."""

    SEARCH = "search"
    FEEDBACK = "feedback"  # a "not helpful" vote with a comment
    TICKET = "ticket"  # a customer's ticket message


@dataclass(frozen=True)
class Signal:
    """One thing a customer said, when, in which language and through which channel."""

    channel: Channel
    ref: int  # the source row's id (unique per channel)
    text: str
    lang: str
    at: datetime
    article: str | None = None  # opened from the search, voted on, or read before the ticket
    ticket_id: int | None = None
    results: int | None = None  # searches: how many results


@dataclass(frozen=True)
class Params:
    window: timedelta = timedelta(hours=1)
    baseline_days: int = 7
    min_count: int = 5
    growth: float = 3.0
    alpha: float = 1.0
    similarity: float = SIMILARITY


@dataclass
class Candidate:
    """A group whose rate grew: what the trend shows."""

    signals: list[Signal]  # in the current window
    previous: int  # count in the window before
    same_hour: list[int]  # count in the same window on each previous day (yesterday first)
    baseline: float
    growth: float
    representative: str = ""
    representative_lang: str = ""
    originals: list[tuple[str, str, int]] = field(default_factory=list)  # (text, lang, count)

    @property
    def count(self) -> int:
        return len(self.signals)

    def per(self, key: Callable[[Signal], str | None]) -> dict[str, int]:
        counts = Counter(key(s) for s in self.signals)
        return {k: v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if k}

    @property
    def languages(self) -> dict[str, int]:
        return self.per(lambda s: s.lang)

    @property
    def channels(self) -> dict[str, int]:
        return self.per(lambda s: str(s.channel))

    @property
    def articles(self) -> dict[str, int]:
        return self.per(lambda s: s.article)

    @property
    def tickets(self) -> list[int]:
        return sorted({s.ticket_id for s in self.signals if s.ticket_id is not None})

    @property
    def first_seen(self) -> datetime:
        return min(s.at for s in self.signals)

    @property
    def last_seen(self) -> datetime:
        return max(s.at for s in self.signals)


def history_start(now: datetime, params: Params) -> datetime:
    """The oldest moment :func:`detect` looks at."""
    return now - timedelta(days=params.baseline_days) - params.window


def growth(count: int, baseline: float, alpha: float) -> float:
    return (count + alpha) / (baseline + alpha)


def _forms(signals: Sequence[Signal]) -> dict[tuple[str, str], list[Signal]]:
    forms: dict[tuple[str, str], list[Signal]] = {}
    for signal in signals:
        norm = normalize_query(signal.text[:TEXT_CHARS])
        if norm:
            forms.setdefault((signal.lang, norm), []).append(signal)
    return forms


def _original(signals: list[Signal]) -> str:
    return most_common(Counter(" ".join(s.text[:TEXT_CHARS].split()) for s in signals))


def group_by_meaning(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Greedy centroid grouping of unit ``vectors`` (the caller orders them, most frequent first)."""
    import numpy as np  # only with embeddings on

    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    # One row per group, allocated once: growing a matrix group by group would copy it each time.
    centroids = np.zeros((len(vectors), vectors.shape[1] if len(vectors) else 1), dtype=np.float64)
    for index, vector in enumerate(vectors):
        best = -1
        if groups:
            scores = centroids[:len(groups)] @ vector
            top = int(np.argmax(scores))
            if scores[top] >= threshold:
                best = top
        if best < 0:
            best = len(groups)
            groups.append([index])
            sums.append(np.array(vector, dtype=np.float64))
        else:
            groups[best].append(index)
            sums[best] = sums[best] + vector
        centroids[best] = sums[best] / max(float(np.linalg.norm(sums[best])), 1e-12)
    return _merge_groups(groups, sums, max(threshold, MERGE_SIMILARITY))


def _merge_groups(groups: list[list[int]], sums: list, threshold: float) -> list[list[int]]:
    """Join groups whose centroids are ``threshold`` close, closest pair first.

    One language's phrasings of an issue are closer to each other than to another
    language's, so the first pass can leave one group per language; their centroids
    (averaged over several phrasings) are closer than any two single texts. Only the
    ``MAX_MERGED`` biggest groups take part (bounded cost); a single text stays as
    the first pass left it.
    """
    order = sorted(range(len(groups)), key=lambda g: -len(groups[g]))
    head = order[:MAX_MERGED]
    if len(head) < 2:
        return groups
    members = [list(groups[g]) for g in head]
    totals = np.array([sums[g] for g in head], dtype=np.float64)
    unit = totals / np.maximum(np.linalg.norm(totals, axis=1, keepdims=True), 1e-12)
    scores = unit @ unit.T
    np.fill_diagonal(scores, -np.inf)
    alive = np.ones(len(head), dtype=bool)
    while True:
        a, b = np.unravel_index(int(np.argmax(scores)), scores.shape)
        if scores[a, b] < threshold:
            break
        keep, gone = min(a, b), max(a, b)
        members[keep].extend(members[gone])
        totals[keep] += totals[gone]
        alive[gone] = False
        scores[gone, :] = scores[:, gone] = -np.inf
        unit[keep] = totals[keep] / max(float(np.linalg.norm(totals[keep])), 1e-12)
        row = unit @ unit[keep]
        row[~alive] = -np.inf
        row[keep] = -np.inf
        scores[keep, :] = scores[:, keep] = row
    return [m for m, kept in zip(members, alive, strict=True) if kept] + [groups[g] for g in order[MAX_MERGED:]]


def _group(forms: dict[tuple[str, str], list[Signal]], embed: Callable[[list[str]], np.ndarray] | None,
           threshold: float) -> list[list[Signal]]:
    ordered = sorted(forms, key=lambda key: (-len(forms[key]), key))[:MAX_FORMS]
    if embed is not None:
        texts = [_original(forms[key]) for key in ordered]
        vectors = embed(texts) if texts else None
        if vectors is not None and len(vectors):
            index_groups = group_by_meaning(vectors, threshold)
            return [[s for i in group for s in forms[ordered[i]]] for group in index_groups]
    entries = []
    for key in ordered:
        lang, norm = key
        entry = QueryForm(lang=lang, norm=norm, tokens=tuple(norm.split()), count=len(forms[key]),
                          last_seen=max(s.at for s in forms[key]))
        entry.originals.update({_original(forms[key]): len(forms[key])})
        entries.append(entry)
    groups = join_overlapping(group_similar(entries))
    return [[s for entry in group for s in forms[(entry.lang, entry.norm)]] for group in groups]


def detect(signals: Sequence[Signal], now: datetime, params: Params = Params(),
           embed: Callable[[list[str]], np.ndarray] | None = None) -> list[Candidate]:
    """Groups whose count in ``[now - window, now)`` reached ``min_count`` and grew at least ``growth``
    times over their baseline; biggest growth first."""
    window = params.window
    start = now - window
    candidates = []
    for group in _group(_forms(signals), embed, params.similarity):
        current = [s for s in group if start <= s.at < now]
        if len(current) < params.min_count:
            continue
        previous = sum(1 for s in group if start - window <= s.at < start)
        same_hour = [sum(1 for s in group if start - timedelta(days=d) <= s.at < now - timedelta(days=d))
                     for d in range(1, params.baseline_days + 1)]
        baseline = max(sum(same_hour) / max(len(same_hour), 1), float(previous))
        rate = growth(len(current), baseline, params.alpha)
        if rate < params.growth:
            continue
        candidate = Candidate(signals=sorted(current, key=lambda s: (s.at, s.channel, s.ref)), previous=previous,
                              same_hour=same_hour, baseline=baseline, growth=rate)
        describe(candidate)
        candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.growth, -c.count, c.first_seen))
    return candidates


def describe(candidate: Candidate) -> None:
    """Fill the representative phrasing (the most frequent short one) and the originals."""
    by_form: Counter[tuple[str, str]] = Counter()
    for signal in candidate.signals:
        by_form[(" ".join(signal.text[:TEXT_CHARS].split()), signal.lang)] += 1
    # Searches say an issue in few words: prefer them, then the most frequent, then the shortest.
    channel_of = {(" ".join(s.text[:TEXT_CHARS].split()), s.lang): s.channel for s in candidate.signals}
    ranked = sorted(by_form.items(), key=lambda item: (channel_of[item[0]] != Channel.SEARCH, -item[1],
                                                       len(item[0][0]), item[0]))
    (text, lang), _ = ranked[0]
    candidate.representative, candidate.representative_lang = text, lang
    candidate.originals = [(t, lang_, n) for (t, lang_), n in ranked[:MAX_ORIGINALS]]
