"""The real argostranslate path end to end, with hand-built language packs.

Packs are installed with ``portal translations install``; translation runs in a
subprocess (argostranslate reads its settings at import time and is heavy) that
has the network disabled, through the portal's own service and job worker.
"""
from __future__ import annotations

import json
import os
import string
import subprocess
import sys
import textwrap

import pytest

from portal.config import PROJECT_ROOT
from tests.support.argos_package import build_argos_package

SHIFT = {c: string.ascii_uppercase[(i + 1) % 26] for i, c in enumerate(string.ascii_uppercase)}
PORTAL = [sys.executable, "-m", "portal.cli"]

ARTICLE = """## Reset your password

Open the **settings** page and [change it](../other-page/) with `portal reset` now. Then sign in again.

- first item
- see https://example.org/help for more

> **Note:** keep Helpdesk Portal open.

| term | meaning |
|---|---|
| cell one | cell two |

```
keep me as is
```
"""


def upper(text: str) -> str:
    return text.upper()


def shifted(text: str) -> str:
    return "".join(SHIFT.get(c, c) for c in text.upper())


def expected(convert) -> str:
    c = convert
    return f"""## {c("Reset your password")}

{c("Open the ")}**{c("settings")}**{c(" page and ")}[{c("change it")}](../other-page/){c(" with ")}\
`portal reset`{c(" now. Then sign in again.")}

- {c("first item")}
- {c("see ")}https://example.org/help{c(" for more")}

> **{c("Note:")}**{c(" keep ")}Helpdesk Portal{c(" open.")}

| {c("term")} | {c("meaning")} |
|---|---|
| {c("cell one")} | {c("cell two")} |

```
keep me as is
```
"""


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs")
    return (build_argos_package(folder, "en", "es"),
            build_argos_package(folder, "es", "fr", SHIFT))


def portal(data_dir, *args):
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_TRANSLATION_ENGINES": "argos"}
    return subprocess.run(PORTAL + list(args), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_install_list_and_remove_language_packs(packs, tmp_path):
    en_es, es_fr = packs
    installed = portal(tmp_path, "translations", "install", str(en_es), str(es_fr))
    assert installed.returncode == 0, installed.stderr
    assert "installed en-es" in installed.stdout and "installed es-fr" in installed.stdout
    listing = portal(tmp_path, "translations", "list").stdout
    assert "en-es" in listing and "es-fr" in listing
    assert "en->fr" in listing  # argostranslate pivots through es

    bogus = tmp_path / "bogus.argosmodel"
    bogus.write_text("not a zip")
    failed = portal(tmp_path, "translations", "install", str(bogus))
    assert failed.returncode == 1 and "not an .argosmodel" in failed.stderr
    packages_dir = tmp_path / "argos-packages"
    assert sorted(p.name for p in packages_dir.iterdir()) == ["en_es", "es_fr"]  # nothing half-written

    removed = portal(tmp_path, "translations", "remove", "en-es")
    assert removed.returncode == 0 and "removed en-es" in removed.stdout
    assert "en-es" not in portal(tmp_path, "translations", "list").stdout
    assert portal(tmp_path, "translations", "remove", "en-es").returncode == 1


RUNNER = textwrap.dedent(
    """
    import json, socket, sys
    attempts = []
    def refuse(name):
        def _refuse(*a, **k):
            attempts.append(name)
            raise OSError("network disabled by the test")
        return _refuse
    socket.socket.connect = refuse("connect")
    socket.create_connection = refuse("create_connection")
    socket.getaddrinfo = refuse("getaddrinfo")

    from pathlib import Path
    from flask_migrate import upgrade
    from portal import create_app
    from portal.db import db
    from portal.jobs import run_pending
    from portal.kb.service import get_article
    from portal.publishing import import_knowledge_base
    from portal.services import services

    data_dir, kb_dir = Path(sys.argv[1]), Path(sys.argv[2])
    app = create_app({"data_dir": data_dir, "search_index_dir": data_dir / "index", "translation_engines": "argos",
                      "languages": "en,es,fr,de", "testing": True})
    with app.app_context():
        upgrade()
        report, jobs = import_knowledge_base(db.session, kb_dir)
        ran = run_pending(db.session, kinds={"translate_article"})
        article = get_article(db.session, "guide")
        service = services().translation
        out = {
            "jobs": jobs, "ran": ran,
            "versions": {v.lang: {"title": v.title, "body": v.body, "kind": v.kind, "by": v.produced_by,
                                  "untranslated": v.extra.get("untranslated_blocks")} for v in article.versions},
            "query": service.translate_query(db.session, "reset password", "en", "es"),
            "pairs": sorted(map(list, service.available_pairs())),
            "html": app.test_client().get("/fr/articles/guide").get_data(as_text=True),
        }
    print(json.dumps({"out": out, "attempts": attempts}))
    """
)


def test_articles_are_pretranslated_through_argos_with_pivot_and_structure_kept(packs, tmp_path):
    from tests.conftest import write_article

    assert portal(tmp_path, "translations", "install", *map(str, packs)).returncode == 0
    kb = tmp_path / "kb"
    write_article(kb, "guide", "en", "Reset your password", ARTICLE, summary="Get back in.")
    completed = subprocess.run(
        [sys.executable, "-c", RUNNER, str(tmp_path), str(kb)], cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PORTAL_GLOSSARY": "Helpdesk Portal"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["attempts"] == []  # nothing was fetched
    out = result["out"]
    assert out["jobs"] == 2 and out["ran"] == 2  # es and fr; de has no pack
    es, fr = out["versions"]["es"], out["versions"]["fr"]
    assert es["kind"] == fr["kind"] == "machine" and es["by"].startswith("argos/")
    assert es["title"] == "RESET YOUR PASSWORD" and fr["title"] == "SFTFU ZPVS QBTTXPSE"
    assert es["body"] == expected(upper)
    assert fr["body"] == expected(shifted)
    assert es["untranslated"] == fr["untranslated"] == []
    assert out["query"] == "RESET PASSWORD"
    assert ["en", "fr"] in out["pairs"]
    assert '<code lang="en">portal reset</code>' in out["html"]
    assert '<span lang="en">Helpdesk Portal</span>' in out["html"]
    assert 'href="/fr/articles/other-page"' in out["html"]
