"""Snippet highlighting: what the index analyzer matched, marked in the text shown."""
from portal.search.analyzers import terms
from portal.search.service import highlight


def test_highlight_marks_stemmed_and_accent_folded_forms():
    assert str(highlight("Resetting your password resets it.", "en", set(terms("en", "reset")))) == \
        "<mark>Resetting</mark> your password <mark>resets</mark> it."
    assert "<mark>contraseña</mark>" in str(highlight("Cambiar la contraseña", "es", set(terms("es", "contrasena"))))
    assert str(highlight("打开设置面板", "zh-Hans", set(terms("zh-Hans", "设置")))) == "打开<mark>设置</mark>面板"


def test_highlight_escapes_the_text_and_shortens_it_around_the_first_match():
    text = "<b>intro</b> " + "filler " * 60 + "the invoice is here " + "tail " * 60
    shown = str(highlight(text, "en", set(terms("en", "invoice"))))
    assert shown.startswith("…") and shown.endswith("…") and "<mark>invoice</mark>" in shown
    assert "<b>" not in shown and len(shown) < 300
    assert str(highlight("<script>x</script> invoice", "en", {"invoic"})) == \
        "&lt;script&gt;x&lt;/script&gt; <mark>invoice</mark>"
