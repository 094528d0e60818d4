"""Placeholders for inline Markdown: what is protected, what survives, what is refused."""
from portal.translation.inline import make_template, parse, restore, split_sentences


def template(text, glossary=()):
    return make_template(parse(text, glossary))


def test_code_urls_autolinks_images_and_glossary_are_atomic():
    t = template(
        "Run `portal serve` on https://example.org/a?b=1, see <https://x.org> ![logo](l.png) in Helpdesk Portal.",
        glossary=("Helpdesk Portal",),
    )
    assert t.text == "Run [[1]] on [[2]], see [[3]] [[4]] in [[5]]."
    assert t.atoms == {1: "`portal serve`", 2: "https://example.org/a?b=1", 3: "<https://x.org>",
                       4: "![logo](l.png)", 5: "Helpdesk Portal"}


def test_links_and_emphasis_keep_their_text_translatable():
    t = template("Open [the **account** page](../account/ \"t\") and *save*, not snake_case_name.")
    assert t.text == "Open [[1]]the [[2]]account[[/2]] page[[/1]] and [[3]]save[[/3]], not snake_case_name."
    assert t.spans == {1: ("[", '](../account/ "t")'), 2: ("**", "**"), 3: ("*", "*")}


def test_restore_puts_markup_back_and_tolerates_spacing_and_bracket_slips():
    t = template("Go to **Settings**, then [Billing](../billing/).")
    assert restore("Vá para [[1]] Configurações[[/1]], depois [[2]]Faturamento[/2]].", t) == \
        "Vá para **Configurações**, depois [Faturamento](../billing/)."


def test_restore_refuses_lost_duplicated_or_crossed_placeholders():
    t = template("Go to **Settings** and [Billing](../b/) with `x`.")
    assert restore("Vá para Configurações e Faturamento com [[3]].", t) is None
    assert restore("[[1]]a[[/1]] [[1]]b[[/1]] [[2]]c[[/2]] [[3]]", t) is None
    assert restore("[[1]]a [[2]]b[[/1]] c[[/2]] [[3]]", t) is None
    assert restore("[[1]][[/1]] [[2]]c[[/2]] [[3]]", t) is None  # empty link text


def test_sentences_split_only_outside_pairs():
    t = template("First one. Then [a link. With a dot](../x/) inside. Last!")
    assert split_sentences(t.text) == ["First one. ", "Then [[1]]a link. With a dot[[/1]] inside. ", "Last!"]
