"""Language detection for languages nobody tuned for, word frequencies, and mixed text.

The real lid.176.ftz model and the real wordfreq lists, no mocks. Tests that read
Lingua's test data (../shared/eval/langid) skip when it is absent.
"""
from __future__ import annotations

import gzip
import random
import statistics
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest

from portal.langid import LanguageDetector, frequencies, get_detector
from portal.langid.frequencies import WordFrequencies, list_path, read_list

UI = ("en", "es", "fr", "de", "pt-BR", "it", "ru", "uk", "zh-Hans", "ja", "ar", "he")
EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval" / "langid"

# Our own sentences in languages that are not UI languages. gl, et and eu have no
# wordfreq list at all; the others are tried with their lists hidden too. Without a
# list a language is as good as fastText alone makes it (less a doubt that fades
# with length), so where fastText itself hesitates (a Galician sentence it gives
# .49 gl / .42 es) a listed neighbour may win; these are sentences it reads clearly.
EXTRA_SENTENCES = {
    "tr": "Siparişim henüz gelmedi, lütfen bana yardım edin.",
    "nl": "Ik ben mijn wachtwoord vergeten en kan niet meer inloggen.",
    "sv": "Jag har glömt mitt lösenord och kan inte logga in på mitt konto.",
    "pl": "Zapomniałem hasła i nie mogę zalogować się na swoje konto.",
    "id": "Saya lupa kata sandi dan tidak bisa masuk ke akun saya.",
    "fi": "Unohdin salasanani enkä pääse kirjautumaan tililleni.",
    "ro": "Mi-am uitat parola și nu mă pot conecta la contul meu.",
    "cs": "Zapomněl jsem heslo a nemohu se přihlásit ke svému účtu.",
    "ca": "He oblidat la meva contrasenya i no puc iniciar la sessió al meu compte.",
    "da": "Jeg har glemt min adgangskode og kan ikke logge ind på min konto.",
    "gl": "Cando intento pagar coa tarxeta aparece unha mensaxe de erro e non sei que facer.",
    "et": "Miks mu tellimus ei ole veel kohale jõudnud? Palun aidake mind.",
    "eu": "Zergatik ez da nire eskaera oraindik iritsi? Mesedez, lagundu iezadazu.",
    "fa": "رمز عبورم را فراموش کرده‌ام و نمی‌توانم وارد حساب کاربری‌ام شوم.",
    "bg": "Забравих паролата си и не мога да вляза в профила си.",
    "hi": "मैं अपना पासवर्ड भूल गया हूँ और अपने खाते में लॉग इन नहीं कर पा रहा हूँ।",
    "ko": "비밀번호를 잊어버려서 계정에 로그인할 수 없습니다.",
}
EXTRA = tuple(EXTRA_SENTENCES)
UI_SENTENCES = {
    "en": "I forgot my password and cannot sign in to my account.",
    "es": "Olvidé mi contraseña y no puedo iniciar sesión en mi cuenta.",
    "fr": "J'ai oublié mon mot de passe et je ne peux plus me connecter à mon compte.",
    "de": "Ich habe mein Passwort vergessen und kann mich nicht mehr anmelden.",
    "pt-BR": "Esqueci minha senha e não consigo entrar na minha conta.",
    "it": "Ho dimenticato la password e non riesco ad accedere al mio account.",
    "ru": "Я забыл пароль и не могу войти в свою учётную запись.",
    "uk": "Я забув пароль і не можу увійти до свого облікового запису.",
}


@pytest.fixture(scope="module")
def everything() -> LanguageDetector:
    return get_detector(UI + EXTRA)


@pytest.fixture(scope="module")
def listless() -> LanguageDetector:
    """All the extra languages as if wordfreq had no list for any of them."""
    return LanguageDetector(UI + EXTRA, without_lists=EXTRA)


def test_languages_without_a_wordfreq_list_are_really_missing_from_it():
    assert [lang for lang in ("gl", "et", "eu") if list_path(lang)] == []
    assert all(list_path(lang) for lang in ("tr", "nl", "sv", "pl", "fa", "bg"))


@pytest.mark.parametrize("lang", EXTRA)
def test_a_sentence_in_an_extra_language_is_detected_with_or_without_its_list(everything, listless, lang):
    assert everything.detect(EXTRA_SENTENCES[lang]).lang == lang
    assert listless.detect(EXTRA_SENTENCES[lang]).lang == lang


def test_a_neighbours_list_never_outvotes_the_model_for_a_listless_language(listless):
    # Without their lists, Turkish and Dutch words are unknown, not unlikely: the
    # answer is fastText's, however strongly English or German lists claim a word.
    for text, lang in [("Şifremi unuttum, hesabıma giriş yapamıyorum", "tr"),
                       ("Waar kan ik mijn facturen vinden", "nl")]:
        detection = listless.detect(text)
        assert (detection.lang, detection.rule) == (lang, "model")


@pytest.mark.parametrize("word, lang", [
    ("password", "en"), ("invoice", "en"), ("wireless", "en"), ("contraseña", "es"), ("rechnung", "de"),
])
def test_a_listless_language_does_not_take_a_common_word_of_a_listed_one(everything, word, lang):
    # fastText alone gives "password" to Basque (.085 vs .076 for English); Basque
    # has no list, so nothing vouches for it on one word.
    assert everything.detect(word).lang == lang


def test_enabling_extra_languages_changes_no_ui_sentence(everything):
    ui_only = get_detector(UI)
    for lang, text in UI_SENTENCES.items():
        assert ui_only.detect(text).lang == lang
        assert everything.detect(text).lang == lang


def test_without_wordfreq_the_detector_falls_back_to_the_model(monkeypatch):
    monkeypatch.setattr(frequencies, "data_dir", lambda: None)
    detector = LanguageDetector(UI)
    assert detector._sources[0].languages == ()
    for lang, text in UI_SENTENCES.items():
        assert detector.detect(text).lang == lang


def test_detecting_never_imports_wordfreq_itself():
    code = ("from portal.langid import LanguageDetector; import sys; "
            "d = LanguageDetector(('en', 'de', 'fr')); d.detect('Wo ist meine Rechnung'); "
            "print('wordfreq' in sys.modules, len(d._sources[0].languages))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.split() == ["False", "3"]


# --- word frequencies -------------------------------------------------------------

@pytest.mark.parametrize("tag, name", [
    ("pt-BR", "small_pt"), ("zh-Hans", "small_zh"), ("no", "small_nb"), ("nb", "small_nb"),
    ("sr-Latn", "small_sh"), ("hr", "small_sh"), ("he", "small_he"), ("iw", "small_he"),
])
def test_list_paths_follow_bcp47_tags(tag, name):
    assert list_path(tag).name == f"{name}.msgpack.gz"


@pytest.mark.parametrize("tag", ["sr", "xx", "gl", "", "../en", "small_en", "e\x00n"])
def test_no_list_for_unknown_tags_or_another_script(tag):
    # Serbian is Cyrillic by default; wordfreq's Serbo-Croatian list is Latin.
    assert list_path(tag) is None


def test_a_file_that_is_not_a_cb_list_is_refused(tmp_path):
    bogus = tmp_path / "small_xx.msgpack.gz"
    bogus.write_bytes(gzip.compress(msgpack.packb([{"format": "counts"}, ["the"]])))
    with pytest.raises(ValueError, match="not a wordfreq cB list"):
        read_list(bogus)


def test_strengths_rank_words_by_their_frequency_per_language():
    table = WordFrequencies.load(["en", "de"])
    listed, strengths = table.strengths(["the", "und", "zzqxv", "The"], ["en", "de", "ja"])
    assert listed == ("en", "de")  # ja was not loaded: unknown, not zero
    the, und, nonsense, capital = strengths
    assert the[0] > the[1] > 0 and und[1] > und[0]
    assert nonsense is None
    assert capital == the  # looked up case-folded, as wordfreq stores words


def test_the_word_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(frequencies, "_CACHE_WORDS", 50)
    table = WordFrequencies.load(["en"])
    words = [f"word{i}" for i in range(40)] + ["the", "and", "of"] * 5
    for start in range(0, len(words), 7):
        table.strengths(words[start:start + 7], ["en"])
    assert 0 < len(table._cache) <= 50
    assert table.strengths(["the"], ["en"])[1][0][0] > 0


def test_counts_become_frequencies_with_their_own_floor():
    table = WordFrequencies.from_counts({"en": {"Buzzer": 3, "the": 7}, "de": {}})
    listed, strengths = table.strengths(["buzzer", "the", "other"], ["en", "de"])
    assert listed == ("en",)  # no counts, no list
    (buzzer,), (the,), other = strengths
    assert the > buzzer > 0 and other is None


# --- mixed text -------------------------------------------------------------------

@pytest.mark.parametrize("text, lang, secondary, words", [
    ("как сбросить password в приложении", "ru", "en", ("password",)),
    ("не працює bluetooth після оновлення", "uk", "en", ("bluetooth",)),
    ("パスワードをリセットする方法 forgotten password", "ja", "en", ("forgotten", "password")),
    ("איך מאפסים את ה password של החשבון", "he", "en", ("password",)),
    ("Wie kann ich den shared folder im Netzwerk finden", "de", "en", ("shared", "folder")),
])
def test_a_mixed_query_reports_both_languages(everything, text, lang, secondary, words):
    detection = everything.detect(text)
    assert (detection.lang, detection.secondary, detection.secondary_words) == (lang, secondary, words)


@pytest.mark.parametrize(
    "text",
    [
        *UI_SENTENCES.values(),
        "我忘记了密码，无法登录我的账户。",
        "パスワードを忘れてしまい、アカウントにログインできません。",
        "Where can I find my invoices?",
        "password",
        "Mot de passe oublié",
    ],
)
def test_one_language_reports_no_second(everything, text):
    detection = everything.detect(text)
    assert (detection.secondary, detection.secondary_words) == (None, ())


# --- on Lingua's test data (skipped without it) -----------------------------------

def _sample(kind: str, lang: str, count: int) -> list[str]:
    path = EVAL_DIR / kind / f"{lang}.txt"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return random.Random(f"{kind}/{lang}").sample(lines, min(count, len(lines)))


needs_eval_data = pytest.mark.skipif(not EVAL_DIR.is_dir(),
                                     reason=f"Lingua's language-ID test data is not at {EVAL_DIR}")
EVAL_CODES = {"pt-BR": "pt", "zh-Hans": "zh"}


@needs_eval_data
def test_enabling_an_extra_language_costs_the_others_at_most_a_point():
    samples = {(kind, lang): _sample(kind, EVAL_CODES.get(lang, lang), 120)
               for kind in ("single-words", "word-pairs", "sentences") for lang in UI}

    def accuracy(detector) -> dict[str, float]:
        by_kind: dict[str, list[float]] = {}
        for (kind, lang), lines in samples.items():
            by_kind.setdefault(kind, []).append(sum(detector.detect(t).lang == lang for t in lines) / len(lines))
        return {kind: statistics.fmean(values) for kind, values in by_kind.items()}

    before = accuracy(get_detector(UI))
    for extra in (("tr",), ("fa",), ("fa", "hi", "ko", "tr")):
        after = accuracy(LanguageDetector(UI + extra))
        for kind, value in after.items():
            assert value >= before[kind] - 0.01, (extra, kind, before[kind], value)


@needs_eval_data
@pytest.mark.parametrize("lang", ["tr", "fa"])
def test_held_out_sentences_are_right_without_their_list(lang):
    detector = LanguageDetector(UI + ("fa", "hi", "ko", "tr"), without_lists=(lang,))
    lines = _sample("sentences", lang, 300)
    assert sum(detector.detect(t).lang == lang for t in lines) / len(lines) >= 0.99
