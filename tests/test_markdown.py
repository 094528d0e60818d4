from html.parser import HTMLParser

from portal.kb.markdown import plain_text, render


def tags_and_attributes(html: str) -> tuple[set[str], set[str], list[str]]:
    """Real elements, attribute names and href values in ``html`` (text is ignored)."""
    tags, attrs, hrefs = set(), set(), []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attributes):
            tags.add(tag)
            for name, value in attributes:
                attrs.add(name)
                if name == "href":
                    hrefs.append(value)

    Collect().feed(html)
    return tags, attrs, hrefs


def test_raw_html_and_scripts_do_not_survive():
    html = render('Hi <script>alert(1)</script> <img src=x onerror="alert(2)">\n\n<div onclick="x()">d</div>\n')
    tags, attrs, _ = tags_and_attributes(html)
    assert tags == {"p"}
    assert not any(name.startswith("on") for name in attrs)
    assert "&lt;script&gt;" in html  # shown as text, never executed


def test_dangerous_link_schemes_are_removed():
    html = render("[a](javascript:alert(1)) [b](data:text/html;base64,xx) [c](https://example.org/x)")
    _, _, hrefs = tags_and_attributes(html)
    assert hrefs == ["https://example.org/x"]


def test_headings_get_ids_and_body_never_has_an_h1():
    html = render("# Top\n\n## Sub section\n\ntext [jump](#sub-section)\n")
    assert "<h1" not in html
    assert '<h2 id="top">Top</h2>' in html and '<h3 id="sub-section">' in html
    assert 'href="#sub-section"' in html


def test_code_fences_are_not_mistaken_for_headings():
    html = render("# Title\n\n```\n# not a heading\n```\n")
    assert "# not a heading" in html and "<h2" in html


def test_relative_article_links_point_at_article_route():
    html = render(
        "See [other](../other-article/) and [sec](../x/#part).", article_url=lambda s, f: f"/es/articles/{s}{f}"
    )
    assert 'href="/es/articles/other-article"' in html
    assert 'href="/es/articles/x#part"' in html


def test_tables_lists_and_code_render():
    md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n1. one\n2. two\n\nUse `code`.\n"
    html = render(md)
    assert "<table>" in html and "<th>a</th>" in html
    assert html.count("<li>") == 2 and "<code>code</code>" in html


def test_plain_text():
    assert plain_text("## Head\n\nSome **bold** text and `x`.") == "Head\nSome bold text and x."
