"""UI catalogs: every enabled language has one, complete, with matching placeholders."""
import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from portal.config import DEFAULT_LANGUAGES, PROJECT_ROOT
from portal.i18n import to_babel_locale

TRANSLATIONS = PROJECT_ROOT / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def template_ids() -> set[str]:
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.mark.parametrize("lang", [lang for lang in DEFAULT_LANGUAGES if lang != "en"])
def test_catalog_is_complete_and_placeholders_match(lang):
    path = TRANSLATIONS / to_babel_locale(lang) / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        assert "fuzzy" not in message.flags, f"{lang}: fuzzy {ids[0]!r}"
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            assert found <= wanted, f"{lang}: unknown placeholder in {string!r}"
            if "%(num)s" not in ids[0]:
                assert found == wanted, f"{lang}: placeholder lost in {string!r}"
        translated[ids[0]] = strings
    missing = template_ids() - set(translated)
    assert not missing, f"{lang}: catalog lacks {sorted(missing)[:5]} (run scripts/i18n.sh update)"


def test_source_strings_are_all_extracted(tmp_path):
    """A string added to a template but not to messages.pot would stay English everywhere."""
    import subprocess
    import sys

    output = tmp_path / "extracted.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(output),
            "--no-location",
            "--omit-header",
            "--sort-output",
            ".",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    )
    with open(output, "rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert len(extracted) > 30  # the extraction itself works
    assert extracted <= template_ids(), sorted(extracted - template_ids())[:5]


def test_pages_are_translated(shipped_app):
    client = shipped_app.test_client()
    assert "Centro de ayuda" in client.get("/es/").get_data(as_text=True)
    html = client.get("/ar/articles/reset-your-password").get_data(as_text=True)
    assert "مركز المساعدة" in html and "Skip to content" not in html
    with shipped_app.test_request_context(), force_locale(to_babel_locale("he")):
        assert gettext("Skip to content") != "Skip to content"
