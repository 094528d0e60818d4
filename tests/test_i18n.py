from portal.config import DEFAULT_LANGUAGES
from portal.i18n import canonical_code, language_name, negotiate, parse_accept_language, text_direction

ENABLED = DEFAULT_LANGUAGES


def test_accept_language_is_ordered_by_quality_then_position():
    assert parse_accept_language("fr;q=0.5, de, es;q=0.9, *;q=0.1") == ["de", "es", "fr"]
    assert parse_accept_language("en;q=0, es") == ["es"]
    assert parse_accept_language("garbage;q=abc") == []
    assert parse_accept_language(None) == []


def test_negotiation_order_cookie_then_header_then_default():
    assert negotiate(ENABLED, "en", cookie="ar", accept_language="es") == "ar"
    assert negotiate(ENABLED, "en", cookie="xx", accept_language="es") == "es"
    assert negotiate(ENABLED, "en", accept_language="sw, ko") == "en"


def test_region_fallbacks():
    assert negotiate(ENABLED, "en", accept_language="pt-BR") == "pt-BR"
    assert negotiate(ENABLED, "en", accept_language="pt-PT") == "pt-BR"  # same language, other region
    assert negotiate(ENABLED, "en", accept_language="es-MX") == "es"
    assert negotiate(("en", "pt"), "en", accept_language="pt-BR") == "pt"
    assert negotiate(ENABLED, "en", accept_language="zh-CN") == "zh-Hans"
    assert negotiate(ENABLED, "en", accept_language="zh") == "zh-Hans"
    # Traditional Chinese readers never get Simplified; zh-Hant only if enabled.
    assert negotiate(ENABLED, "en", accept_language="zh-TW, ja;q=0.5") == "ja"
    assert negotiate(ENABLED + ("zh-Hant",), "en", accept_language="zh-TW") == "zh-Hant"


def test_canonical_codes_and_direction():
    assert canonical_code("PT_br", ENABLED) == "pt-BR"
    assert canonical_code("zh-hans", ENABLED) == "zh-Hans"
    assert canonical_code("xx", ENABLED) is None
    assert [text_direction(c) for c in ("ar", "he", "en", "pt-BR", "az-Arab")] == ["rtl", "rtl", "ltr", "ltr", "rtl"]


def test_language_names_in_their_own_language_and_others():
    assert language_name("es") == "Español"
    assert language_name("de", "en") == "German"
    assert language_name("ar") == "العربية"
