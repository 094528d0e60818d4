"""Behaviour of portal.support.triage: offline urgency and sentiment of support messages.

The real function on real sentences, no mocks. Nothing here asserts timings; the cost
check only runs many calls to show that triage is cheap enough to call on every message.
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from portal.support.triage import PRIORITY_ORDER, Triage, due_in, triage


def names(result: Triage, cue: str) -> bool:
    """Some reason quotes this cue."""
    return any(f'"{cue}"' in reason for reason in result.reasons)


# (lang, pressing message, cue its reasons must name, ordinary question)
PER_LANGUAGE = [
    ("en", "URGENT: I was double charged for my order", "double charged",
     "How do I change my email address?"),
    ("es", "¡Urgente! Me cobraron dos veces el pedido", "cobrado dos veces",
     "¿Cómo cambio mi dirección de correo electrónico?"),
    ("fr", "J'ai été débité deux fois, c'est urgent", "débité deux fois",
     "Comment changer mon mot de passe ?"),
    ("de", "Ich wurde doppelt abgebucht, bitte sofort erstatten!", "doppelt abgebucht",
     "Wie ändere ich meine Lieferadresse?"),
    ("pt-BR", "Fui cobrado duas vezes, é urgente!", "cobrado duas vezes",
     "Como altero o idioma da minha conta?"),
    ("it", "Urgente: mi avete addebitato due volte l'abbonamento", "addebitato due volte",
     "Come posso cambiare la lingua del sito?"),
    ("ru", "Срочно! С карты списали дважды", "списали дважды", "Как поменять язык интерфейса?"),
    ("uk", "Терміново! Не можу увійти в акаунт", "не можу увійти", "Як змінити мову інтерфейсу?"),
    ("zh-Hans", "紧急！我被扣了两次钱", "扣了两次", "如何修改密码？"),
    ("ja", "至急対応してください。二重請求されています", "二重請求", "パスワードの変更方法を教えてください"),
    ("ar", "عاجل! تم خصم المبلغ مرتين من بطاقتي", "تم خصم المبلغ مرتين", "كيف أغير كلمة المرور؟"),
    ("he", "דחוף! חויבתי פעמיים על אותה הזמנה", "חויבתי פעמיים", "איך משנים את הסיסמה?"),
]


@pytest.mark.parametrize("lang, pressing, cue, ordinary", PER_LANGUAGE, ids=[row[0] for row in PER_LANGUAGE])
def test_each_language_tells_a_pressing_money_problem_from_a_question(lang, pressing, cue, ordinary):
    result = triage(pressing, lang)
    assert result.urgency == "urgent", result  # money + time pressure
    assert cue in result.cues
    assert names(result, cue), result.reasons

    plain = triage(ordinary, lang)
    assert plain.urgency == "normal", plain
    assert plain.sentiment == "neutral"
    assert plain.cues == ()


@pytest.mark.parametrize("lang, text, cue", [
    ("en", "I will forward this to my lawyer.", "lawyer"),
    ("en", "Someone made a fraudulent purchase with my card", "fraudulent"),
    ("es", "Voy a hablar con mi abogado", "abogado"),
    ("es", "Esto es un fraude", "fraude"),
    ("fr", "Mon compte a été piraté", "piraté"),
    ("de", "Das ist Betrug, ich gehe zum Anwalt", "Anwalt"),
    ("pt-BR", "Minha conta foi hackeada", "hackeada"),
    ("it", "È una truffa, chiamo l'avvocato", "truffa"),
    ("ru", "Мой аккаунт взломали", "взломали"),
    ("ru", "Это мошенничество", "мошенничество"),
    ("uk", "Я звернуся до адвоката", "адвокат"),
    ("zh-Hans", "我的账号被盗了", "被盗"),
    ("ja", "アカウントが乗っ取られました", "乗っ取"),
    ("ar", "هذا احتيال", "احتيال"),
    ("ar", "سأتصل بالمحامي", "محامي"),  # with the article and a preposition attached
    ("he", "החשבון שלי נפרץ", "נפרץ"),
    ("he", "אני פונה לעורך דין", "עורך דין"),  # with a prefix letter
])
def test_lawyer_fraud_and_hacking_are_urgent_in_every_language(lang, text, cue):
    result = triage(text, lang)
    assert result.urgency == "urgent", result
    assert cue in result.cues
    assert names(result, cue), result.reasons


def test_charged_twice_and_ignored_is_pressing_and_negative():
    result = triage("I was charged twice and nobody answers, this is unacceptable!!!")
    assert result.urgency in ("urgent", "high")
    assert result.sentiment == "negative"
    assert result.score < -0.5
    assert "charged twice" in result.cues
    assert names(result, "charged twice")
    assert "many exclamation marks" in result.reasons
    assert any("negative words" in reason and "unacceptable" in reason for reason in result.reasons)


def test_a_thank_you_is_low_and_positive():
    result = triage("Thanks, that article solved it :)")
    assert (result.urgency, result.sentiment) == ("low", "positive")
    assert result.score > 0.5
    assert result.cues == ()


def test_a_how_to_question_is_normal_and_neutral():
    result = triage("How do I change my email address?")
    assert (result.urgency, result.sentiment) == ("normal", "neutral")
    assert result.score == 0
    assert result.reasons  # always something to show the agent


def test_a_polite_question_is_not_mistaken_for_a_thank_you():
    assert triage("How do I download my invoice? Thanks in advance!").urgency == "normal"
    assert triage("Could you tell me where the settings are? Thank you!").urgency == "normal"


@pytest.mark.parametrize("lang, text, phrase", [
    ("en", "not urgent, just curious", "not urgent"),
    ("en", "No rush: where can I see my old invoices?", "no rush"),
    ("es", "No es urgente, ¿cómo cambio el idioma?", "no es urgente"),
    ("es", "Sin prisa, ¿dónde veo mis facturas?", "sin prisa"),
    ("fr", "Ce n'est pas urgent : comment changer la langue ?", "pas urgent"),
    ("de", "Nicht dringend: wie ändere ich die Sprache?", "nicht dringend"),
    ("ru", "Не срочно: как поменять язык?", "не срочно"),
    ("uk", "Не терміново: як змінити мову?", "не терміново"),
    ("zh-Hans", "不急，请问怎么修改语言？", "不急"),
])
def test_negated_urgency_lowers_the_level(lang, text, phrase):
    result = triage(text, lang)
    assert result.urgency == "low", result
    assert result.cues == ()  # "urgent" inside "not urgent" is no cue
    assert f'urgency negated: "{phrase}"' in result.reasons


def test_negated_urgency_does_not_hide_a_security_problem():
    result = triage("Not urgent, but I think my account was hacked")
    assert result.urgency == "high"
    assert "hacked" in result.cues


def test_negation_flips_and_softens_sentiment():
    assert triage("the app is not bad").sentiment != "negative"
    assert triage("the app is bad").sentiment == "negative"
    assert triage("I am not happy with this").sentiment == "negative"
    result = triage("The export doesn't work and I never received the file")
    assert result.sentiment == "negative"
    assert any('"doesn\'t work"' in reason and '"never received"' in reason for reason in result.reasons)
    assert triage("No, thanks, it works now").sentiment == "positive"  # the comma ends "no"


def test_intensifiers_but_and_emoticons_shape_the_score():
    assert triage("the update is very bad").score < triage("the update is bad").score < 0
    assert triage("The agent was nice, but the app is terrible").sentiment == "negative"
    assert triage("The app was terrible at first, but now it is great").sentiment == "positive"
    assert triage("ok :(").sentiment == "negative"
    assert triage("ok 👍").sentiment == "positive"


def test_english_cues_reach_other_languages_through_the_translation():
    text = "Я оформлю чарджбек у банку"  # Ukrainian has no chargeback cue of its own
    assert triage(text, "uk").urgency == "normal"
    result = triage(text, "uk", english_text="I will file a chargeback with my bank")
    assert result.urgency == "urgent"
    assert result.cues == ("chargeback",)
    assert 'urgency cue "chargeback" (legal, in the English translation)' in result.reasons

    result = triage("銀行にチャージバックを申請します", "ja", "I will request a chargeback from my bank")
    assert result.urgency == "urgent" and "chargeback" in result.cues


def test_a_category_from_original_and_translation_counts_once():
    result = triage("Me hackearon la cuenta", "es", english_text="My account was hacked")
    assert result.cues == ("hackeado",)
    assert sum("(security" in reason for reason in result.reasons) == 1
    assert result.sentiment == "negative"  # the English translation carries the sentiment


def test_matching_ignores_case_and_accents_and_allows_small_inflections():
    assert "no puedo iniciar sesión" in triage("no puedo iniciar sesion", "es").cues
    assert "hacked" in triage("Someone keeps HACKING my account", "en").cues
    assert "gehackt" in triage("Mein Konto wurde GEHACKT", "de").cues
    assert "не удаётся войти" in triage("Не удается войти в аккаунт", "ru").cues
    assert "kann mich nicht anmelden" in triage("Ich kann mich nicht mehr anmelden", "de").cues
    assert "je ne peux pas me connecter" in triage("Je ne peux plus me connecter", "fr").cues
    assert "urgent" in triage("Please handle this urgently", "en").cues


@pytest.mark.parametrize("text", [
    "I was at the hackathon last week, great event",
    "Thanks for the courtesy call",
    "Is there an issue with the download page?",
    "Where are the privacy policies?",
])
def test_cues_do_not_match_inside_unrelated_words(text):
    assert triage(text).cues == ()


def test_script_of_the_text_brings_its_cues_even_with_a_wrong_language_tag():
    assert triage("Hello, мой аккаунт взломали", "en").urgency == "urgent"
    assert triage("Minha conta foi hackeada", "xx-unknown").urgency == "urgent"


def test_shouting_is_noticed_and_raises_a_negative_money_problem():
    result = triage("THIS IS TERRIBLE, I WANT MY MONEY BACK")
    assert "all-caps shouting" in result.reasons
    assert result.urgency == "urgent"
    assert "all-caps shouting" in triage("ВЕРНИТЕ ДЕНЬГИ НЕМЕДЛЕННО", "ru").reasons
    assert "all-caps shouting" not in triage("Where can I download the PDF and CSV files?").reasons
    assert "all-caps shouting" not in triage("Please answer ASAP, thanks").reasons


def test_level_rules():
    assert triage("Our production is down").urgency == "high"
    assert triage("Our production is down and this is a disaster").urgency == "urgent"
    assert triage("I can't log in and I need it immediately").urgency == "urgent"
    assert triage("Please reply asap").urgency == "high"
    assert triage("Thanks for fixing the double charge!").urgency == "normal"
    assert triage("This is the worst, most useless service ever. Absolutely unacceptable!!!").urgency == "high"
    assert triage("The app is very slow today").urgency == "normal"


def test_priority_order_and_due_times():
    assert sorted(PRIORITY_ORDER, key=PRIORITY_ORDER.get) == ["urgent", "high", "normal", "low"]
    assert [due_in(level) for level in ("urgent", "high", "normal", "low")] == [
        timedelta(hours=2), timedelta(hours=8), timedelta(hours=24), timedelta(hours=72)]
    assert due_in("high", {"high": 4}) == timedelta(hours=4)
    assert due_in("normal", {"high": 4}) == timedelta(hours=24)  # the rest keeps the default
    assert due_in("urgent", {"urgent": 0.5}) == timedelta(minutes=30)
    with pytest.raises(ValueError):
        due_in("whenever")


@pytest.mark.parametrize("text", [
    "", "   ", "\x00\x01\x02\x1b[31m\x7f", "\ud800 lone surrogate \udfff", "\u200b\u200e\ufeff",
    "a" * 10_000, "Ä" * 10_000, "😀" * 3_000, "!!!!!!!!", "\u0301" * 500, "🏳️‍🌈", ":) :( :D",
    "Hello Привет 你好 مرحبا שלום こんにちは", "urgent lawyer " * 800, "ＵＲＧＥＮＴ！！", None,
])
@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hans", "xx", ""])
def test_odd_inputs_never_raise(text, lang):
    for english in (None, text, "I can't log in"):
        result = triage(text, lang, english)
        assert isinstance(result, Triage)
        assert result.urgency in PRIORITY_ORDER
        assert result.sentiment in ("negative", "neutral", "positive")
        assert -1.0 <= result.score <= 1.0
        assert result.reasons and all(isinstance(reason, str) for reason in result.reasons)


def test_result_is_immutable():
    result = triage("hello")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.urgency = "urgent"  # type: ignore[misc]


def test_a_thousand_calls_are_cheap_and_deterministic():
    messages = [(row[0], row[1]) for row in PER_LANGUAGE] + [
        ("en", "I was charged twice and nobody answers, this is unacceptable!!!"),
        ("es", "¿Cómo cambio mi dirección de correo electrónico?"),
    ]
    first = {(lang, text): triage(text, lang) for lang, text in messages}
    for i in range(1000):
        lang, text = messages[i % len(messages)]
        assert triage(text, lang) == first[(lang, text)]
