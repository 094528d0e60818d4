"""Query grouping (portal/analytics/clustering.py), on its own: spelling within a language, meaning across."""
from __future__ import annotations

from collections import Counter

import numpy as np

from portal.analytics.clustering import QueryForm, group_similar, merge_across_languages, normalize_query


def form(text: str, lang: str = "en", count: int = 1) -> QueryForm:
    norm = normalize_query(text)
    return QueryForm(lang=lang, norm=norm, tokens=tuple(norm.split()), count=count, originals=Counter({text: count}))


def test_typos_accents_and_word_order_group_but_different_needs_do_not():
    forms = [form("password reset", count=5), form("pasword reset", count=2), form("reset password"),
             form("Pásswordd  RESET!"), form("cancel subscription", count=3), form("password")]
    groups = {tuple(sorted(f.norm for f in group)) for group in group_similar(forms)}
    assert normalize_query("Pásswordd  RESET!") == "passwordd reset"  # accents, case, spaces, punctuation
    password_reset = tuple(sorted(["password reset", "pasword reset", "reset password", "passwordd reset"]))
    assert groups == {password_reset, ("cancel subscription",), ("password",)}  # a lone word stays apart


def test_the_same_words_in_another_language_stay_apart_until_meaning_joins_them():
    english, spanish = form("refund missing", count=4), form("reembolso perdido", "es", count=2)
    other = form("dark mode", count=1)
    groups = group_similar([english, spanish, other])
    assert len(groups) == 3  # spelling never crosses languages
    vectors = {"refund missing": [1.0, 0.0], "reembolso perdido": [0.96, 0.28], "dark mode": [0.0, 1.0]}

    def embed(texts):
        return np.array([vectors[text] for text in texts], dtype=np.float32)

    merged = merge_across_languages(groups, embed, threshold=0.9)
    assert sorted(sorted(f.norm for f in group) for group in merged) == [["dark mode"],
                                                                         ["reembolso perdido", "refund missing"]]
    assert len(merge_across_languages(groups, embed, threshold=0.99)) == 3  # not close enough at 0.99
