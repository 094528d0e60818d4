"""Translation figures: engine speed, memory hits, corpus pre-translation, chrF quality.

Run: .venv/bin/python bench/translation.py [--articles N]
Prints figures; asserts nothing. Bergamot (en<->pt-BR) is measured for real; Argos
only if language packs are installed in the data dir given by PORTAL_DATA_DIR.
"""
from __future__ import annotations

import argparse
import time

from _common import GNOME, require_corpus, summary, temporary_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=40, help="GNOME articles to pre-translate and score (0 = all)")
    args = parser.parse_args()

    import sacrebleu

    from portal.db import db
    from portal.kb.files import read_article
    from portal.translation.engines.bergamot import BergamotEngine
    from portal.translation.memory import HOT
    from portal.translation.service import TranslationService

    app = temporary_app(languages=("en", "pt-BR"), translation_engines=("bergamot",))
    engine = BergamotEngine()
    service = TranslationService([engine])
    sentences = [
        "Open the settings page of your account.", "Choose a new password and save it.",
        "If you were charged twice, contact our support team.", "You can change the language at the top of every page.",
        "Your invoices are listed under Billing, in the order they were issued.",
        "Two-step verification protects your account even if someone learns your password.",
    ] * 5
    with app.app_context():
        engine.translate(["warm up"], "en", "pt-BR")
        per_sentence = []
        for sentence in sentences:
            started = time.perf_counter()
            engine.translate([sentence], "en", "pt-BR")
            per_sentence.append((time.perf_counter() - started) * 1000)
        print(f"bergamot en->pt-BR per sentence: {summary(per_sentence)}; "
              f"{1000 / (sum(per_sentence) / len(per_sentence)):.1f} segments/s")
        back = []
        for sentence in ["Abra a página de configurações.", "Escolha uma nova senha e salve-a."] * 10:
            started = time.perf_counter()
            engine.translate([sentence], "pt-BR", "en")
            back.append((time.perf_counter() - started) * 1000)
        print(f"bergamot pt-BR->en per sentence: {summary(back)}")

        service.translate_query(db.session, "reset my password", "en", "pt-BR")
        hot, cold_memory = [], []
        for _ in range(200):
            started = time.perf_counter()
            service.translate_query(db.session, "reset my password", "en", "pt-BR")
            hot.append((time.perf_counter() - started) * 1000)
        for _ in range(50):
            HOT.clear()
            started = time.perf_counter()
            service.translate_texts(db.session, ["reset my password"], "en", "pt-BR")
            cold_memory.append((time.perf_counter() - started) * 1000)
        print(f"query translation, in-process cache hit: {summary(hot)}")
        print(f"translation memory hit (database): {summary(cold_memory)}")

    if not require_corpus():
        return
    slugs = sorted(p.name for p in GNOME.iterdir() if (p / "en.md").exists() and (p / "pt-BR.md").exists())
    if args.articles:
        slugs = slugs[: args.articles]
    print(f"\npre-translating {len(slugs)} GNOME Help articles en -> pt-BR with bergamot "
          f"(use --articles 0 for all {len(list(GNOME.iterdir()))})")
    hypotheses, references, per_article = [], [], []
    with app.app_context():
        started = time.perf_counter()
        for slug in slugs:
            source = read_article(GNOME / slug / "en.md")
            reference = read_article(GNOME / slug / "pt-BR.md")
            document = service.translate_markdown(db.session, source.body, "en", "pt-BR")
            db.session.commit()
            hypothesis = document.text
            per_article.append((slug, sacrebleu.corpus_chrf([hypothesis], [[reference.body]]).score))
            hypotheses.append(hypothesis)
            references.append(reference.body)
        elapsed = time.perf_counter() - started
    print(f"pre-translation time: {elapsed:.1f} s for {len(slugs)} articles ({elapsed / len(slugs):.2f} s/article); "
          f"estimate for all English articles: {elapsed / len(slugs) * 284 / 60:.1f} min")
    overall = sacrebleu.corpus_chrf(hypotheses, [references]).score
    print(f"chrF bergamot en->pt-BR vs the human pt-BR translations: overall {overall:.1f}")
    per_article.sort(key=lambda item: item[1])
    print("lowest:", ", ".join(f"{slug} {score:.1f}" for slug, score in per_article[:5]))
    print("highest:", ", ".join(f"{slug} {score:.1f}" for slug, score in per_article[-5:]))


if __name__ == "__main__":
    main()
