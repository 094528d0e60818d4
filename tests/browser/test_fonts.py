"""Every script of the UI languages renders with real glyphs, not "tofu" boxes.

Chromium draws a character no installed font has as a box. For each script the
test screenshots a heading of a real page, then the same heading with every
character replaced by an unassigned code point (always a box): identical pixels
mean the script has no font (set-up installs Debian's Noto fonts).
"""
from __future__ import annotations

import pytest

#: UI language -> a page heading in it (the home page's h1 is translated).
SCRIPTS = {"ar": "Arabic", "he": "Hebrew", "ja": "Japanese", "zh-Hans": "Chinese (Han)", "ru": "Cyrillic"}


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_headings_render_real_glyphs(page, base_url, lang):
    page.goto(f"{base_url}/{lang}/")
    heading = page.locator("h1").first
    text = heading.text_content().strip()
    assert text and not text.isascii(), f"the {lang} home heading is not in its script: {text!r}"
    real = heading.screenshot()
    heading.evaluate("(node, length) => { node.textContent = '\\u0378'.repeat(length); }", len(text))
    boxes = heading.screenshot()
    assert real != boxes, f"{SCRIPTS[lang]} text renders as boxes: no font for it (install fonts-noto-core/cjk)"
