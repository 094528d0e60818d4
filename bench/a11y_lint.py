"""Accessibility lint speed: median/p95 per article over the shipped knowledge base and a 2,000-word article.

Run: .venv/bin/python bench/a11y_lint.py
"""
from __future__ import annotations

import time

from _common import ROOT, summary  # noqa: E402


def main():
    from accessibility import lint_markdown
    from portal.kb.files import read_article

    articles = [read_article(p) for p in sorted((ROOT / "kb_articles").glob("*/*.md"))]
    lint_markdown("warm up the language model", "en")
    shipped = []
    for article in articles:
        started = time.perf_counter()
        lint_markdown(article.body, article.lang, article.title)
        shipped.append((time.perf_counter() - started) * 1000)
    print(f"shipped knowledge base ({len(articles)} files): {summary(shipped)}")
    section = ("## Section {n}\n\nYou can change your plan at any time ({n}) from the billing page. Select "
               "**Change plan**, pick the plan you want and confirm.\n\n- Open the billing page {n}.\n- Confirm.\n\n")
    long_runs = []
    for run in range(20):
        body = "".join(section.format(n=f"{run}.{i}") for i in range(60))
        started = time.perf_counter()
        lint_markdown(body, "en")
        long_runs.append((time.perf_counter() - started) * 1000)
    print(f"2,000-word article (distinct text each run): {summary(long_runs)}")


if __name__ == "__main__":
    main()
